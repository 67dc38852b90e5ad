"""Admin list filters that stay cheap at 35,000 communes.

Django's default filter on a plain field lists its values with ``SELECT DISTINCT`` over the
whole table (30–40 ms each on 140,000 populations or 30,000 titres, on every changelist
page). A year filter needs no query: it offers the recent years, computed from today.
"""

from django.contrib import admin
from django.utils import timezone


def filtre_annees(champ: str, titre: str, *, avant: int = 6, apres: int = 1):
    """A list filter on the integer year field ``champ``: the years from ``avant`` years ago
    to ``apres`` years ahead, most recent first, without a database query."""

    class FiltreAnnees(admin.SimpleListFilter):
        title = titre
        parameter_name = champ

        def lookups(self, request, model_admin):
            annee = timezone.localdate().year
            return [(str(a), str(a)) for a in range(annee + apres, annee - avant - 1, -1)]

        def queryset(self, request, queryset):
            valeur = self.value()
            if valeur and valeur.isdigit():
                return queryset.filter(**{champ: int(valeur)})
            return queryset

    FiltreAnnees.__name__ = f"FiltreAnnees_{champ}"
    return FiltreAnnees
