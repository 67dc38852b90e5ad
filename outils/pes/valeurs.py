"""PES V2 recette "aller" (DGFiP, Hélios) — the values a file is built from, the error raised
when it cannot be, and the text rules every value follows. Plain values only (frozen
dataclasses, Decimal, date, bytes): nothing from Django or the project."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
CENT = Decimal("0.01")
MIME_EXT = {"application/pdf": "pdf", "text/xml": "xml", "application/xml": "xml"}
# Tiers of the PES Facture ASAP that stand for the DGFiP (State service): not printed on the ASAP.
CAT_NAT_DGFIP = ("20", "07")


# --------------------------------------------------------------------------- input values
@dataclass(frozen=True)
class ParametresFacture:
    """Issuer data a PES Facture ASAP (TypeFact 09) requires and a titre does not carry."""

    nom: str  # Emetteur/InfoTiers/Nom (≤38)
    cat_tiers: str  # the issuer's own CatTiers, e.g. "24" groupement
    adresse: str  # Emetteur/Adresse/Adr2 (mandatory for an ASAP)
    code_postal: str
    ville: str
    ref_bdf: str  # InfoSuppl/RefBdf, mandatory for an ASAP (≤13 alnum)
    signataire_nom: str  # Signataire block, mandatory for an ASAP
    signataire_prenom: str
    signataire_role: str
    poste_nom: str  # Tiers TypTiers 26: the comptable's post
    poste_adresse: str
    poste_code_postal: str
    poste_ville: str
    encaissement_code_postal: str  # Tiers TypTiers 25: centre d'encaissement
    encaissement_ville: str
    encaissement_tsa: str = ""  # Adr3 (TSA): Adr1/Adr2 are forbidden for TypTiers 25
    nat_jur: str = "09"
    telephone: str = ""
    modalites_reglement: str = "Démarche non prévue par la collectivité"  # the XSD's own example
    conditions_generales: str = "Néant"
    modalites_contestation: str = ""
    mode_recouvrement: bool = True  # 1 = without TIP; a TIP is meaningless through Chorus Pro


@dataclass(frozen=True)
class EnTete:
    id_post: str
    id_coll: str
    cod_col: str
    cod_bud: str
    libelle_col_bud: str
    emetteur_sigle: str
    emetteur_adresse: str
    nom_fichier: str
    facture: ParametresFacture | None = None  # required as soon as a titre has Edition 02


@dataclass(frozen=True)
class Tiers:
    nom: str
    siret: str
    cat_tiers: str
    nat_jur: str
    adresse: str
    code_postal: str
    ville: str
    ref_tiers: str = ""


@dataclass(frozen=True)
class Rattachement:
    """Titre (line) reduced or cancelled by an annulation-réduction titre (RattachPiece)."""

    exercice: int
    numero_titre: int
    numero_ligne: int = 1
    nature_piece: str = "01"  # NatPceOrig 01 titre


@dataclass(frozen=True)
class LignePES:
    objet: str
    nature: str
    fonction: str
    cod_prod_loc: str
    montant: Decimal
    rattachement: Rattachement | None = None


@dataclass(frozen=True)
class PJ:
    id_unique: str
    nom: str
    type_pj: str
    description: str
    contenu: bytes
    mime: str = "application/pdf"


@dataclass(frozen=True)
class PiecePES:
    numero: int
    objet: str
    lignes: tuple[LignePES, ...]
    tiers: Tiers
    type_piece: str = "01"
    nature_piece: str = "01"
    edition: str | None = None
    numero_facture: str | None = None  # derived as EXER-BORD-TITRE when None
    code_service: str = ""
    nom_service: str = ""
    numero_engagement: str = ""
    pdf: bytes | None = None
    pieces_jointes_supplementaires: tuple[PJ, ...] = ()


@dataclass(frozen=True)
class BordereauPES:
    exercice: int
    numero: int
    date: date
    pieces: tuple[PiecePES, ...]
    type_bordereau: str = "01"


# --------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class Anomalie:
    code: str  # stable rule code, e.g. "siret_cle"
    message: str  # French, shown to users

    def __str__(self) -> str:
        return self.message


class ErreurPES(Exception):
    def __init__(self, anomalies):
        self.anomalies = [
            a if isinstance(a, Anomalie) else Anomalie("pes", str(a)) for a in anomalies
        ]
        self.erreurs = [a.message for a in self.anomalies]
        super().__init__("\n".join(self.erreurs))

    @property
    def codes(self) -> set[str]:
        return {a.code for a in self.anomalies}


# --------------------------------------------------------------------------- text helpers
_TYPO = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u20ac": "EUR",
    }
)


def normaliser(valeur, maxi: int) -> str:
    """One line of Latin-1 text, at most `maxi` characters (possibly empty).

    XSD patterns use '.', which refuses line breaks; Hélios historically reads ISO-8859-1, so
    characters outside Latin-1 are mapped to ASCII look-alikes or dropped."""
    out = []
    for c in str(valeur or "").translate(_TYPO):
        if c.isspace():
            out.append(" ")
        elif unicodedata.category(c)[0] == "C":  # controls, soft hyphen...: illegal or invisible
            continue
        elif ord(c) < 256:
            out.append(c)
        else:
            out.append(unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode())
    return " ".join("".join(out).split())[:maxi].rstrip()


def sans_accents(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def texte_valide(s: str) -> bool:
    """V_BaseString + V_BaseAlphanum: refuses "", " ", ".", "nc" and all-zero values."""
    return bool(s) and s not in (" ", ".", "nc") and s.strip("0") != ""


def nom_pj(nom: str, mime: str) -> str:
    """NomPJ: ≤100 chars, must end with '.' + 2-4 alphanumerics (V_Base_NomPJ)."""
    s = re.sub(r"[^0-9A-Za-z._-]+", "_", sans_accents(normaliser(nom, 1000))).strip("._")
    base, _, ext = s.rpartition(".")
    if not (base and re.fullmatch(r"[A-Za-z0-9]{2,4}", ext)):
        base, ext = s, MIME_EXT.get(mime, "bin")
    return f"{base[: 99 - len(ext)] or 'piece'}.{ext}"
