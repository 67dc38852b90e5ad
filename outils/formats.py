"""French formats, the one place for them: numbers (``2 355``), money (``5 532,50 €``),
quantities (``4,5`` days), dates (``15/03/2025``) and years (``2026``, never ``2 026``).

Pure (standard library only) so that anything may use it, templates included
(``outils/templatetags/format_fr.py``). Spaces are non-breaking (U+00A0), like Django's ``fr``
locale: an amount never wraps between its digits and its « € ».
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

ESPACE_INSECABLE = "\u00a0"


def _decimal(valeur: object) -> Decimal:
    # Money and quantities are Decimal or int: a float here is a bug upstream (T9).
    if isinstance(valeur, bool) or not isinstance(valeur, Decimal | int):
        raise TypeError(f"Nombre attendu en Decimal ou int (reçu {type(valeur).__name__}).")
    return Decimal(valeur)


def formater_nombre(n: Decimal | int, decimales: int | None = None) -> str:
    """A number the French way: thousands separated by a non-breaking space, decimal comma.

    ``decimales=None`` keeps the value's own decimals (``Decimal("1.50")`` → « 1,50 »);
    otherwise the value is shown with that many decimals (ROUND_HALF_UP).
    """
    valeur = _decimal(n)
    if decimales is not None:
        valeur = valeur.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    texte = format(valeur, "f")
    signe = ""
    if texte.startswith("-"):
        signe, texte = "-", texte[1:]
    entier, _, fraction = texte.partition(".")
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    resultat = ESPACE_INSECABLE.join(groupes)
    if fraction:
        resultat += "," + fraction
    if valeur == 0:
        signe = ""  # never « -0,00 »
    return signe + resultat


def formater_euros(montant: Decimal) -> str:
    """``Decimal("5532.5")`` → « 5 532,50 € »."""
    return formater_nombre(montant, 2) + ESPACE_INSECABLE + "€"


def formater_quantite(n: Decimal | int) -> str:
    """A quantity without useless zeros: ``Decimal("5.0")`` → « 5 », ``Decimal("4.50")`` →
    « 4,5 », ``Decimal("2500")`` → « 2 500 »."""
    valeur = _decimal(n)
    if valeur == valeur.to_integral_value():
        return formater_nombre(valeur.to_integral_value())
    return formater_nombre(valeur.normalize())


def quantite_unite(n: Decimal | int, singulier: str, pluriel: str | None = None) -> str:
    """« 1 jour », « 2 jours », « 0,5 jour » (French: plural from 2)."""
    pluriel = pluriel if pluriel is not None else singulier + "s"
    return f"{formater_quantite(n)} {singulier if abs(_decimal(n)) < 2 else pluriel}"


def formater_date(jour: date | datetime) -> str:
    """``date(2025, 3, 15)`` → « 15/03/2025 »; a datetime also gives its time (« à 14:05 »)."""
    if isinstance(jour, datetime):
        return jour.strftime("%d/%m/%Y à %H:%M")
    return jour.strftime("%d/%m/%Y")


def formater_annee(annee: int) -> str:
    """A year is a name, not a quantity: « 2026 », never « 2 026 »."""
    return str(int(annee))


def nom_personne(utilisateur) -> str:
    """A person as people name her: « Camille Martin », her login only when no name is set."""
    if utilisateur is None:
        return "—"
    nom = f"{utilisateur.first_name} {utilisateur.last_name}".strip()
    return nom or utilisateur.get_username()


def de_commune(nom: str) -> str:
    """« de Redon », « d'Allaire », « des Fougerêts » (Les Fougerêts), « du Temple »."""
    if nom.startswith("Les "):
        return f"des {nom[4:]}"
    if nom.startswith("Le "):
        return f"du {nom[3:]}"
    initiale = unicodedata.normalize("NFD", nom[:1])[:1].lower()
    return f"d'{nom}" if initiale in "aeiouyh" else f"de {nom}"
