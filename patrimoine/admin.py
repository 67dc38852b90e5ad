"""The DSI's back office for audits (findings, recommendations), inventories and the register
of transfers. The models' own validation holds the rules (A3's ``verifier_transfert``: socle
complet, service levels 2 and 3, mutualisable, study first); the audit's steps and the états
de sortie go through their acts, on the pages the links lead to."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from outils.admin_filtres import RechercheSansAccentsMixin
from outils.formulaires import SaisieFrancaiseMixin
from outils.templatetags.format_fr import euros
from patrimoine.models import (
    Audit,
    Bien,
    Constat,
    Contrat,
    EtatDeSortie,
    Preconisation,
    TransfertBien,
    TransfertContrat,
)


class ConstatInline(SaisieFrancaiseMixin, admin.StackedInline):
    model = Constat
    extra = 0
    fields = [("axe", "ordre"), "texte"]


class PreconisationInline(SaisieFrancaiseMixin, admin.StackedInline):
    model = Preconisation
    extra = 0
    fields = [("axe", "priorite"), "texte"]


class StatutAuditFilter(admin.SimpleListFilter):
    title = "état"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return Audit.Statut.choices

    def queryset(self, request, queryset):
        match self.value():
            case Audit.Statut.DEMANDE:
                return queryset.filter(planifie_du__isnull=True, commence_le__isnull=True)
            case Audit.Statut.PLANIFIE:
                return queryset.filter(planifie_du__isnull=False, commence_le__isnull=True)
            case Audit.Statut.EN_COURS:
                return queryset.filter(commence_le__isnull=False, livre_le__isnull=True)
            case Audit.Statut.LIVRE:
                return queryset.filter(livre_le__isnull=False, clos_le__isnull=True)
            case Audit.Statut.CLOS:
                return queryset.filter(clos_le__isnull=False)
        return queryset


@admin.register(Audit)
class AuditAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = ["commune", "origine", "demande_le", "etat", "livre_le", "lien_page"]
    list_filter = [StatutAuditFilter, "origine"]
    list_select_related = ["commune"]
    search_fields = ["commune__nom", "commune__code_insee", "demande_reference"]
    autocomplete_fields = ["commune", "adhesion"]
    inlines = [ConstatInline, PreconisationInline]
    # The steps are recorded by the acts (audit page): never typed here.
    etapes = [
        "planifie_du",
        "planifie_au",
        "commence_le",
        "livre_le",
        "rapport",
        "inventaire_valide_le",
        "clos_le",
        "rappel_t5_envoye_le",
    ]
    readonly_fields = [*etapes, "lien_page"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "commune",
                    "origine",
                    "adhesion",
                    ("demande_le", "demande_reference"),
                    "auditeur",
                    "notes",
                    "lien_page",
                ]
            },
        ),
        ("Déroulement (enregistré depuis la page de l'audit)", {"fields": etapes}),
    ]

    @admin.display(description="état")
    def etat(self, obj):
        return obj.get_statut_display()

    @admin.display(description="page de l'audit")
    def lien_page(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">déroulement et étapes</a>', reverse("patrimoine:audit", args=[obj.pk])
        )


@admin.register(Bien)
class BienAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "designation",
        "commune",
        "categorie",
        "niveau_service",
        "mutualisable",
        "valeur_acquisition",
    ]
    list_filter = ["categorie", "niveau_service", "mutualisable"]
    list_select_related = ["commune"]
    search_fields = ["designation", "reference", "commune__nom", "commune__code_insee"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["audit"]


@admin.register(Contrat)
class ContratAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "fournisseur",
        "objet",
        "commune",
        "debut",
        "fin",
        "cout_annuel",
        "niveau_service",
        "mutualisable",
    ]
    list_filter = ["niveau_service", "mutualisable", "reconduction"]
    list_select_related = ["commune"]
    search_fields = ["fournisseur", "objet", "reference", "commune__nom", "commune__code_insee"]
    autocomplete_fields = ["commune", "bien"]
    raw_id_fields = ["audit"]


@admin.register(TransfertBien)
class TransfertBienAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = ["bien", "commune", "transfere_le", "valeur", "duree_amortissement_ans"]
    list_select_related = ["bien__commune"]
    search_fields = ["bien__designation", "bien__commune__nom", "decision_numero"]
    autocomplete_fields = ["bien"]
    fields = [
        "bien",
        ("etude_le", "etude_conclusion"),
        ("transfere_le", "decision_numero", "decision_date"),
        ("valeur", "duree_amortissement_ans"),
    ]

    @admin.display(description="commune", ordering="bien__commune__nom")
    def commune(self, obj):
        return obj.bien.commune


@admin.register(TransfertContrat)
class TransfertContratAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = ["contrat", "commune", "sort", "le", "periode_fin", "montant_periode"]
    list_filter = ["sort", "a_la_sortie"]
    list_select_related = ["contrat__commune"]
    search_fields = ["contrat__fournisseur", "contrat__objet", "contrat__commune__nom"]
    autocomplete_fields = ["contrat"]
    fieldsets = [
        (None, {"fields": ["contrat", ("etude_le", "etude_conclusion"), ("sort", "le")]}),
        (
            "Contrat transféré à l'EPCI ou conclu par lui (art. 2.3.3)",
            {
                "fields": [
                    ("decision_numero", "decision_date"),
                    ("periode_debut", "periode_fin", "montant_periode"),
                    "a_la_sortie",
                ]
            },
        ),
        (
            "Contrat dénoncé ou en période transitoire",
            {"fields": ["prend_fin_le", "fin_transition_prevue"]},
        ),
    ]

    @admin.display(description="commune", ordering="contrat__commune__nom")
    def commune(self, obj):
        return obj.contrat.commune


@admin.register(EtatDeSortie)
class EtatDeSortieAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    """Read-only: an état is computed, completed, validated and issued on its own page."""

    list_display = ["adhesion", "dernier_jour", "statut", "total_affiche", "lien_page"]
    list_filter = ["statut"]
    list_select_related = ["adhesion__commune"]
    search_fields = ["adhesion__commune__nom"]
    fields = ["adhesion", "dernier_jour", "statut", "total", "titre", "lien_page"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="total", ordering="total")
    def total_affiche(self, obj):
        return euros(obj.total)

    @admin.display(description="page de l'état")
    def lien_page(self, obj):
        return format_html(
            '<a href="{}">lignes, validation, émission</a>',
            reverse("patrimoine:sortie", args=[obj.pk]),
        )
