"""Forms of the DSI pages: they turn input into domain values; the acts check the rules."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from groupements.models import Repartition
from groupements.regles import Etape
from outils.formats import de_commune
from outils.formulaires import NombreFrancais


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EtapeForm(forms.Form):
    """G4: move to one of the next steps, at a date (the launch: the avis de marché's)."""

    vers = forms.ChoiceField(label="étape")
    le = forms.DateField(label="date", widget=DateInput())
    motif = forms.CharField(
        label="motif (résiliation)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, groupement, **kwargs):
        super().__init__(*args, **kwargs)
        suivantes = Etape.SUIVANTES.get(groupement.etape, [])
        self.fields["vers"].choices = [(e, Etape.LIBELLES[e]) for e in suivantes]
        self.fields["le"].initial = timezone.localdate()
        if Etape.CONSULTATION in suivantes:
            self.fields["le"].label = "avis de marché envoyé pour publication le"
            self.fields[
                "le"
            ].help_text = (
                "À cette date les besoins sont figés ; plus aucune adhésion ni aucun retrait."
            )
        if Etape.RESILIE not in suivantes:
            del self.fields["motif"]


class RepartitionForm(forms.ModelForm):
    montant = NombreFrancais(
        label="montant HT (€)",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un montant, par exemple 1 250,00."},
    )

    class Meta:
        model = Repartition
        fields = ["sens", "motif", "libelle", "montant", "piece", "piece_date"]
        widgets = {"piece_date": DateInput()}


class PoidsForm(forms.Form):
    """G6: one weight per member (in euros), and why the default weights are replaced."""

    justification = forms.CharField(label="justification", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = parts
        for part in parts:
            self.fields[f"poids_{part.adhesion_id}"] = NombreFrancais(
                label=f"poids {de_commune(part.adhesion.nom_membre)} (€)",
                min_value=Decimal("0"),
                max_digits=14,
                decimal_places=2,
                localize=True,
                initial=part.poids,
            )

    def poids(self) -> dict[int, Decimal]:
        return {
            part.adhesion_id: self.cleaned_data[f"poids_{part.adhesion_id}"] for part in self.parts
        }

    def champs_par_part(self):
        return [(part, self[f"poids_{part.adhesion_id}"]) for part in self.parts]
