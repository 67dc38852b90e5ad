"""The arithmetic of the exit (A4, art. 2.4) and of the depreciation of transferred assets (A3,
art. 2.3.2): pure functions of plain values, standard library and ``tarification.calcul``'s
rounding only (no Django, no database), tested as tables and properties.

- **Pro rata temporis, to the day, over the contract's own period** (A4): a contract the EPCI
  bears for the member, of price ``montant_periode`` for its period ``[debut, fin]``, is
  reimbursed for the days of that period after the member's last day:
  ``montant_periode × days after the last day / days of the period``, both counts inclusive
  and in calendar days (a period containing 29 February has one day more), rounded once
  (``arrondir``, ROUND_HALF_UP, T9).
- **Remaining value of a transferred asset** (A3): straight-line depreciation, to the day,
  from its transfer date over its schedule in years (the EPCI bears it from that date): the
  value of the schedule's days after a given day, by the same pro rata; 0 once fully
  depreciated.
- **The état de sortie's computed lines** (A4), from the register at the member's last day:
  each contract borne by the EPCI is reimbursed pro rata, or handed back to the member (nothing
  billed), or already over by the last day (nothing billed); each transferred asset goes back
  to the member at its remaining value, shown and not billed (**decision**: art. 2.4 provides a
  reimbursement for contracts only; the value is given for the inventory entries of the
  return). Penalties and what the résiliation délibération decides are entered by the DSI, not
  computed.
"""

from __future__ import annotations

import calendar
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from tarification.calcul import ZERO, arrondir

__all__ = [
    "BienTransfere",
    "ContratPorte",
    "LigneSortie",
    "ProRata",
    "Sort",
    "ajouter_annees",
    "calculer_sortie",
    "fin_amortissement",
    "jours",
    "prorata_temporis",
    "total",
    "valeur_restante",
]

UN_JOUR = timedelta(days=1)


def _montant(valeur: object, nom: str) -> Decimal:
    # T9: money is Decimal (or an int), never a float.
    if isinstance(valeur, bool) or not isinstance(valeur, Decimal | int):
        raise TypeError(f"{nom} doit être un Decimal (reçu {type(valeur).__name__}).")
    valeur = Decimal(valeur)
    if valeur < 0:
        raise ValueError(f"{nom} ne peut pas être négatif.")
    return valeur


def jours(debut: date, fin: date) -> int:
    """Calendar days from ``debut`` to ``fin``, both included (0 when ``fin`` precedes)."""
    return max(0, (fin - debut).days + 1)


def ajouter_annees(jour: date, annees: int) -> date:
    """``jour`` plus whole years, 29 February clamped to the 28th in a common year."""
    annee = jour.year + annees
    return jour.replace(year=annee, day=min(jour.day, calendar.monthrange(annee, jour.month)[1]))


def fin_amortissement(debut: date, duree_ans: int) -> date:
    """Last day (inclusive) of a depreciation schedule of ``duree_ans`` years from ``debut``."""
    if isinstance(duree_ans, bool) or not isinstance(duree_ans, int) or duree_ans < 1:
        raise ValueError("La durée d'amortissement est un nombre entier d'années (1 au moins).")
    return ajouter_annees(debut, duree_ans) - UN_JOUR


@dataclass(frozen=True)
class ProRata:
    """The share of an amount for the days of ``[debut, fin]`` after the day ``apres``."""

    montant_periode: Decimal
    debut: date
    fin: date
    apres: date
    jours_periode: int
    jours_restants: int
    montant: Decimal  # rounded once (T9)

    @property
    def premier_jour_restant(self) -> date | None:
        return max(self.apres + UN_JOUR, self.debut) if self.jours_restants else None


def prorata_temporis(*, montant_periode: Decimal, debut: date, fin: date, apres: date) -> ProRata:
    """A4 — ``montant_periode`` (the price of the period ``[debut, fin]``) × the days of the
    period after ``apres`` / the days of the period, rounded once to the cent."""
    montant_periode = _montant(montant_periode, "Le montant de la période")
    if fin < debut:
        raise ValueError("La fin de la période précède son début.")
    periode = jours(debut, fin)
    restants = jours(max(apres + UN_JOUR, debut), fin)
    # Multiply before dividing: the numerator is exact, the quotient is rounded once here.
    montant = arrondir(montant_periode * restants / periode)
    return ProRata(montant_periode, debut, fin, apres, periode, restants, montant)


def valeur_restante(*, valeur: Decimal, debut: date, duree_ans: int, jour: date) -> ProRata:
    """A3 — the value of a transferred asset not yet depreciated at the end of ``jour``
    (straight line, to the day, from ``debut`` over ``duree_ans`` years)."""
    return prorata_temporis(
        montant_periode=valeur, debut=debut, fin=fin_amortissement(debut, duree_ans), apres=jour
    )


# ---------------------------------------------------------------------------------------------
# The état de sortie's computed lines
# ---------------------------------------------------------------------------------------------


class Sort(StrEnum):
    """What happens at the last day to an item of the register."""

    REMBOURSEMENT = "remboursement"  # a contract the EPCI keeps bearing: reimbursed pro rata
    REPRISE = "reprise"  # a contract handed back to the member: nothing billed
    ECHU = "echu"  # a contract whose period is over by the last day: nothing billed
    RESTITUTION = "restitution"  # an asset handed back at its remaining value: not billed


@dataclass(frozen=True)
class ContratPorte:
    """A contract the EPCI bears for the member (taken over, or concluded for it)."""

    cle: Hashable
    montant_periode: Decimal
    debut: date
    fin: date
    repris_par_le_membre: bool = False


@dataclass(frozen=True)
class BienTransfere:
    cle: Hashable
    valeur: Decimal
    transfere_le: date
    duree_ans: int


@dataclass(frozen=True)
class LigneSortie:
    cle: Hashable
    sort: Sort
    prorata: ProRata
    montant: Decimal  # what the état bills for this item (0 when nothing is billed)

    @property
    def facturee(self) -> bool:
        return self.montant > 0


def _ligne_contrat(contrat: ContratPorte, dernier_jour: date) -> LigneSortie:
    prorata = prorata_temporis(
        montant_periode=contrat.montant_periode,
        debut=contrat.debut,
        fin=contrat.fin,
        apres=dernier_jour,
    )
    if contrat.fin <= dernier_jour:
        return LigneSortie(contrat.cle, Sort.ECHU, prorata, ZERO)
    if contrat.repris_par_le_membre:
        # Art. 2.4: "transférés au Membre, ou donnent lieu à un remboursement" — one or the other.
        return LigneSortie(contrat.cle, Sort.REPRISE, prorata, ZERO)
    return LigneSortie(contrat.cle, Sort.REMBOURSEMENT, prorata, prorata.montant)


def calculer_sortie(
    *,
    dernier_jour: date,
    contrats: Iterable[ContratPorte] = (),
    biens: Iterable[BienTransfere] = (),
) -> tuple[LigneSortie, ...]:
    """A4 — one line per contract borne by the EPCI, then one per transferred asset, in the
    given order."""
    lignes = [_ligne_contrat(contrat, dernier_jour) for contrat in contrats]
    for bien in biens:
        prorata = valeur_restante(
            valeur=bien.valeur, debut=bien.transfere_le, duree_ans=bien.duree_ans, jour=dernier_jour
        )
        lignes.append(LigneSortie(bien.cle, Sort.RESTITUTION, prorata, ZERO))
    return tuple(lignes)


def total(montants: Iterable[Decimal]) -> Decimal:
    """T9 — a total is the sum of its lines, already rounded, never rounded again."""
    return sum((_montant(m, "Un montant") for m in montants), ZERO)
