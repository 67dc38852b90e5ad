"""Exercices and dates of titres (B1, B3): which exercice a titre or a campaign may be issued
on, on which day.

B1 (revised): a titre of exercice E is dated within E — from 1 January E to 31 December E, or
up to 31 January E+1, the journée complémentaire — and never after today (a date in the future
would also lock the series, which is numbered in chronological order).

B3 (revised): a campaign for year N is issued on an exercice open on its date and not before N:
by default N before 1 January N+1 (year N is not over: the preview warns), N+1 from then on;
until 31 January N+1 the finance officer may still choose N.

"Today" is a parameter everywhere (``aujourd_hui``), defaulting to the local date: tests pass
it, so that their meaning does not change on 1 January.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone


def aujourdhui() -> date:
    return timezone.localdate()


def fin_journee_complementaire(exercice: int) -> date:
    """The last day titres of ``exercice`` may be issued (journée complémentaire)."""
    return date(exercice + 1, 1, 31)


def exercice_ouvert(exercice: int, jour: date) -> bool:
    """B1 — ``jour`` lies within exercice ``exercice`` (journée complémentaire included)."""
    return date(exercice, 1, 1) <= jour <= fin_journee_complementaire(exercice)


def exercices_ouverts(jour: date) -> list[int]:
    """The exercices a titre may be dated ``jour`` on: the year's, and the previous one's
    until 31 January (journée complémentaire)."""
    return [e for e in (jour.year - 1, jour.year) if exercice_ouvert(e, jour)]


def exercices_campagne(annee: int, jour: date) -> list[int]:
    """B3 — the exercices a campaign for ``annee`` may be issued on ``jour``: those open that
    day, never before year N itself."""
    return [e for e in exercices_ouverts(jour) if e >= annee]


def exercice_par_defaut(annee: int, jour: date) -> int:
    """B3 — the exercice a campaign for ``annee`` is issued on by default on ``jour``: the
    latest open one (N before 1 January N+1, N+1 from then on); the year itself when none is
    (a campaign for a year not begun: refused when issued)."""
    possibles = exercices_campagne(annee, jour)
    return max(possibles) if possibles else annee


def verifier_date_titre(exercice: int, jour: date, aujourd_hui: date | None = None) -> None:
    """B1 — a titre of ``exercice`` dated ``jour``: within its exercice and not after today.
    The refusal names the rule; the caller issues nothing."""
    aujourd_hui = aujourd_hui or aujourdhui()
    if jour > aujourd_hui:
        raise ValidationError(
            f"Date d'émission du {jour:%d/%m/%Y} postérieure à aujourd'hui "
            f"({aujourd_hui:%d/%m/%Y}) : un titre n'est jamais daté dans le futur (B1).",
            code="date_future",
        )
    if not exercice_ouvert(exercice, jour):
        raise ValidationError(
            f"Un titre de l'exercice {exercice} est daté du 01/01/{exercice} au "
            f"{fin_journee_complementaire(exercice):%d/%m/%Y} (journée complémentaire) : "
            f"le {jour:%d/%m/%Y} n'en fait pas partie (B1, B3).",
            code="hors_exercice",
        )


def verifier_exercice_campagne(
    annee: int, exercice: int, jour: date, aujourd_hui: date | None = None
) -> None:
    """B3 — the campaign for ``annee`` issued on ``exercice`` and dated ``jour``."""
    if exercice < annee:
        raise ValidationError(
            f"Exercice {exercice} impossible pour la campagne {annee} : une contribution "
            f"{annee} ne se facture pas sur un exercice antérieur (B3).",
            code="exercice_anterieur",
        )
    if exercice == annee and jour > fin_journee_complementaire(annee):
        raise ValidationError(
            f"L'exercice {annee} n'est plus ouvert à la campagne {annee} : il ne l'est que "
            f"jusqu'au 31 janvier {annee + 1} (journée complémentaire). Choisissez l'exercice "
            f"{exercice_par_defaut(annee, jour)} (B3).",
            code="exercice_clos",
        )
    verifier_date_titre(exercice, jour, aujourd_hui)
