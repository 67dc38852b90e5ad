"""Portal forms: they turn input into domain values, with French error messages."""

import re

from django import forms
from django.core.exceptions import ValidationError

from membres.models import Contact
from outils.formats import de_commune
from outils.formulaires import NombreFrancais
from outils.identifiants import valider_siret
from portail.models import FicheProjet

TEXTE = {"rows": 4}


class FicheProjetForm(forms.ModelForm):
    """Annexe 3 of the convention, section by section. A draft may be incomplete."""

    budget_estime = NombreFrancais(
        label="Coût global estimé (€ TTC)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        help_text="Facultatif, par exemple 12 500 ou 12 500,50.",
        error_messages={"invalid": "Indiquez un montant en euros, par exemple 12 500,50."},
    )

    class Meta:
        model = FicheProjet
        fields = [
            "intitule",
            "domaine",
            "portee",
            "origine",
            "demandeur",
            "enjeux",
            "nature",
            "description",
            "planification",
            "budget_estime",
            "budget_detail",
            "objectifs",
            "contraintes",
            "conditions_reussite",
            "risques",
            "indicateurs",
        ]
        widgets = {
            nom: forms.Textarea(attrs=TEXTE)
            for nom in fields
            if nom not in ("intitule", "domaine", "portee", "budget_estime")
        }
        widgets["domaine"] = forms.RadioSelect
        widgets["portee"] = forms.RadioSelect

    # Sections of the form, as annexe 3 lays them out.
    SECTIONS = [
        ("Le projet en bref", ["intitule", "domaine", "portee"]),
        ("La demande", ["origine", "demandeur", "enjeux", "nature"]),
        ("Le projet", ["description", "planification", "budget_estime", "budget_detail"]),
        ("Objectifs et contraintes", ["objectifs", "contraintes"]),
        (
            "Conditions de réussite et incertitudes",
            ["conditions_reussite", "risques", "indicateurs"],
        ),
    ]

    def sections(self):
        return [(titre, [self[nom] for nom in noms]) for titre, noms in self.SECTIONS]

    def clean_intitule(self):
        intitule = self.cleaned_data["intitule"].strip()
        if not intitule:
            raise ValidationError("Donnez un intitulé au projet.")
        return intitule


class ContactForm(forms.ModelForm):
    """M5: the member's contacts, edited directly (each change is historised)."""

    class Meta:
        model = Contact
        fields = [
            "civilite",
            "prenom",
            "nom",
            "fonction",
            "email",
            "telephone",
            "decideur",
            "technique",
        ]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}
        error_messages = {"email": {"invalid": "Saisissez une adresse électronique valide."}}

    def clean_telephone(self):
        telephone = self.cleaned_data["telephone"].strip()
        if telephone and not re.fullmatch(r"[0-9+().\s-]{6,30}", telephone):
            raise ValidationError("Saisissez un numéro de téléphone, par exemple 02 99 71 00 00.")
        return telephone


class FacturationForm(forms.Form):
    """B8: the identifiers a titre reaches the member with through Chorus Pro."""

    siret = forms.CharField(
        label="SIRET",
        required=False,
        max_length=20,
        help_text="14 chiffres, espaces acceptés.",
    )
    code_service_chorus = forms.CharField(
        label="Code service Chorus Pro",
        required=False,
        max_length=100,
        help_text="Laissez vide si votre structure n'exige pas de code service.",
    )
    reference_engagement = forms.CharField(
        label="Référence d'engagement",
        required=False,
        max_length=50,
        help_text="Bon de commande ou engagement juridique exigé par votre collectivité, s'il y a lieu.",
    )
    motif = forms.CharField(
        label="Motif de la modification",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facultatif : aide la DSI à valider la demande.",
    )

    def clean_siret(self):
        siret = re.sub(r"\s", "", self.cleaned_data["siret"])
        if siret:
            valider_siret(siret)  # B8: checked by its key, not only its length
        return siret


def _decimal(label, **kwargs):
    return NombreFrancais(
        label=label,
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": "Saisissez un nombre, par exemple 12 ou 1 250,50.",
            "min_value": "Un nombre négatif n'est pas accepté.",
            "max_decimal_places": "Au plus deux décimales.",
        },
        **kwargs,
    )


class BesoinsForm(forms.Form):
    """G3: a member's needs in a groupement — one row per poste of the harmonised list, a few
    free rows, and the qualitative needs. `lignes()` gives what `declarer_besoins` takes."""

    LIGNES_LIBRES = 3

    besoins_qualitatifs = forms.CharField(
        label="Besoins qualitatifs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Contraintes, usages, exigences de service, calendrier… (art. 4.2.3).",
    )

    def __init__(self, *args, postes, besoins, **kwargs):
        super().__init__(*args, **kwargs)
        self.postes = list(postes)
        par_poste = {b.poste_id: b for b in besoins if b.poste_id}
        libres = [b for b in besoins if not b.poste_id]
        self.nb_libres = len(libres) + self.LIGNES_LIBRES
        for poste in self.postes:
            deja = par_poste.get(poste.pk)
            prefixe = f"poste_{poste.pk}"
            self.fields[f"{prefixe}_quantite"] = _decimal(
                f"Quantité — {poste.designation} ({poste.unite})",
                initial=deja.quantite if deja else None,
            )
            self.fields[f"{prefixe}_montant"] = _decimal(
                f"Montant estimé HT — {poste.designation}",
                initial=deja.montant_estime if deja else None,
            )
            self.fields[f"{prefixe}_precisions"] = forms.CharField(
                label=f"Précisions — {poste.designation}",
                required=False,
                max_length=250,
                initial=deja.precisions if deja else "",
            )
        for i in range(self.nb_libres):
            deja = libres[i] if i < len(libres) else None
            n = i + 1
            self.fields[f"libre_{i}_designation"] = forms.CharField(
                label=f"Désignation — autre besoin {n}",
                required=False,
                max_length=200,
                initial=deja.designation if deja else "",
            )
            self.fields[f"libre_{i}_unite"] = forms.CharField(
                label=f"Unité — autre besoin {n}",
                required=False,
                max_length=50,
                initial=deja.unite if deja else "",
            )
            self.fields[f"libre_{i}_quantite"] = _decimal(
                f"Quantité — autre besoin {n}", initial=deja.quantite if deja else None
            )
            self.fields[f"libre_{i}_montant"] = _decimal(
                f"Montant estimé HT — autre besoin {n}",
                initial=deja.montant_estime if deja else None,
            )

    def lignes_postes(self):
        return [
            (
                poste,
                self[f"poste_{poste.pk}_quantite"],
                self[f"poste_{poste.pk}_montant"],
                self[f"poste_{poste.pk}_precisions"],
            )
            for poste in self.postes
        ]

    def lignes_libres(self):
        return [
            (
                i + 1,
                self[f"libre_{i}_designation"],
                self[f"libre_{i}_unite"],
                self[f"libre_{i}_quantite"],
                self[f"libre_{i}_montant"],
            )
            for i in range(self.nb_libres)
        ]

    def clean(self):
        donnees = super().clean()
        for i in range(self.nb_libres):
            valeurs = [donnees.get(f"libre_{i}_{c}") for c in ("designation", "unite", "quantite")]
            remplie = any(v not in (None, "") for v in valeurs) or donnees.get(
                f"libre_{i}_montant"
            ) not in (None, "")
            if remplie:
                for champ, valeur in zip(
                    ("designation", "unite", "quantite"), valeurs, strict=True
                ):
                    if valeur in (None, ""):
                        self.add_error(
                            f"libre_{i}_{champ}", "Ce champ est nécessaire pour cette ligne."
                        )
        return donnees

    def lignes(self) -> list[dict]:
        d = self.cleaned_data
        lignes = []
        for poste in self.postes:
            quantite = d.get(f"poste_{poste.pk}_quantite")
            montant = d.get(f"poste_{poste.pk}_montant")
            if quantite is None and montant is None:
                continue
            lignes.append(
                {
                    "poste": poste,
                    "quantite": quantite if quantite is not None else 0,
                    "montant_estime": montant,
                    "precisions": d.get(f"poste_{poste.pk}_precisions", ""),
                }
            )
        for i in range(self.nb_libres):
            if not d.get(f"libre_{i}_designation"):
                continue
            lignes.append(
                {
                    "designation": d[f"libre_{i}_designation"],
                    "unite": d.get(f"libre_{i}_unite", ""),
                    "quantite": d.get(f"libre_{i}_quantite") or 0,
                    "montant_estime": d.get(f"libre_{i}_montant"),
                }
            )
        return lignes


class AdhererForm(forms.Form):
    """G1: who joins — the commune, or one of its établissements associés (M7)."""

    membre = forms.ChoiceField(label="Membre qui adhère", widget=forms.RadioSelect)

    def __init__(self, *args, commune, etablissements, **kwargs):
        super().__init__(*args, **kwargs)
        self.etablissements = {str(e.pk): e for e in etablissements}
        self.fields["membre"].choices = [("", f"La commune {de_commune(commune.nom)}")] + [
            (str(e.pk), e.nom) for e in etablissements
        ]
        self.fields["membre"].required = False
        self.fields["membre"].initial = ""

    def clean_membre(self):
        valeur = self.cleaned_data["membre"]
        if valeur and valeur not in self.etablissements:
            raise ValidationError("Choisissez la commune ou l'un de ses établissements.")
        return self.etablissements.get(valeur)


class RetraitForm(forms.Form):
    """G5: a retrait rests on a written decision of the member, notified today."""

    decision_numero = forms.CharField(label="Numéro de la décision de retrait", max_length=50)
    decision_date = forms.DateField(
        label="Date de la décision",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date, par exemple 15/03/2026."},
    )
