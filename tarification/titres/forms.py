"""Forms of the titres pages: they turn input into domain values, with French messages; the
business acts (tarification/titres.py) hold the rules."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from membres.fichiers import verifier_fichier
from membres.models import Commune, Etablissement
from outils.formats import formater_euros
from outils.formulaires import NombreFrancais
from tarification.models import Signataire
from tarification.titres.actes import TYPES_FACTURE
from tarification.titres.exercices import exercice_par_defaut, exercices_campagne

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _verifier(fichier, types=None) -> None:
    """Type and size of an upload (membres.fichiers), as this field's error."""
    try:
        verifier_fichier(fichier, types)
    except ValidationError as erreur:
        raise ValidationError(erreur.messages) from erreur


def _annees_possibles():
    annee = timezone.localdate().year
    return [(a, str(a)) for a in range(annee, 2022, -1)]


class ChoixCampagneForm(forms.Form):
    """Year N and the exercice (B3: by default the one open today — N before 1 January N+1,
    N+1 from then on; N remains possible until 31 January N+1)."""

    annee = forms.TypedChoiceField(label="Année des contributions (N)", coerce=int)
    exercice = forms.TypedChoiceField(
        label="Exercice",
        coerce=int,
        required=False,
        help_text="Par défaut l'exercice ouvert aujourd'hui : N jusqu'au 31 décembre N, N+1 "
        "ensuite ; l'exercice N reste possible jusqu'au 31 janvier N+1.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        annees = _annees_possibles()
        self.fields["annee"].choices = annees
        jour = timezone.localdate()
        exercices = sorted({e for a, _ in annees for e in exercices_campagne(a, jour)})
        self.fields["exercice"].choices = [("", "par défaut (l'exercice ouvert)")] + [
            (e, str(e)) for e in exercices
        ]

    def clean(self):
        donnees = super().clean()
        annee, exercice = donnees.get("annee"), donnees.get("exercice")
        if annee is None:
            return donnees
        jour = timezone.localdate()
        possibles = exercices_campagne(annee, jour)
        if not possibles:
            raise ValidationError(
                f"L'année {annee} n'a pas commencé : aucun exercice ouvert ne peut porter sa "
                "campagne (B3)."
            )
        if exercice in (None, ""):
            donnees["exercice"] = exercice_par_defaut(annee, jour)
        elif exercice not in possibles:
            raise ValidationError(
                f"Exercice {exercice} impossible pour la campagne {annee} : exercices possibles "
                + ", ".join(str(e) for e in possibles)
                + "."
            )
        return donnees


class ConfirmationCampagneForm(forms.Form):
    annee = forms.IntegerField(widget=forms.HiddenInput)
    exercice = forms.IntegerField(widget=forms.HiddenInput)
    signature = forms.CharField(widget=forms.HiddenInput)
    confirme = forms.BooleanField(
        label="Je confirme l'émission des titres de cet aperçu.",
        error_messages={"required": "Cochez la case pour confirmer l'émission."},
    )
    annee_en_cours = forms.BooleanField(
        label="Je sais que l'année n'est pas terminée et j'émets quand même.",
        required=False,
    )

    def __init__(self, *args, annee_terminee=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.annee_terminee = annee_terminee
        if annee_terminee:
            del self.fields["annee_en_cours"]

    def clean_annee_en_cours(self):
        valeur = self.cleaned_data.get("annee_en_cours")
        if not self.annee_terminee and not valeur:
            raise ValidationError(
                "L'année n'est pas terminée : cochez la case pour émettre malgré tout (B1)."
            )
        return valeur


class AnnulationForm(forms.Form):
    motif = forms.CharField(
        label="Motif de l'annulation",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Imprimé sur le titre d'annulation.",
    )


class ReductionForm(forms.Form):
    """One amount per positive line of the titre (what remains due is shown)."""

    motif = forms.CharField(
        label="Motif de la réduction",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Imprimé sur le titre de réduction.",
    )

    def __init__(self, *args, restes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lignes = []
        for ligne, reste in restes:
            if ligne.montant <= 0:
                continue
            nom = f"ligne_{ligne.pk}"
            self.fields[nom] = NombreFrancais(
                label=f"Réduction de « {ligne.libelle} »",
                required=False,
                min_value=Decimal("0"),
                max_value=reste,
                max_digits=12,
                decimal_places=2,
                localize=True,
                help_text=f"Reste dû sur cette ligne : {formater_euros(reste)}",
            )
            self.lignes.append((nom, ligne))

    def clean(self):
        donnees = super().clean()
        reductions = {ligne.pk: donnees[nom] for nom, ligne in self.lignes if donnees.get(nom)}
        if not reductions and not self.errors:
            raise ValidationError("Indiquez le montant à réduire sur au moins une ligne.")
        donnees["reductions"] = reductions
        return donnees


class ImportNumerosOfficielsForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV du logiciel financier",
        help_text="Colonnes exercice;budget;titre;titre_officiel;bordereau_officiel (UTF-8, "
        "séparateur point-virgule). Une ligne en erreur : rien n'est importé.",
    )


class SignatureRecapitulatifForm(forms.Form):
    signataire = forms.ModelChoiceField(
        label="Signataire",
        queryset=Signataire.objects.none(),
        empty_label=None,
        help_text="L'ordonnateur ou un délégataire en fonction à la date du bordereau et ce jour.",
    )

    def __init__(self, *args, signataires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signataire"].queryset = signataires


class ReferencesOfficiellesForm(forms.Form):
    numero_officiel = forms.CharField(label="N° de titre officiel", max_length=50)
    bordereau_officiel = forms.CharField(label="N° de bordereau officiel", max_length=50)


class RefacturationForm(forms.Form):
    commune = forms.ModelChoiceField(label="Commune", queryset=Commune.objects.order_by("nom"))
    etablissement = forms.ModelChoiceField(
        label="Établissement débiteur (facultatif)",
        queryset=Etablissement.objects.select_related("commune"),
        required=False,
        help_text="Un établissement associé peut être débiteur de la refacturation (M7).",
    )
    objet = forms.CharField(label="Objet du titre", max_length=250)
    fournisseur = forms.CharField(label="Fournisseur", max_length=120)
    numero_facture = forms.CharField(label="N° de facture", max_length=60)
    date_facture = forms.DateField(label="Date de la facture", widget=DATE)
    date_paiement = forms.DateField(label="Payée le", widget=DATE)
    montant = NombreFrancais(
        label="Montant refacturé (€)",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        localize=True,
    )
    facture = forms.FileField(
        label="Facture acquittée (PDF)", help_text="PDF seulement ; jointe au titre."
    )

    def clean_facture(self):
        facture = self.cleaned_data["facture"]
        _verifier(facture, TYPES_FACTURE)
        return facture

    def clean(self):
        donnees = super().clean()
        commune, etablissement = donnees.get("commune"), donnees.get("etablissement")
        if commune and etablissement and etablissement.commune_id != commune.pk:
            self.add_error("etablissement", "Cet établissement n'appartient pas à cette commune.")
        debut, fin = donnees.get("date_facture"), donnees.get("date_paiement")
        if debut and fin and fin < debut:
            self.add_error("date_paiement", "La facture ne peut être payée avant d'être émise.")
        return donnees
