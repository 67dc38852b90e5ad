"""Forms of the tarification app: the public simulator."""

import re

from django import forms
from django.utils import timezone

from membres.models import Commune, Formule, Population
from outils.formats import de_commune
from tarification import calcul

_BLANCS = re.compile(r"[\s\u00a0\u202f]+")


def _annee_courante() -> int:
    return timezone.localdate().year


class SimulateurForm(forms.Form):
    """Simulez votre contribution: a commune (its population of the year) or a typed population,
    a formula (M1) and a year (the grid in force on 1 January of that year prices it)."""

    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.order_by("nom"),
        required=False,
        empty_label="— choisir une commune —",
        help_text="Sa population municipale en vigueur l'année choisie est reprise si vous ne "
        "saisissez pas de population.",
    )
    population = forms.CharField(
        label="Population (nombre d'habitants)",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="Un nombre entier, par exemple 2355. Laissez vide pour reprendre la population "
        "de la commune choisie.",
    )
    formule = forms.ChoiceField(
        label="Formule", choices=Formule.choices, initial=Formule.SOCLE_COMPLET
    )
    annee = forms.IntegerField(
        label="Année de contribution",
        min_value=2000,
        max_value=2999,
        initial=_annee_courante,
        help_text="Le barème en vigueur au 1er janvier de cette année s'applique.",
    )

    def clean_population(self) -> int | None:
        brut = _BLANCS.sub("", self.cleaned_data["population"] or "")
        if not brut:
            return None
        if not brut.isascii() or not brut.isdigit():
            raise forms.ValidationError(
                "Saisissez une population en nombre entier d'habitants, positif ou nul "
                "(par exemple 2355)."
            )
        return int(brut)

    def clean(self):
        donnees = super().clean()
        commune, population, annee = (
            donnees.get("commune"),
            donnees.get("population"),
            donnees.get("annee"),
        )
        if "population" in self.errors or annee is None:
            return donnees
        if population is not None:
            donnees["population_retenue"] = calcul.PopulationRetenue(population, None)
            donnees["origine_population"] = "population saisie"
        elif commune is None:
            self.add_error("population", "Choisissez une commune ou saisissez une population.")
        else:
            # P1 — the commune's population in force that year, never another year's.
            enregistree = Population.objects.filter(commune=commune, annee=annee).first()
            if enregistree is None:
                self.add_error(
                    "commune",
                    f"Aucune population n'est enregistrée pour {commune.nom} en {annee} : "
                    "saisissez une population.",
                )
            else:
                donnees["population_retenue"] = calcul.PopulationRetenue(
                    enregistree.valeur, enregistree.millesime, enregistree.get_nature_display()
                )
                donnees["origine_population"] = (
                    f"{enregistree.get_nature_display()} {de_commune(commune.nom)} en vigueur en {annee} "
                    f"(millésime INSEE {enregistree.millesime})"
                )
        return donnees
