"""Back office of the titres de recettes: read-only once issued (B4).

An issued titre cannot be added, changed or deleted here: no add, no change permission on an
issued titre (the change page is read-only), no delete (nor the bulk delete action). Titres
are issued by the business acts (campaign page, audit delivery…) and corrected by a titre de
réduction or d'annulation; links lead to those pages. Imported at the end of
tarification/admin.py.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from outils.admin_filtres import RechercheSansAccentsMixin, filtre_annees
from outils.formats import nom_personne
from outils.formulaires import SaisieFrancaiseMixin
from tarification.models import (
    Acquittement,
    Bordereau,
    Campagne,
    Compteur,
    DemandeEmission,
    DemandeMandat,
    EvenementTitre,
    LigneTitre,
    Paiement,
    Rappel,
    TitreDeRecettes,
)


class LigneTitreInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = LigneTitre
    fk_name = "titre"
    extra = 0
    can_delete = False
    fields = ["ordre", "libelle", "base_texte", "montant", "service", "ligne_corrigee"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LectureSeuleMixin:
    """Rows written by the business acts only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


@admin.register(TitreDeRecettes)
class TitreDeRecettesAdmin(
    SaisieFrancaiseMixin, RechercheSansAccentsMixin, LectureSeuleMixin, admin.ModelAdmin
):
    list_display = [
        "numero",
        "exercice",
        "budget",
        "date_emission",
        "nature",
        "debiteur_nom",
        "total",
        "numero_officiel",
        "statut",
    ]
    list_display_links = ["numero", "debiteur_nom"]
    list_filter = [filtre_annees("exercice", "exercice"), "nature", "statut"]
    list_select_related = ["bordereau"]
    search_fields = ["debiteur_nom", "objet", "numero_officiel", "=numero"]
    # The unique index (exercice, budget, numéro) serves this order; no date drill-down and
    # no DISTINCT filter: at 35,000 titres a year each would read the whole table per page.
    ordering = ["-exercice", "-budget", "-numero"]
    show_full_result_count = False
    inlines = [LigneTitreInline]
    readonly_fields = ["pages", "emetteur_lisible", "emis_par_nom"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "pages",
                    ("exercice", "budget", "numero", "bordereau"),
                    ("date_emission", "statut", "nature", "annee"),
                    "objet",
                    ("imputation", "total"),
                ]
            },
        ),
        (
            "Débiteur (copie à l'émission)",
            {
                "fields": [
                    ("commune", "etablissement", "adhesion"),
                    "debiteur_nom",
                    "debiteur_adresse",
                    ("debiteur_siret", "debiteur_code_service", "debiteur_engagement"),
                ]
            },
        ),
        ("Correction", {"fields": ["corrige", "motif"]}),
        ("Logiciel financier (B3)", {"fields": [("numero_officiel", "bordereau_officiel")]}),
        (
            "Fichiers et empreintes",
            {
                "fields": [
                    ("pdf", "pdf_sha256", "pdf_genere_le"),
                    ("piece_jointe", "piece_jointe_sha256"),
                    "empreinte",
                    "empreinte_precedente",
                    "emetteur_lisible",
                    ("emis_par_nom", "cree_le"),
                ]
            },
        ),
    ]

    @admin.display(description="émetteur (copie à l'émission)")
    def emetteur_lisible(self, obj):
        """The issuer's snapshot as the titre printed it, not as a JSON dump."""
        copie = (obj.emetteur or {}) if obj else {}
        if not copie:
            return "—"
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((cle.replace("_", " ").capitalize(), valeur) for cle, valeur in copie.items()),
            ),
        )

    @admin.display(description="émis par")
    def emis_par_nom(self, obj):
        return nom_personne(obj.emis_par) if obj else "—"

    @admin.display(description="pages")
    def pages(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Fiche du titre (réduction, annulation, références officielles)</a>',
            reverse("tarification:titre", args=[obj.pk]),
        )


@admin.register(Bordereau)
class BordereauAdmin(SaisieFrancaiseMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_display = [
        "numero",
        "exercice",
        "budget",
        "genre",
        "date_emission",
        "libelle",
        "pdf_attendus",
        "pdf_rendus",
        "pdf_echecs",
    ]
    list_filter = ["exercice", "budget", "genre"]
    ordering = ["-exercice", "-numero"]


@admin.register(Campagne)
class CampagneAdmin(SaisieFrancaiseMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_display = ["annee", "exercice", "bordereau", "lancee_par", "lancee_le"]
    list_select_related = ["bordereau", "lancee_par"]
    list_filter = ["annee", "exercice"]


@admin.register(DemandeEmission)
class DemandeEmissionAdmin(SaisieFrancaiseMixin, LectureSeuleMixin, admin.ModelAdmin):
    """Who asked to issue which campaign, when, and how it ended (B1)."""

    list_display = ["annee", "exercice", "demandee_le", "demandee_par", "etat", "campagne"]
    list_filter = ["etat"]
    list_select_related = ["demandee_par", "campagne"]


@admin.register(Compteur)
class CompteurAdmin(SaisieFrancaiseMixin, LectureSeuleMixin, admin.ModelAdmin):
    list_display = ["serie", "exercice", "budget", "dernier", "derniere_date"]
    list_filter = ["serie", "exercice"]


class DemandeMandatForm(forms.ModelForm):
    """The finance service's answer to a mandat request: issued (its number and date) or
    refused (its date and reason). The request itself is recorded by the acts."""

    class Meta:
        model = DemandeMandat
        fields = ["etat", "numero_mandat", "decidee_le", "motif_refus"]

    def clean(self):
        donnees = super().clean()
        avant = DemandeMandat.objects.filter(pk=self.instance.pk).values_list("etat", flat=True)
        if avant and avant[0] != DemandeMandat.Etat.DEMANDEE:
            raise forms.ValidationError(
                "Cette demande de mandat a déjà reçu sa réponse : elle ne se modifie plus."
            )
        return donnees


@admin.register(DemandeMandat)
class DemandeMandatAdmin(SaisieFrancaiseMixin, admin.ModelAdmin):
    """B4 — the mandat requests at account 673 (closed exercices) and their answers."""

    form = DemandeMandatForm
    list_display = ["titre", "ligne", "montant", "etat", "demandee_le", "numero_mandat"]
    list_filter = ["etat"]
    list_select_related = ["titre", "ligne"]
    readonly_fields = [
        "titre",
        "ligne",
        "montant",
        "motif",
        "compte",
        "demandee_le",
        "demandee_par",
        "campagne",
    ]
    fields = readonly_fields + ["etat", "numero_mandat", "decidee_le", "motif_refus"]

    def has_add_permission(self, request, obj=None):
        return False  # recorded by the campaign or the titre's page (B4)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


# --- B11: recouvrement, recorded by its acts and imports only (read in the admin) -----------


@admin.register(Paiement)
class PaiementAdmin(
    LectureSeuleMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin
):
    list_display = ["titre", "date", "montant", "trop_percu", "reference", "source", "auteur"]
    list_filter = ["source", "titre__exercice"]
    list_select_related = ["titre", "auteur"]
    search_fields = ["reference", "titre__debiteur_nom", "=titre__numero"]
    date_hierarchy = "date"


@admin.register(EvenementTitre)
class EvenementTitreAdmin(
    LectureSeuleMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin
):
    list_display = ["titre", "nature", "date", "motif", "deliberation", "source", "auteur"]
    list_filter = ["nature", "source", "titre__exercice"]
    list_select_related = ["titre", "auteur"]
    search_fields = ["titre__debiteur_nom", "=titre__numero", "motif"]


@admin.register(Rappel)
class RappelAdmin(
    LectureSeuleMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin
):
    list_display = ["titre", "rang", "date", "reste", "destinataire", "envoye"]
    list_select_related = ["titre"]
    search_fields = ["titre__debiteur_nom", "=titre__numero"]


@admin.register(Acquittement)
class AcquittementAdmin(
    LectureSeuleMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin
):
    list_display = ["nom_fichier", "bordereau", "accepte", "date", "source", "auteur"]
    list_select_related = ["bordereau", "auteur"]
