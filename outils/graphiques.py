"""Server-rendered SVG charts (no JavaScript, no CDN), each with a text alternative.

Pure: takes plain values, returns SVG markup (safe string). Amounts are Decimal and are only
converted to pixel coordinates here, for drawing; no money is computed from them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from outils.formats import formater_euros

COULEURS = ["#1d4f91", "#2e7d4f", "#8a5300", "#6b3fa0", "#b3261e", "#00707a"]


@dataclass(frozen=True)
class Barre:
    libelle: str
    valeur: Decimal


@dataclass(frozen=True)
class Seuil:
    libelle: str
    valeur: Decimal


def _marge_gauche(libelles, largeur: int) -> int:
    """Room for the longest label at font-size 12 (about 7 px a character in DejaVu Sans),
    between 120 px and 45 % of the chart."""
    longueur = max((len(libelle) for libelle in libelles), default=0)
    return max(120, min(7 * longueur + 16, int(largeur * 0.45)))


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
    ident: str = "",
) -> SafeString:
    """A horizontal bar chart with optional vertical threshold lines (e.g. ETP targets).

    The SVG has role="img", a <title> and a <desc> holding the text alternative; the caller
    shows the same data as a table next to it.
    """
    marge_gauche, hauteur_barre, espace = _marge_gauche([b.libelle for b in barres], largeur), 22, 8
    zone = largeur - marge_gauche - 110
    maximum = max([b.valeur for b in barres] + [s.valeur for s in seuils] + [Decimal(1)])
    hauteur = 30 + len(barres) * (hauteur_barre + espace) + (24 if seuils else 0)
    description = "; ".join(f"{b.libelle} : {formater(b.valeur)}" for b in barres)
    if seuils:
        description += ". Repères : " + "; ".join(
            f"{s.libelle} : {formater(s.valeur)}" for s in seuils
        )
    ident = ident or slugify(titre) or "graphique"  # unique per page: give ``ident``
    parties = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {largeur} {hauteur}" width="100%" class="graphique">',
        f'<title id="{ident}-t">{escape(titre)}</title><desc id="{ident}-d">{escape(description)}</desc>',
    ]
    y = 20
    for i, barre in enumerate(barres):
        w = _px(max(barre.valeur, Decimal(0)), maximum, zone)  # a negative bar is not drawn
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


@dataclass(frozen=True)
class Serie:
    """One series of a grouped bar chart: one value per category (None: no value, not drawn)."""

    libelle: str
    valeurs: tuple[Decimal | None, ...]


def barres_groupees(
    titre: str,
    categories: list[str],
    series: list[Serie],
    *,
    formater=formater_euros,
    largeur: int = 640,
    ident: str = "",
) -> SafeString:
    """A horizontal bar chart with one group of bars per category, one bar per series (e.g.
    amounts estimated and issued per service), with a legend.

    Same accessibility contract as ``barres_horizontales``: role="img", <title>, <desc>
    holding every value (a missing value is said « — »); the caller shows the table too.
    """
    for serie in series:
        if len(serie.valeurs) != len(categories):
            raise ValueError(f"La série « {serie.libelle} » n'a pas une valeur par catégorie.")
    marge_gauche, hauteur_barre, espace_groupe = _marge_gauche(categories, largeur), 14, 12
    zone = largeur - marge_gauche - 110
    valeurs = [v for s in series for v in s.valeurs if v is not None]
    maximum = max([v for v in valeurs if v > 0] + [Decimal(1)])
    hauteur_legende = 22
    hauteur = (
        hauteur_legende + 10 + len(categories) * (len(series) * hauteur_barre + espace_groupe) + 4
    )

    def texte_valeur(valeur):
        return "—" if valeur is None else formater(valeur)

    description = "; ".join(
        f"{categorie} : " + ", ".join(f"{s.libelle} {texte_valeur(s.valeurs[i])}" for s in series)
        for i, categorie in enumerate(categories)
    )
    ident = ident or slugify(titre) or "graphique"
    parties = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {largeur} {hauteur}" width="100%" class="graphique">',
        f'<title id="{ident}-t">{escape(titre)}</title><desc id="{ident}-d">{escape(description)}</desc>',
    ]
    x = marge_gauche
    for j, serie in enumerate(series):
        couleur = COULEURS[j % len(COULEURS)]
        parties.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{couleur}"/>'
            f'<text x="{x + 16}" y="14" font-size="12">{escape(serie.libelle)}</text>'
        )
        x += 16 + 7 * len(serie.libelle) + 24
    y = hauteur_legende + 10
    for i, categorie in enumerate(categories):
        hauteur_groupe = len(series) * hauteur_barre
        parties.append(
            f'<text x="{marge_gauche - 8}" y="{y + hauteur_groupe // 2 + 4}" text-anchor="end" '
            f'font-size="12">{escape(categorie)}</text>'
        )
        for j, serie in enumerate(series):
            valeur = serie.valeurs[i]
            w = _px(max(valeur, Decimal(0)), maximum, zone) if valeur is not None else 0
            couleur = COULEURS[j % len(COULEURS)]
            parties.append(
                f'<rect x="{marge_gauche}" y="{y}" width="{w}" height="{hauteur_barre - 2}" '
                f'fill="{couleur}"/>'
                f'<text x="{marge_gauche + w + 6}" y="{y + hauteur_barre - 4}" font-size="11">'
                f"{escape(texte_valeur(valeur))}</text>"
            )
            y += hauteur_barre
        y += espace_groupe
    parties.append("</svg>")
    return mark_safe("".join(parties))  # noqa: S308 — every text part is escaped above
