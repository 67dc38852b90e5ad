"""Calendar helpers shared by the rules (pure: no Django)."""

import calendar
from datetime import date, timedelta


def ajouter_mois(jour: date, mois: int) -> date:
    """`jour` plus `mois` calendar months, the day clamped to the month's end.

    2024-03-15 + 6 → 2024-09-15; 2024-08-31 + 6 → 2025-02-28; 2024-02-29 + 12 → 2025-02-28.
    """
    index = jour.year * 12 + (jour.month - 1) + mois
    annee, mois0 = divmod(index, 12)
    dernier = calendar.monthrange(annee, mois0 + 1)[1]
    return date(annee, mois0 + 1, min(jour.day, dernier))


def veille(jour: date) -> date:
    return jour - timedelta(days=1)


def chevauche(debut_a: date, fin_a: date | None, debut_b: date, fin_b: date | None) -> bool:
    """Two inclusive date ranges overlap (an open end is +infinity)."""
    return (fin_b is None or debut_a <= fin_b) and (fin_a is None or debut_b <= fin_a)
