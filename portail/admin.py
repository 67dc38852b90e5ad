"""Back office of the portal: DSI staff study and decide the fiches projet (R3) and validate the
members' billing identifiers (B8). The members write in the portal; here, acts only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from outils.admin_filtres import RechercheSansAccentsMixin
from outils.formulaires import SaisieFrancaiseMixin
from portail import actes
from portail.models import ConsultationCommeLaCommune, DemandeModification, FicheProjet


def _appliquer(modeladmin, request, objets, acte, succes: str, **kwargs) -> None:
    """Run one act per selected object; report each refusal in French, keep the others."""
    faits = 0
    for objet in objets:
        try:
            acte(par=request.user, **{modeladmin.nom_objet: objet}, **kwargs)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{objet} : {' '.join(exc.messages)}", messages.ERROR)
        else:
            faits += 1
    if faits:
        modeladmin.message_user(request, succes.format(n=faits), messages.SUCCESS)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="décision du comité de pilotage",
        choices=[("acceptee", "acceptée"), ("refusee", "refusée")],
        widget=forms.RadioSelect,
    )
    le = forms.DateField(
        label="date du comité de pilotage",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    motif = forms.CharField(
        label="arbitrage et motif (communiqués au membre)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


class RefusForm(forms.Form):
    motif = forms.CharField(
        label="motif du refus (communiqué au membre)",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _page_intermediaire(modeladmin, request, queryset, form, titre, action, bouton):
    contexte = {
        **modeladmin.admin_site.each_context(request),
        "title": titre,
        "objets": list(queryset),
        "form": form,
        "action": action,
        "bouton": bouton,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "portail/admin/action_formulaire.html", contexte)


@admin.register(FicheProjet)
class FicheProjetAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    nom_objet = "fiche"
    list_display = [
        "intitule",
        "commune",
        "domaine",
        "portee",
        "statut",
        "soumise_le",
        "decidee_le",
    ]
    list_filter = ["statut", "domaine", "portee"]
    list_select_related = ["commune"]
    search_fields = ["intitule", "commune__nom", "commune__code_insee", "description"]
    date_hierarchy = "soumise_le"
    actions = ["mettre_a_l_etude", "decider"]
    readonly_fields = [
        "commune",
        "statut",
        "cree_par",
        "cree_le",
        "modifie_le",
        "soumise_le",
        "decidee_le",
        "decision_motif",
    ]
    fieldsets = [
        (None, {"fields": ["commune", "intitule", "domaine", "portee", "statut"]}),
        ("La demande", {"fields": ["origine", "demandeur", "enjeux", "nature"]}),
        (
            "Le projet",
            {"fields": ["description", "planification", "budget_estime", "budget_detail"]},
        ),
        ("Objectifs et contraintes", {"fields": ["objectifs", "contraintes"]}),
        (
            "Conditions de réussite et incertitudes",
            {"fields": ["conditions_reussite", "risques", "indicateurs"]},
        ),
        (
            "Suivi",
            {
                "fields": [
                    "cree_par",
                    "cree_le",
                    "modifie_le",
                    "soumise_le",
                    "decidee_le",
                    "decision_motif",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # members write their fiches in the portal

    def has_delete_permission(self, request, obj=None):
        return False  # kept, with their history

    def get_readonly_fields(self, request, obj=None):
        # A draft is the member's; a decided fiche is final. DSI staff may complete a fiche
        # under study (annexe 3: "durée maximale estimée par la DSI", planning with the member).
        if obj is None or obj.statut in (FicheProjet.Statut.SOUMISE, FicheProjet.Statut.A_L_ETUDE):
            return self.readonly_fields
        return [f.name for f in FicheProjet._meta.fields if f.name != "id"]

    @admin.action(description="Mettre à l'étude les fiches sélectionnées")
    def mettre_a_l_etude(self, request, queryset):
        _appliquer(self, request, queryset, actes.etudier_fiche, "{n} fiche(s) mise(s) à l'étude.")

    @admin.action(description="Enregistrer la décision du comité de pilotage")
    def decider(self, request, queryset):
        form = DecisionForm(request.POST if "appliquer" in request.POST else None)
        if form.is_bound and form.is_valid():
            _appliquer(
                self,
                request,
                queryset,
                actes.decider_fiche,
                "Décision enregistrée pour {n} fiche(s) ; les contacts du membre sont prévenus "
                "par courriel.",
                acceptee=form.cleaned_data["decision"] == "acceptee",
                motif=form.cleaned_data["motif"],
                le=form.cleaned_data["le"],
            )
            return None
        return _page_intermediaire(
            self,
            request,
            queryset,
            form,
            "Décision du comité de pilotage",
            "decider",
            "Enregistrer la décision",
        )


@admin.register(DemandeModification)
class DemandeModificationAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    nom_objet = "demande"
    list_display = [
        "commune",
        "etablissement",
        "resume",
        "statut",
        "demandee_par",
        "demandee_le",
        "traitee_le",
    ]
    list_filter = ["statut"]
    list_select_related = ["commune", "etablissement", "demandee_par"]
    search_fields = ["commune__nom", "commune__code_insee", "etablissement__nom", "siret"]
    actions = ["valider", "refuser"]
    readonly_fields = [f.name for f in DemandeModification._meta.fields if f.name != "id"]

    @admin.display(description="changements")
    def resume(self, obj):
        return " ; ".join(
            f"{libelle} : {ancien or 'vide'} → {nouveau or 'vide'}"
            for libelle, ancien, nouveau in obj.changements()
        )

    def has_add_permission(self, request):
        return False  # members ask in the portal

    def has_delete_permission(self, request, obj=None):
        return False  # the trace of who changed the billing identifiers is kept

    @admin.action(description="Valider les demandes sélectionnées (B8)")
    def valider(self, request, queryset):
        _appliquer(
            self,
            request,
            queryset.select_related("commune", "etablissement"),
            actes.valider_demande,
            "{n} demande(s) validée(s) : les nouveaux identifiants figureront sur les "
            "prochains titres.",
        )

    @admin.action(description="Refuser les demandes sélectionnées")
    def refuser(self, request, queryset):
        form = RefusForm(request.POST if "appliquer" in request.POST else None)
        if form.is_bound and form.is_valid():
            _appliquer(
                self,
                request,
                queryset,
                actes.refuser_demande,
                "{n} demande(s) refusée(s).",
                motif=form.cleaned_data["motif"],
            )
            return None
        return _page_intermediaire(
            self, request, queryset, form, "Refuser des demandes", "refuser", "Refuser"
        )


@admin.register(ConsultationCommeLaCommune)
class ConsultationCommeLaCommuneAdmin(admin.ModelAdmin):
    """The record of "voir comme la commune": read only."""

    list_display = ["le", "par", "commune"]
    list_select_related = ["par", "commune"]
    list_filter = ["commune"]
    date_hierarchy = "le"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
