"""django-filter filter sets of the titres pages."""

import django_filters
from django.db.models import Q

from outils.requetes import sans_accents_contient
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
    debiteur_nom = django_filters.CharFilter(label="Débiteur", method="filtrer_debiteur")
    # The bordereau's number (with the exercice, it names one bordereau).
    bordereau = django_filters.NumberFilter(label="N° de bordereau", field_name="bordereau__numero")
    etat = django_filters.ChoiceFilter(
        label="État",
        choices=[(e.value, e.label) for e in TitreDeRecettes.Etat],
        empty_label="tous",
        method="filtrer_etat",
    )

    class Meta:
        model = TitreDeRecettes
        fields = ["exercice", "bordereau", "numero", "nature", "etat", "commune", "annee"]

    def filtrer_debiteur(self, queryset, name, value):
        return queryset.filter(sans_accents_contient("debiteur_nom", value))

    def filtrer_etat(self, queryset, name, value):
        """On the ``avec_etat()`` annotations, as ``TitreDeRecettes.etat`` reads them."""
        corrections = TitreDeRecettes.Nature.corrections()
        if value == "correction":
            return queryset.filter(nature__in=corrections)
        queryset = queryset.exclude(nature__in=corrections)
        annule = Q(annule=True) | Q(corrige_total__lt=0, net__lte=0)
        if value == "annule":
            return queryset.filter(annule)
        if value == "reduit":
            return queryset.filter(corrige_total__lt=0).exclude(annule)
        return queryset.filter(corrige_total=0, annule=False)

    def filtrer_commune(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(commune__code_insee=value) | sans_accents_contient("commune__nom", value)
        )
