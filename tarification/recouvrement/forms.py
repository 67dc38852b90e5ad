"""B11 — the finance officer's forms: a payment by hand, a state by hand, an import, filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from membres.models import Commune
from outils.formulaires import NombreFrancais
from tarification.models import EvenementTitre
from tarification.recouvrement.calcul import LIBELLES, TRANCHES_D_AGE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PaiementForm(forms.Form):
    date = forms.DateField(label="Date du paiement", widget=DATE)
    montant = NombreFrancais(label="Montant (€)", max_digits=12, decimal_places=2, min_value=0.01)
    reference = forms.CharField(label="Référence (facultative)", max_length=100, required=False)


class EtatForm(forms.Form):
    nature = forms.ChoiceField(label="État", choices=EvenementTitre.Nature.choices)
    date = forms.DateField(label="Date", widget=DATE)
    motif = forms.CharField(
        label="Motif (rejet)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deliberation = forms.CharField(
        label="Délibération (non-valeur)", max_length=250, required=False
    )
    montant = NombreFrancais(
        label="Montant admis en non-valeur (€)",
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Vide : tout ce qui reste.",
    )


class ImportForm(forms.Form):
    class Genre:
        PAIEMENTS = "paiements"
        ETATS = "etats"
        ACQUITTEMENT = "acquittement"

    genre = forms.ChoiceField(
        label="Fichier",
        choices=[
            (Genre.PAIEMENTS, "Paiements (CSV : exercice;titre;date;montant)"),
            (Genre.ETATS, "États des titres (CSV : exercice;titre;etat;date;motif)"),
            (Genre.ACQUITTEMENT, "Acquittement d'un flux PES (XML PES_Acquit)"),
        ],
    )
    fichier = forms.FileField(
        label="Fichier du comptable",
        help_text="UTF-8, séparateur point-virgule, virgule décimale. Une ligne en erreur : rien "
        "n'est importé.",
    )


class RestesFiltre(forms.Form):
    exercice = forms.TypedChoiceField(
        label="Exercice", coerce=int, required=False, empty_value=None
    )
    etat = forms.ChoiceField(
        label="État",
        required=False,
        choices=[("", "tous")] + [(k.value, v) for k, v in LIBELLES.items()],
    )
    commune = forms.ModelChoiceField(
        label="Débiteur",
        queryset=Commune.objects.order_by("nom"),
        required=False,
        empty_label="tous",
    )
    age = forms.ChoiceField(
        label="Ancienneté du reste",
        required=False,
        choices=[("", "toutes"), *TRANCHES_D_AGE.items()],
    )

    def __init__(self, *args, exercices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercice"].choices = [("", "tous")] + [(e, e) for e in exercices]


class AnneeForm(forms.Form):
    annee = forms.IntegerField(label="Année", min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].initial = timezone.localdate().year
