"""django-filter filter sets of the titres pages."""

import django_filters

from membres.models import Commune
from tarification.campagne import STATUTS
from tarification.models import TitreDeRecettes


class ApercuFilter(django_filters.FilterSet):
    """Filters of the campaign preview: the member's name narrows the members computed; the
    status (known only once computed) is applied to the preview rows by the view."""

    nom = django_filters.CharFilter(label="Membre", lookup_expr="icontains")
    statut = django_filters.ChoiceFilter(
        label="Statut", choices=STATUTS, method="garder", empty_label="tous"
    )

    class Meta:
        model = Commune
        fields = ["nom"]

    def garder(self, queryset, name, value):
        return queryset  # applied to the computed rows (see views_campagne.campagne_apercu)


class TitreFilter(django_filters.FilterSet):
    exercice = django_filters.NumberFilter(label="Exercice")
    numero = django_filters.NumberFilter(label="N° de titre")
    nature = django_filters.ChoiceFilter(
        label="Nature", choices=TitreDeRecettes.Nature.choices, empty_label="toutes"
    )
    commune = django_filters.ModelChoiceFilter(
        label="Commune", queryset=Commune.objects.filter(titres__isnull=False).distinct()
    )
    annee = django_filters.NumberFilter(label="Année facturée")
    debiteur_nom = django_filters.CharFilter(label="Débiteur", lookup_expr="icontains")

    class Meta:
        model = TitreDeRecettes
        fields = ["exercice", "numero", "nature", "commune", "annee", "debiteur_nom"]
