"""B3 — numbering without holes or duplicates, and the locks that make it so.

Every issuer of a series locks the debtors' rows first (pk order, against deadlocks), then the
bordereau counter, then the titre counter, always in this order (``Emission``): two concurrent
issues of the same series wait for each other, and B4's "already billed?" is read under the
debtors' lock. The counters' docstring (``Compteur``) says why no hole can appear.
"""

from __future__ import annotations

from django.db.models import QuerySet

from outils import flux
from tarification.models import Compteur


def compteur_verrouille(*, exercice: int, budget: str, serie: str) -> Compteur:
    """The counter row of a series, locked until the end of the transaction.

    The row is created if missing (``INSERT … ON CONFLICT DO NOTHING``: two first issuers of a
    new exercice do not fail, the second waits for the first), then locked with
    ``SELECT … FOR UPDATE``: every issuer of the series waits here for the previous one to
    commit or roll back. On SQLite the whole database is locked by the writing transaction
    (``transaction_mode = IMMEDIATE``), which serialises issuers just as well.
    """
    Compteur.objects.bulk_create(
        [Compteur(exercice=exercice, budget=budget, serie=serie)], ignore_conflicts=True
    )
    return Compteur.objects.select_for_update().get(exercice=exercice, budget=budget, serie=serie)


def verrouiller_debiteurs(communes: QuerySet) -> None:
    """B4 under concurrency: lock the debtors' rows (in pk order, against deadlocks) before
    reading what is already billed; the counters are always locked after the members."""
    flux.verrouiller(communes)
