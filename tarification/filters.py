"""django-filter filter sets of the titres pages."""

import django_filters
from django.db.models import Q

from tarification.models import ApercuMembre, TitreDeRecettes


class ApercuFilter(django_filters.FilterSet):
    """Filters of the stored campaign preview, applied in the database: the member's name
    (the copy kept on each row) and the status."""

    nom = django_filters.CharFilter(label="Membre", lookup_expr="icontains")
    statut = django_filters.ChoiceFilter(
        label="Statut", choices=ApercuMembre.Statut.choices, empty_label="tous"
    )

    class Meta:
        model = ApercuMembre
        fields = ["nom", "statut"]


class TitreFilter(django_filters.FilterSet):
    exercice = django_filters.NumberFilter(label="Exercice")
    numero = django_filters.NumberFilter(label="N° de titre")
    nature = django_filters.ChoiceFilter(
        label="Nature", choices=TitreDeRecettes.Nature.choices, empty_label="toutes"
    )
    # A text field, not a list: at 35,000 communes a <select> would weigh megabytes.
    commune = django_filters.CharFilter(
        label="Commune (nom ou code INSEE)", method="filtrer_commune"
    )
    annee = django_filters.NumberFilter(label="Année facturée")
    debiteur_nom = django_filters.CharFilter(label="Débiteur", lookup_expr="icontains")

    class Meta:
        model = TitreDeRecettes
        fields = ["exercice", "numero", "nature", "commune", "annee", "debiteur_nom"]

    def filtrer_commune(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(commune__code_insee=value) | Q(commune__nom__icontains=value))
