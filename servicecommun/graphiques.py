"""Server-rendered SVG charts (no JavaScript, no CDN), each with a text alternative.

Pure: takes plain values, returns SVG markup (safe string). Amounts are Decimal and are only
converted to pixel coordinates here, for drawing; no money is computed from them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from tarification.calcul import formater_euros

COULEURS = ["#1d4f91", "#2e7d4f", "#8a5300", "#6b3fa0", "#b3261e", "#00707a"]


@dataclass(frozen=True)
class Barre:
    libelle: str
    valeur: Decimal


@dataclass(frozen=True)
class Seuil:
    libelle: str
    valeur: Decimal


def _px(valeur: Decimal, maximum: Decimal, largeur: int) -> int:
    if maximum <= 0:
        return 0
    return int((Decimal(largeur) * valeur / maximum).to_integral_value())


def barres_horizontales(
    titre: str,
    barres: list[Barre],
    *,
    seuils: tuple[Seuil, ...] = (),
    formater=formater_euros,
    largeur: int = 640,
) -> SafeString:
    """A horizontal bar chart with optional vertical threshold lines (e.g. ETP targets).

    The SVG has role="img", a <title> and a <desc> holding the text alternative; the caller
    shows the same data as a table next to it.
    """
    marge_gauche, hauteur_barre, espace = 190, 22, 8
    zone = largeur - marge_gauche - 110
    maximum = max([b.valeur for b in barres] + [s.valeur for s in seuils] + [Decimal(1)])
    hauteur = 30 + len(barres) * (hauteur_barre + espace) + (24 if seuils else 0)
    description = "; ".join(f"{b.libelle} : {formater(b.valeur)}" for b in barres)
    if seuils:
        description += ". Repères : " + "; ".join(
            f"{s.libelle} : {formater(s.valeur)}" for s in seuils
        )
    ident = slugify(titre) or "graphique"
    parties = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {largeur} {hauteur}" width="100%" class="graphique">',
        f'<title id="{ident}-t">{escape(titre)}</title><desc id="{ident}-d">{escape(description)}</desc>',
    ]
    y = 20
    for i, barre in enumerate(barres):
        w = _px(barre.valeur, maximum, zone)
        couleur = COULEURS[i % len(COULEURS)]
        parties.append(
            f'<text x="{marge_gauche - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(barre.libelle)}</text>"
            f'<rect x="{marge_gauche}" y="{y}" width="{w}" height="{hauteur_barre}" fill="{couleur}"/>'
            f'<text x="{marge_gauche + w + 6}" y="{y + 15}" font-size="12">{escape(formater(barre.valeur))}</text>'
        )
        y += hauteur_barre + espace
    for seuil in seuils:
        x = marge_gauche + _px(seuil.valeur, maximum, zone)
        parties.append(
            f'<line x1="{x}" y1="12" x2="{x}" y2="{y}" stroke="#b3261e" stroke-dasharray="4 3"/>'
            f'<text x="{x}" y="{y + 16}" font-size="11" text-anchor="middle" fill="#b3261e">'
            f"{escape(seuil.libelle)}</text>"
        )
    parties.append("</svg>")
    return mark_safe("".join(parties))  # noqa: S308 — every text part is escaped above
