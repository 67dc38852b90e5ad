"""Filters of the niveau 1 page (django-filter).

The rows are computed per member (``missions.dotations``), not a queryset: the member filters
(name, department) run in the database; the others are read from the form and applied to the
computed rows by ``filtrer``. The pool is always that of every member.
"""

import django_filters
from django.http import QueryDict
from django.utils import timezone

from membres.models import Commune
from missions.dotations import Etat
from tarification import calcul

PREMIERE_ANNEE = 2023  # first year of the convention's members (deliberation 2023-076)

FORMULES = [("socle", "avec le socle complet"), ("sans", "sans socle complet")]
TRANCHES = [(t.libelle, t.libelle) for t in calcul.TRANCHES_ARTICLE_7]


def annees():
    derniere = timezone.localdate().year + 1
    return [(a, str(a)) for a in range(derniere, PREMIERE_ANNEE - 1, -1)]


def departements():
    valeurs = Commune.objects.order_by("departement").values_list("departement", flat=True)
    return [(d, d) for d in valeurs.distinct()]


class SoldeFilter(django_filters.FilterSet):
    annee = django_filters.ChoiceFilter(
        label="année", choices=annees, method="sur_les_lignes", empty_label=None
    )
    nom = django_filters.CharFilter(label="membre", field_name="nom", lookup_expr="icontains")
    departement = django_filters.ChoiceFilter(
        label="département", field_name="departement", choices=departements, empty_label="tous"
    )
    formule = django_filters.ChoiceFilter(
        label="formule", choices=FORMULES, method="sur_les_lignes", empty_label="toutes"
    )
    tranche = django_filters.ChoiceFilter(
        label="tranche", choices=TRANCHES, method="sur_les_lignes", empty_label="toutes"
    )
    etat = django_filters.ChoiceFilter(
        label="état", choices=Etat.choices, method="sur_les_lignes", empty_label="tous"
    )

    class Meta:
        model = Commune
        fields = ["annee", "nom", "departement", "formule", "tranche", "etat"]

    def sur_les_lignes(self, queryset, name, value):
        return queryset  # applied to the computed rows by `filtrer`

    def __init__(self, data=None, *args, **kwargs):
        # The current year unless another is asked for, shown selected in the form.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("annee", str(timezone.localdate().year))
        super().__init__(data, *args, **kwargs)

    @property
    def annee_choisie(self) -> int:
        if self.is_valid() and self.form.cleaned_data.get("annee"):
            return int(self.form.cleaned_data["annee"])
        return timezone.localdate().year

    def filtrer(self, soldes):
        """The rows kept by every filter (members' filters in one query)."""
        if not self.is_valid():
            return soldes
        donnees = self.form.cleaned_data
        if donnees.get("nom") or donnees.get("departement"):
            gardees = set(self.qs.values_list("pk", flat=True))
            soldes = [s for s in soldes if s.commune.pk in gardees]
        if donnees.get("formule"):
            avec = donnees["formule"] == "socle"
            soldes = [s for s in soldes if s.socle_complet == avec]
        if donnees.get("tranche"):
            soldes = [s for s in soldes if s.tranche == donnees["tranche"]]
        if donnees.get("etat"):
            soldes = [s for s in soldes if s.etat == donnees["etat"]]
        return soldes
