"""The DSI's back office for niveau 1: lettres de mission and the half-days spent on them."""

from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from missions.dotations import Niveau, alertes_pour
from missions.models import DEMI_JOURNEES_MAX_PAR_JOUR, Intervention, Mission
from outils.admin_filtres import RechercheSansAccentsMixin
from outils.formulaires import SaisieFrancaiseMixin

NIVEAUX_MESSAGES = {
    Niveau.ALERTE: messages.WARNING,
    Niveau.AVERTISSEMENT: messages.WARNING,
    Niveau.INFO: messages.INFO,
}


def signaler_dotation(request, commune, annees):
    """After time was recorded: say at once when the member goes beyond its allowance, or
    the pool runs out (T6)."""
    for alerte in alertes_pour(commune, annees):
        messages.add_message(request, NIVEAUX_MESSAGES[alerte.niveau], alerte.message)


class InterventionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # One agent cannot record more than a day on one date, counting the other rows of
        # this form and what is already saved (the model checks saved rows only).
        par_jour = defaultdict(list)
        for form in self.forms:
            donnees = getattr(form, "cleaned_data", None)
            if not donnees or donnees.get("DELETE") or form.errors:
                continue
            if donnees.get("agent") and donnees.get("date") and donnees.get("demi_journees"):
                par_jour[(donnees["agent"], donnees["date"])].append(form)
        for (agent, jour), forms in par_jour.items():
            if len(forms) < 2:
                continue
            deja = (
                Intervention.objects.filter(agent=agent, date=jour)
                .exclude(pk__in=[f.instance.pk for f in forms if f.instance.pk])
                .aggregate(total=Sum("demi_journees"))["total"]
                or 0
            )
            total = deja + sum(f.cleaned_data["demi_journees"] for f in forms)
            if total > DEMI_JOURNEES_MAX_PAR_JOUR:
                raise ValidationError(
                    f"{agent.get_full_name() or agent.get_username()} : {total} demi-journées "
                    f"le {jour:%d/%m/%Y}, alors qu'une journée n'en compte que deux."
                )


class InterventionInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = Intervention
    formset = InterventionFormSet
    extra = 1
    fields = ["date", "agent", "demi_journees", "note"]
    ordering = ["date", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agent")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agent":
            kwargs["initial"] = request.user.pk  # the agent recording their own time
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AnneeDebutFilter(admin.SimpleListFilter):
    title = "année de début"
    parameter_name = "annee"

    def lookups(self, request, model_admin):
        annees = Mission.objects.dates("debut", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in annees]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(debut__year=int(self.value()))
        return queryset


@admin.register(Mission)
class MissionAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "reference_affichee",
        "commune",
        "objet",
        "debut",
        "fin",
        "statut",
        "diagnostic",
        "jours_prevus",
        "demi_journees_affichees",
        "lettre_pdf",
    ]
    list_filter = ["statut", "diagnostic", AnneeDebutFilter, "commune__departement"]
    list_select_related = ["commune"]
    search_fields = ["objet", "commune__nom", "commune__code_insee"]
    autocomplete_fields = ["commune"]
    date_hierarchy = "debut"
    inlines = [InterventionInline]
    readonly_fields = ["reference_affichee", "lettre_pdf"]
    fieldsets = [
        (None, {"fields": ["reference_affichee", "commune", "statut", "signee_le", "lettre_pdf"]}),
        (
            "Objet de la mission (art. 3.2.3)",
            {"fields": ["objet", "objectifs", "enjeux", "risques", "diagnostic"]},
        ),
        ("Organisation", {"fields": ["intervenants_dsi", "intervenants_membre"]}),
        (
            "Calendrier et charge",
            {
                "fields": [
                    "debut",
                    "fin",
                    "duree_prevue",
                    "jours_prevus",
                    "organisation_calendrier",
                ]
            },
        ),
        ("Livrables", {"fields": ["livrables"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(total_demi_journees=Sum("interventions__demi_journees"))
        )

    @admin.display(description="référence", ordering="pk")
    def reference_affichee(self, obj):
        return obj.reference if obj.pk else "—"

    @admin.display(description="demi-journées saisies", ordering="total_demi_journees")
    def demi_journees_affichees(self, obj):
        return getattr(obj, "total_demi_journees", None) or 0

    @admin.display(description="lettre de mission")
    def lettre_pdf(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">PDF</a>', reverse("missions:lettre_pdf", args=[obj.pk]))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        annees = {
            f.instance.date.year
            for formset in formsets
            for f in formset.forms
            if f.has_changed() and f.instance.pk and f.instance.date
        }
        if annees:
            signaler_dotation(request, form.instance.commune, annees)


@admin.register(Intervention)
class InterventionAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = ["date", "commune", "mission", "agent", "demi_journees", "note"]
    list_filter = ["agent", "mission__diagnostic", "mission__commune__departement"]
    list_select_related = ["mission__commune", "agent"]
    search_fields = ["mission__objet", "mission__commune__nom", "note"]
    autocomplete_fields = ["mission"]
    date_hierarchy = "date"

    @admin.display(description="membre", ordering="mission__commune__nom")
    def commune(self, obj):
        return obj.mission.commune

    def get_changeform_initial_data(self, request):
        return {"agent": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        signaler_dotation(request, obj.mission.commune, [obj.date.year])
