"""B11 — the state of a titre and what remains to collect, from plain values (pure: no Django).

    net   = issued + corrections − mandats       (corrections ≤ 0: réductions, annulations;
                                                   mandats ≥ 0: mandat requests in force, B4)
    reste = net − payments − non-valeur, never below 0,00 €
    trop-perçu = what payments exceed it by (flagged; a refund is the comptable's)

The state follows from these figures and from the comptable's acknowledgement, in this order:
*rejeté* (by the comptable: the titre is then annulled and reissued, and keeps this state),
*annulé* (corrected to nothing), *admis en non-valeur* (nothing remains and a non-valeur was
admitted), *soldé* (paid in full, or beyond), *partiellement payé*, *pris en charge*, *émis*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class Etat(StrEnum):
    EMIS = "emis"
    PRIS_EN_CHARGE = "pris_en_charge"
    REJETE = "rejete"
    PARTIELLEMENT_PAYE = "partiellement_paye"
    SOLDE = "solde"
    NON_VALEUR = "non_valeur"
    ANNULE = "annule"

    @property
    def libelle(self) -> str:
        return LIBELLES[self]


LIBELLES = {
    Etat.EMIS: "émis",
    Etat.PRIS_EN_CHARGE: "pris en charge",
    Etat.REJETE: "rejeté",
    Etat.PARTIELLEMENT_PAYE: "partiellement payé",
    Etat.SOLDE: "soldé",
    Etat.NON_VALEUR: "admis en non-valeur",
    Etat.ANNULE: "annulé",
}
# The states in which something may still be collected.
A_RECOUVRER = frozenset({Etat.EMIS, Etat.PRIS_EN_CHARGE, Etat.PARTIELLEMENT_PAYE})


@dataclass(frozen=True)
class Situation:
    emis: Decimal
    corrige: Decimal  # ≤ 0: corrections and mandats, as they reduce the titre
    paye: Decimal
    non_valeur: Decimal
    reste: Decimal
    trop_percu: Decimal
    etat: Etat


def situation(
    *,
    emis: Decimal,
    corrections: Decimal = ZERO,
    mandats: Decimal = ZERO,
    paye: Decimal = ZERO,
    non_valeur: Decimal = ZERO,
    pris_en_charge: bool = False,
    rejete: bool = False,
) -> Situation:
    """B11 — a titre's figures and state. Amounts are Decimal with two places (sums of such:
    no rounding happens here)."""
    for nom, valeur in (
        ("emis", emis),
        ("corrections", corrections),
        ("mandats", mandats),
        ("paye", paye),
        ("non_valeur", non_valeur),
    ):
        if not isinstance(valeur, Decimal):
            raise TypeError(f"{nom} : Decimal attendu, reçu {type(valeur).__name__}")
    corrige = corrections - mandats
    net = emis + corrige
    brut = net - paye - non_valeur
    reste = max(brut, ZERO)
    trop_percu = max(-brut, ZERO)
    if rejete:
        # Kept after its annulation: the reason the titre was reissued stays visible.
        etat = Etat.REJETE
    elif net <= 0 and corrige != 0:
        etat = Etat.ANNULE
    elif reste == 0 and non_valeur > 0:
        etat = Etat.NON_VALEUR
    elif reste == 0 and paye > 0:
        etat = Etat.SOLDE
    elif paye > 0:
        etat = Etat.PARTIELLEMENT_PAYE
    elif pris_en_charge:
        etat = Etat.PRIS_EN_CHARGE
    else:
        etat = Etat.EMIS
    return Situation(emis, corrige, paye, non_valeur, reste, trop_percu, etat)


def echeance(date_emission: date, delai_jours: int) -> date:
    """B11 — the due date: the issue date plus the payment delay."""
    return date_emission + timedelta(days=delai_jours)


def rang_du_rappel_du(
    *, echeance: date, jour: date, delai_jours: int, deja: int, maximum: int
) -> int | None:
    """B11 — the rank of the reminder due on ``jour`` for an unpaid titre that already had
    ``deja`` reminders, or ``None``: the k-th reminder is due from ``echeance + k × delai``;
    never two within one delay (one per period), never more than ``maximum``."""
    if deja >= maximum or jour <= echeance:
        return None
    periodes = (jour - echeance).days // delai_jours
    if periodes <= deja:
        return None
    return deja + 1


def tranche_d_age(echeance: date, jour: date) -> str:
    """The age of a due amount: ``non_echu``, ``0_30``, ``31_90``, ``91_365``, ``plus_365`` days
    past its due date."""
    jours = (jour - echeance).days
    if jours <= 0:
        return "non_echu"
    if jours <= 30:
        return "0_30"
    if jours <= 90:
        return "31_90"
    if jours <= 365:
        return "91_365"
    return "plus_365"


TRANCHES_D_AGE = {
    "non_echu": "non échu",
    "0_30": "échu depuis 30 jours au plus",
    "31_90": "échu depuis 31 à 90 jours",
    "91_365": "échu depuis 91 à 365 jours",
    "plus_365": "échu depuis plus d'un an",
}
