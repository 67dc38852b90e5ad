"""Forms of the DSI's pages of audits, inventory and exits: they turn input into domain values
with French messages; the acts (``patrimoine/actes.py``) hold the rules."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from membres.fichiers import verifier_fichier
from outils.formulaires import NombreFrancais
from patrimoine.inventaire import GENRES
from patrimoine.models import LigneEtatDeSortie, TransfertContrat


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


class PlanifierForm(forms.Form):
    du = _date("Audit planifié du")
    au = _date("au", required=False)

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            self.add_error("au", "La fin prévue ne peut précéder le début.")
        return donnees


class DateForm(forms.Form):
    le = _date("Date")

    def __init__(self, *args, libelle="Date", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["le"].label = libelle
        self.initial.setdefault("le", timezone.localdate())


class LivraisonForm(forms.Form):
    le = _date("Rapport remis le")
    rapport = forms.FileField(
        label="Rapport d'audit (PDF, facultatif)",
        required=False,
        help_text="Classé dans les documents du membre, qui le voit dans son espace.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("le", timezone.localdate())

    def clean_le(self):
        le = self.cleaned_data["le"]
        if le > timezone.localdate():
            raise ValidationError("La date de remise du rapport ne peut être dans le futur.")
        return le

    def clean_rapport(self):
        rapport = self.cleaned_data.get("rapport")
        if rapport:
            try:
                verifier_fichier(rapport)
            except ValidationError as erreur:
                raise ValidationError(erreur.messages) from erreur
        return rapport


class ImportForm(forms.Form):
    genre = forms.ChoiceField(
        label="Le fichier contient",
        choices=[
            ("biens", "des biens (matériels, logiciels, immatériels)"),
            ("contrats", "des contrats"),
        ],
        widget=forms.RadioSelect,
    )
    fichier = forms.FileField(
        label="Fichier CSV (UTF-8, séparateur « ; ») ou XLSX",
        help_text="Ligne 1 : les intitulés des colonnes. Une seule ligne en erreur et rien "
        "n'est importé.",
    )
    audit = forms.TypedChoiceField(
        label="Audit qui valide cet inventaire", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, audits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audit"].choices = [("", "aucun")] + [(a.pk, str(a)) for a in audits]

    def clean_genre(self):
        genre = self.cleaned_data["genre"]
        if genre not in GENRES:
            raise ValidationError("Choisissez des biens ou des contrats.")
        return genre


class LigneForm(forms.Form):
    """A4 — a penalty, or a sum the résiliation délibération decides."""

    nature = forms.ChoiceField(
        label="Nature",
        choices=[
            (n.value, n.label)
            for n in LigneEtatDeSortie.Nature
            if n in LigneEtatDeSortie.Nature.saisies()
        ],
    )
    libelle = forms.CharField(label="Libellé", max_length=200)
    montant = NombreFrancais(
        label="Montant HT (€)", min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    base = forms.CharField(
        label="Base (contrat et article, courrier du fournisseur, délibération…)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    transfert_contrat = forms.ModelChoiceField(
        label="Contrat concerné (facultatif)",
        queryset=TransfertContrat.objects.none(),
        required=False,
    )

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commune is not None:
            self.fields["transfert_contrat"].queryset = TransfertContrat.objects.filter(
                contrat__commune=commune
            ).select_related("contrat")


class ValidationForm(forms.Form):
    empreinte = forms.CharField(widget=forms.HiddenInput)
    confirme = forms.BooleanField(
        label="J'ai vérifié chaque ligne et sa base : je valide cet état de sortie.",
        error_messages={"required": "Cochez la case pour valider l'état de sortie."},
    )


class SimulationForm(forms.Form):
    dernier_jour = _date("Si le membre quittait le service commun le (dernier jour)")
