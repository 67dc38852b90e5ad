#!/usr/bin/env bash
# Rebuild the PDF fonts static/fonts/DejaVuSans*-Latin.ttf from DejaVu Sans 2.37.
#
# WeasyPrint subsets every embedded font again for each PDF it writes; with the full DejaVu
# Sans (700 KB, large kerning and shaping tables) that subsetting was ~80 % of the time of a
# titre's PDF. These files keep the Latin scripts (Basic Latin, Latin-1, Latin Extended-A),
# the punctuation and symbols our documents print (— – … « » € № → ≤ ≥ −, narrow no-break
# space) and drop the OpenType layout tables (kerning), which WeasyPrint re-read per PDF.
# A character outside this set is drawn by fontconfig's fallback font: never missing.
# Usage: scripts/polices.sh /path/to/dejavu-fonts-ttf-2.37/ttf
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=${1:?"dossier des polices DejaVu d'origine (ttf)"}
unicodes="U+0020-007E,U+00A0-017F,U+0192,U+0218-021B,U+02C6-02DD,U+2000-206F,U+20AC,U+2116,\
U+2122,U+2190-2199,U+2212,U+2264,U+2265,U+2713,U+2714,U+2717,U+25A0-25CF"
for police in DejaVuSans DejaVuSans-Bold DejaVuSans-Oblique; do
  .venv/bin/python -m fontTools.subset "$source_dir/$police.ttf" --unicodes="$unicodes" \
    --layout-features='' --drop-tables+=FFTM,GSUB,GPOS,GDEF --name-IDs='*' \
    --name-languages='*' --notdef-outline --glyph-names \
    --output-file="static/fonts/$police-Latin.ttf"
done
