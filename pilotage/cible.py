"""R2 — the staffing target (art. 7): how many ETP the contributions are meant to fund.

**Decision** (the convention is silent): R2 counts as members the communes with an adhesion in
force on at least one day of N, and as socle complet communes those with a socle complet
adhesion in force on at least one day of N (the domain's rule, like T8). The convention writes
"1 ETP … supplémentaire", "2 ETP supplémentaires", "3 ETP supplémentaires": read, as the rules
do, as a total of 1, 2 or 3 ETP, not a sum (``PALIERS_ETP``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal("0.00")

# =============================================================================================
# R2 — the staffing target (art. 7)
# =============================================================================================

# "1 ETP (40 k€ annuel)" (art. 7).
MONTANT_ETP = Decimal("40000.00")


class Palier(NamedTuple):
    etp: int
    socle_min: int  # socle complet communes needed (0: from the first member)
    libelle: str

    @property
    def montant(self) -> Decimal:
        return MONTANT_ETP * self.etp


# R2 — art. 7: 1 ETP from the first member, 2 ETP when 10 to 20 communes have the socle
# complet, 3 ETP above 20. Highest first.
PALIERS_ETP = (
    Palier(3, 21, "plus de 20 communes au socle complet"),
    Palier(2, 10, "de 10 à 20 communes au socle complet"),
    Palier(1, 0, "dès la première commune adhérente"),
)


class Cible(NamedTuple):
    """R2 — the staffing the contributions are meant to fund: ``etp`` × 40 000 €."""

    etp: int
    montant: Decimal


def cible_etp(nb_socle_complet: int, *, nb_membres: int | None = None) -> Cible:
    """R2 — the target for a year with ``nb_socle_complet`` socle complet communes among
    ``nb_membres`` members (by default, only those communes: no member at all gives 0 ETP).

    >>> cible_etp(9)
    Cible(etp=1, montant=Decimal('40000.00'))
    """
    if nb_membres is None:
        nb_membres = nb_socle_complet
    for nombre, nom in ((nb_socle_complet, "communes au socle complet"), (nb_membres, "membres")):
        if isinstance(nombre, bool) or not isinstance(nombre, int) or nombre < 0:
            raise ValueError(f"Nombre de {nom} invalide : {nombre!r}.")
    if nb_membres < nb_socle_complet:
        raise ValueError(
            "Une commune au socle complet est un membre : nombre de membres trop petit."
        )
    if nb_membres == 0:
        return Cible(0, ZERO)
    etp = next(p.etp for p in PALIERS_ETP if nb_socle_complet >= p.socle_min)
    return Cible(etp, MONTANT_ETP * etp)


def prochain_palier(nb_socle_complet: int) -> Palier | None:
    """The next step up (how many socle complet communes it needs), or None at the top."""
    plus_haut = [p for p in PALIERS_ETP if p.socle_min > nb_socle_complet]
    return min(plus_haut, key=lambda p: p.socle_min) if plus_haut else None


@dataclass(frozen=True)
class Couverture:
    """Contributions set against the target: the gap and the share covered."""

    libelle: str
    montant: Decimal
    cible: Cible

    @property
    def ecart(self) -> Decimal:
        return self.montant - self.cible.montant

    @property
    def pourcentage(self) -> int | None:
        """Share of the target covered, in whole per cent (None without a target)."""
        if not self.cible.montant:
            return None
        return int((self.montant * 100 / self.cible.montant).to_integral_value(ROUND_HALF_UP))

    @property
    def atteinte(self) -> bool:
        return self.ecart >= 0
