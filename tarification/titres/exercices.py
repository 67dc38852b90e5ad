"""Exercices and dates of titres (B1, B3): which exercice a titre or a campaign may be issued
on, on which day."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone


def fin_journee_complementaire(exercice: int) -> date:
    """The last day titres of ``exercice`` may be issued (journée complémentaire)."""
    return date(exercice + 1, 1, 31)


def exercices_campagne(annee: int, jour: date) -> list[int]:
    """B3 — the exercices a campaign for ``annee`` may use on ``jour``: N+1 (the default) and
    later up to the current year; N itself until 31 January N+1."""
    possibles = [annee] if jour <= fin_journee_complementaire(annee) else []
    return possibles + list(range(annee + 1, max(annee + 1, jour.year) + 1))


def verifier_exercice_campagne(annee: int, exercice: int, jour: date) -> None:
    possibles = exercices_campagne(annee, jour)
    if exercice in possibles:
        return
    if exercice == annee:
        raise ValidationError(
            f"L'exercice {annee} n'est plus ouvert à la campagne {annee} : il ne l'est que "
            f"jusqu'au 31 janvier {annee + 1} (journée complémentaire). Choisissez l'exercice "
            f"{annee + 1}."
        )
    raise ValidationError(
        f"Exercice {exercice} impossible pour la campagne {annee} : exercices possibles "
        + ", ".join(str(e) for e in possibles)
        + "."
    )


def verifier_exercice_titre(exercice: int, jour: date) -> None:
    if exercice == jour.year or (exercice == jour.year - 1 and jour <= date(jour.year, 1, 31)):
        return
    raise ValidationError(
        f"Exercice {exercice} impossible pour un titre émis le {jour:%d/%m/%Y} : l'exercice est "
        "celui de l'année d'émission (ou l'année précédente jusqu'au 31 janvier)."
    )


def aujourdhui() -> date:
    return timezone.localdate()
