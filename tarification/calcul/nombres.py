"""Argent (T9) et textes du calcul : ``Decimal`` seulement, un seul point d'arrondi, et des
fragments de texte que la présentation met en forme (``tarification/textes.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# Argent (T9)
# ---------------------------------------------------------------------------------------------


def _decimal(valeur: object, nom: str) -> Decimal:
    """Convertit un entier en Decimal ; refuse les float (T9 : pas de float dans le calcul)."""
    if isinstance(valeur, bool) or not isinstance(valeur, Decimal | int):
        raise TypeError(f"{nom} doit être un Decimal (reçu {type(valeur).__name__}).")
    return Decimal(valeur)


def au_centime(montant: object) -> bool:
    """Un montant en euros et centimes : un ``Decimal`` sans fraction de centime."""
    return isinstance(montant, Decimal) and montant == montant.quantize(CENT)


def arrondir(montant: Decimal) -> Decimal:
    """Arrondit au centime, au plus proche, la demi-valeur vers le haut (ROUND_HALF_UP).

    T9 : c'est LE SEUL point d'arrondi du module. Chaque ligne est arrondie une fois, ici ;
    un total est la somme de ses lignes déjà arrondies, jamais ré-arrondie.
    """
    return _decimal(montant, "montant").quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Textes : ce que disent les bases et les anomalies, sans mise en forme
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Euros:
    """Un montant dans un texte ; sa mise en forme (« 5 532,50 € ») est affaire de présentation
    (``tarification/textes.py``), pas de calcul."""

    valeur: Decimal


@dataclass(frozen=True)
class Quantite:
    """Une quantité dans un texte (jours, demi-journées, habitants)."""

    valeur: Decimal | int


# Un texte est une suite de fragments : du texte, des dates, des montants, des quantités.
Fragment = str | date | Euros | Quantite
Texte = tuple[Fragment, ...]
