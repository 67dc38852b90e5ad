"""The DSI's back office for groupements de commandes: groupements with their markets, members
and harmonised list of needs; members with their needs; actions for the life cycle (G4).

Adding a member checks G1 and G8, recording a retrait checks G5 (model validation); needs are
read-only once the consultation is launched (G8); the steps only move through the actions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, Sum
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from groupements import actes
from groupements.forms import DateInput
from groupements.models import (
    AdhesionGroupement,
    Besoin,
    Groupement,
    Marche,
    PartRepartition,
    PosteBesoin,
    Repartition,
)
from groupements.regles import Etape
from outils.admin_filtres import RechercheSansAccentsMixin
from outils.formats import formater_quantite, quantite_unite
from outils.formulaires import SaisieFrancaiseMixin
from outils.templatetags.format_fr import euros


def _lance(obj) -> bool:
    groupement = obj if isinstance(obj, Groupement) else getattr(obj, "groupement", None)
    return bool(groupement and groupement.est_lance)


class MarcheInline(SaisieFrancaiseMixin, admin.StackedInline):
    model = Marche
    extra = 0
    fields = [
        ("reference", "intitule", "procedure"),
        ("titulaire", "notifie_le"),
        ("duree_mois", "fin", "montant"),
    ]


class AdhesionGroupementInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = AdhesionGroupement
    extra = 0
    fields = [
        "commune",
        "etablissement",
        "adhere_le",
        "besoins_declares_le",
        "total_besoins_affiche",
        "retrait_decision_numero",
        "retrait_decision_date",
        "retrait_notifie_le",
    ]
    readonly_fields = ["besoins_declares_le", "total_besoins_affiche"]
    autocomplete_fields = ["commune", "etablissement"]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("commune", "etablissement")
            .annotate(total=Sum("besoins__montant_estime"))
        )

    @admin.display(description="besoins estimés")
    def total_besoins_affiche(self, obj):
        return euros(getattr(obj, "total", None)) if obj.pk else "—"

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _lance(obj)  # G8

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _lance(obj)

    def get_readonly_fields(self, request, obj=None):
        if _lance(obj):  # G5: no retrait once the avis de marché is sent
            return list(self.fields)
        return self.readonly_fields


class PosteBesoinInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = PosteBesoin
    extra = 0
    fields = ["ordre", "designation", "unite", "prix_unitaire_indicatif", "description"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _lance(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _lance(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _lance(obj)


class EtapeActionForm(forms.Form):
    le = forms.DateField(label="date", widget=DateInput())
    motif = forms.CharField(label="motif", required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _action_etape(vers: str, description: str):
    """An admin action moving the selected groupements to step ``vers`` (G4), through an
    intermediate page asking for the date (and the motif of a résiliation)."""

    def action(modeladmin, request, queryset):
        if not request.user.has_perm("groupements.gerer_etapes"):
            modeladmin.message_user(
                request, "Vous n'avez pas le droit de faire avancer un groupement.", messages.ERROR
            )
            return None
        if "appliquer" in request.POST:
            form = EtapeActionForm(data=request.POST)
            if form.is_valid():
                for groupement in queryset:
                    try:
                        actes.passer_etape(
                            groupement=groupement,
                            vers=vers,
                            le=form.cleaned_data["le"],
                            motif=form.cleaned_data["motif"],
                            par=request.user,
                        )
                    except ValidationError as erreur:
                        for message in erreur.messages:
                            modeladmin.message_user(
                                request, f"{groupement} : {message}", messages.ERROR
                            )
                    else:
                        modeladmin.message_user(
                            request,
                            f"{groupement} : étape « {Etape.LIBELLES[vers]} » enregistrée.",
                            messages.SUCCESS,
                        )
                return None
        else:
            form = EtapeActionForm(initial={"le": timezone.localdate()})
        return TemplateResponse(
            request,
            "groupements/admin_etape.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "groupements": queryset,
                "form": form,
                "action": request.POST.get("action"),
                "vers": vers,
                "resiliation": vers == Etape.RESILIE,
                "lancement": vers == Etape.CONSULTATION,
                "opts": modeladmin.model._meta,
                "selection": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            },
        )

    action.__name__ = f"passer_{vers}"
    action.short_description = description
    return action


class SansSuppressionGroupeeMixin:
    """The bulk delete action deletes through the QuerySet, around the models' own checks
    (G7/G8 needs, issued répartitions): it is not offered here."""

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Groupement)
class GroupementAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "objet",
        "categorie",
        "etape",
        "nb_membres",
        "consultation_lancee_le",
        "fin_marche",
        "lien_tableau_de_bord",
    ]
    list_filter = ["etape", "categorie"]
    search_fields = ["objet", "centrale_achat", "marches__reference", "marches__titulaire"]
    inlines = [MarcheInline, AdhesionGroupementInline, PosteBesoinInline]
    readonly_fields = [
        "etape",
        "recensement_ouvert_le",
        "consultation_lancee_le",
        "attribue_le",
        "execution_debut_le",
        "echu_le",
        "resilie_le",
        "motif_resiliation",
        "lien_tableau_de_bord",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "objet",
                    "categorie",
                    "centrale_achat",
                    "coordonnateur",
                    "description",
                    "lien_tableau_de_bord",
                ]
            },
        ),
        (
            "Cycle de vie (G4) — modifié par les actions de la liste",
            {
                "fields": [
                    "etape",
                    "constitue_le",
                    "recensement_ouvert_le",
                    "date_limite_besoins",
                    "consultation_lancee_le",
                    "attribue_le",
                    "execution_debut_le",
                    "echu_le",
                    "resilie_le",
                    "motif_resiliation",
                ]
            },
        ),
    ]
    actions = [
        _action_etape(Etape.RECENSEMENT, "Ouvrir le recensement des besoins"),
        _action_etape(
            Etape.CONSULTATION, "Lancer la consultation (avis de marché envoyé pour publication)"
        ),
        _action_etape(Etape.ATTRIBUTION, "Enregistrer l'attribution du marché"),
        _action_etape(Etape.EXECUTION, "Démarrer l'exécution du marché"),
        _action_etape(Etape.ECHU, "Constater l'échéance du marché"),
        _action_etape(Etape.RESILIE, "Enregistrer la résiliation du marché"),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                membres=Count("adhesions", filter=Q(adhesions__retrait_notifie_le__isnull=True)),
                fin=Max("marches__fin"),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        champs = list(self.readonly_fields)
        if obj and obj.est_lance:
            champs += ["constitue_le", "date_limite_besoins"]
        return champs

    @admin.display(description="membres", ordering="membres")
    def nb_membres(self, obj):
        return obj.membres

    @admin.display(description="fin du marché", ordering="fin")
    def fin_marche(self, obj):
        return obj.fin.strftime("%d/%m/%Y") if obj.fin else "—"

    @admin.display(description="tableau de bord")
    def lien_tableau_de_bord(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("groupements:tableau_de_bord", args=[obj.pk])
        return format_html('<a href="{}">ouvrir le tableau de bord</a>', url)


class BesoinInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = Besoin
    extra = 0
    fields = ["poste", "designation", "unite", "quantite", "montant_estime", "precisions"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "poste":
            groupement_id = getattr(request, "_groupement_id", None)
            kwargs["queryset"] = PosteBesoin.objects.filter(groupement_id=groupement_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # G8: once the consultation is launched, the needs are frozen (G7: members stay bound).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _lance(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _lance(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _lance(obj)


@admin.register(AdhesionGroupement)
class AdhesionGroupementAdmin(
    SaisieFrancaiseMixin, RechercheSansAccentsMixin, SansSuppressionGroupeeMixin, SimpleHistoryAdmin
):
    list_display = [
        "nom_membre",
        "groupement",
        "adhere_le",
        "besoins_declares_le",
        "total",
        "retrait",
    ]
    list_filter = ["groupement", "groupement__etape"]
    list_select_related = ["groupement", "commune", "etablissement"]
    search_fields = [
        "commune__nom",
        "commune__code_insee",
        "etablissement__nom",
        "groupement__objet",
    ]
    autocomplete_fields = ["commune", "etablissement"]
    inlines = [BesoinInline]
    fields = [
        "groupement",
        "commune",
        "etablissement",
        "adhere_le",
        "besoins_qualitatifs",
        "besoins_declares_le",
        "retrait_decision_numero",
        "retrait_decision_date",
        "retrait_notifie_le",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total_estime=Sum("besoins__montant_estime"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._groupement_id = obj.groupement_id if obj else None
        return obj

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        champs = ["groupement", "commune", "etablissement", "adhere_le"]
        if obj.groupement.est_lance:
            champs += [
                "besoins_qualitatifs",
                "besoins_declares_le",
                "retrait_decision_numero",
                "retrait_decision_date",
                "retrait_notifie_le",
            ]
        return champs

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and _lance(obj))

    @admin.display(description="besoins estimés", ordering="total_estime")
    def total(self, obj):
        return euros(obj.total_estime)

    @admin.display(description="retrait", ordering="retrait_notifie_le")
    def retrait(self, obj):
        return obj.retrait_notifie_le.strftime("%d/%m/%Y") if obj.retrait_notifie_le else "—"


@admin.register(Besoin)
class BesoinAdmin(
    SaisieFrancaiseMixin, RechercheSansAccentsMixin, SansSuppressionGroupeeMixin, SimpleHistoryAdmin
):
    list_display = ["designation", "adhesion", "quantite_affichee", "montant_affiche"]
    list_filter = ["adhesion__groupement"]
    list_select_related = ["adhesion__groupement", "adhesion__commune", "adhesion__etablissement"]
    search_fields = ["designation", "adhesion__commune__nom", "adhesion__groupement__objet"]

    def has_add_permission(self, request):
        return False  # through a member's page or the portal

    @admin.display(description="quantité", ordering="quantite")
    def quantite_affichee(self, obj):
        """« 85 lignes », « 1 site », « 2,5 jours »: a quantity with its unit, in French."""
        return (
            quantite_unite(obj.quantite, obj.unite)
            if obj.unite
            else formater_quantite(obj.quantite)
        )

    @admin.display(description="montant estimé HT", ordering="montant_estime")
    def montant_affiche(self, obj):
        return euros(obj.montant_estime)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and _lance(obj.adhesion))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and _lance(obj.adhesion))


class PartRepartitionInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = PartRepartition
    extra = 0
    fields = ["rang", "adhesion", "poids", "montant"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("adhesion__commune", "adhesion__etablissement")
        )


@admin.register(Repartition)
class RepartitionAdmin(
    SaisieFrancaiseMixin, RechercheSansAccentsMixin, SansSuppressionGroupeeMixin, SimpleHistoryAdmin
):
    """Read-only here: répartitions are recorded, previewed and issued on their own page."""

    list_display = ["libelle", "groupement", "sens", "motif", "montant", "statut", "lien"]
    list_filter = ["sens", "statut", "motif"]
    list_select_related = ["groupement"]
    search_fields = ["libelle", "groupement__objet", "piece"]
    inlines = [PartRepartitionInline]
    readonly_fields = [
        "groupement",
        "sens",
        "motif",
        "libelle",
        "montant",
        "piece",
        "piece_date",
        "motif_poids",
        "statut",
        "cree_le",
        "cree_par",
        "validee_le",
        "validee_par",
        "lien",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.est_brouillon)

    @admin.display(description="aperçu")
    def lien(self, obj):
        url = reverse("groupements:repartition", args=[obj.pk])
        return format_html('<a href="{}">ouvrir</a>', url)
