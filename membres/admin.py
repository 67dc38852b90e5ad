"""The DSI's back office for members: communes, établissements, populations, adhésions."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from membres.models import (
    Adhesion,
    Commune,
    Contact,
    Document,
    Etablissement,
    Formule,
    Population,
    Rattachement,
    TarifDerogatoire,
)
from outils.admin_filtres import RechercheSansAccentsMixin, filtre_annees
from outils.formats import de_commune
from outils.formulaires import SaisieFrancaiseMixin
from outils.historique import FormsetHistoriqueFige, HistoriqueFigeAdminMixin

TRANCHES = [
    ("lt1500", "moins de 1 500", Q(population_courante__lt=1500)),
    (
        "1500-2999",
        "de 1 500 à moins de 3 000",
        Q(population_courante__gte=1500, population_courante__lt=3000),
    ),
    (
        "3000-8000",
        "de 3 000 à 8 000",
        Q(population_courante__gte=3000, population_courante__lte=8000),
    ),
    ("gt8000", "plus de 8 000", Q(population_courante__gt=8000)),
    ("aucune", "population manquante", Q(population_courante__isnull=True)),
]


def adhesions_en_vigueur(jour):
    return Adhesion.objects.filter(commune=OuterRef("pk")).en_vigueur_le(jour)


class TrancheFilter(admin.SimpleListFilter):
    title = "tranche de population (année en cours)"
    parameter_name = "tranche"

    def lookups(self, request, model_admin):
        return [(code, libelle) for code, libelle, _ in TRANCHES]

    def queryset(self, request, queryset):
        for code, _, condition in TRANCHES:
            if self.value() == code:
                return queryset.filter(condition)
        return queryset


class FormuleFilter(admin.SimpleListFilter):
    title = "formule en vigueur"
    parameter_name = "formule"

    def lookups(self, request, model_admin):
        return [*Formule.choices, ("aucune", "aucune adhésion en vigueur")]

    def queryset(self, request, queryset):
        if self.value() == "aucune":
            return queryset.filter(formule_courante__isnull=True)
        if self.value():
            return queryset.filter(formule_courante=self.value())
        return queryset


class StatutFilter(admin.SimpleListFilter):
    title = "statut de l'adhésion"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [
            ("en_cours", "en cours"),
            ("en_preavis", "en préavis"),
            ("a_venir", "à venir"),
            ("sans", "sans adhésion en vigueur"),
        ]

    def queryset(self, request, queryset):
        jour = timezone.localdate()
        adhesions = Adhesion.objects.filter(commune=OuterRef("pk"))
        en_vigueur = adhesions.en_vigueur_le(jour)
        match self.value():
            case "en_cours":
                return queryset.filter(
                    Exists(
                        en_vigueur.filter(
                            dernier_jour__isnull=True, resiliation_notifiee_le__isnull=True
                        )
                    )
                )
            case "en_preavis":
                return queryset.filter(
                    Exists(
                        en_vigueur.filter(
                            Q(dernier_jour__isnull=False) | Q(resiliation_notifiee_le__isnull=False)
                        )
                    )
                )
            case "a_venir":
                return queryset.filter(Exists(adhesions.filter(date_effet__gt=jour)))
            case "sans":
                return queryset.exclude(Exists(en_vigueur))
        return queryset


class PopulationInline(SaisieFrancaiseMixin, admin.TabularInline):
    formset = FormsetHistoriqueFige
    model = Population
    extra = 0
    fields = ["annee", "valeur", "millesime", "nature", "source"]
    ordering = ["-annee"]


class ContactInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = Contact
    extra = 0
    fields = [
        "civilite",
        "prenom",
        "nom",
        "fonction",
        "email",
        "telephone",
        "decideur",
        "technique",
        "comptabilite",
    ]


class EtablissementInline(SaisieFrancaiseMixin, admin.TabularInline):
    formset = FormsetHistoriqueFige
    model = Etablissement
    extra = 0
    fields = ["type", "nom", "siren", "siret", "code_service_chorus"]
    show_change_link = True


class AdhesionInline(SaisieFrancaiseMixin, admin.TabularInline):
    formset = FormsetHistoriqueFige
    model = Adhesion
    fk_name = "commune"
    extra = 0
    fields = ["formule", "date_effet", "dernier_jour", "deliberation_numero", "deliberation_date"]
    readonly_fields = ["dernier_jour"]
    show_change_link = True
    ordering = ["-date_effet"]


@admin.register(Commune)
class CommuneAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "nom",
        "code_insee",
        "departement",
        "population_affichee",
        "formule_affichee",
        "siret",
        "service_informatique",
    ]
    list_filter = [
        "departement",
        FormuleFilter,
        TrancheFilter,
        StatutFilter,
        "service_informatique",
    ]
    search_fields = ["nom", "code_insee", "siren", "siret"]
    inlines = [PopulationInline, AdhesionInline, ContactInline, EtablissementInline]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["nom", "code_insee", "departement", "siren", "siret"]}),
        ("Adresse", {"fields": ["adresse", "complement_adresse", "code_postal", "ville"]}),
        (
            "Facturation (Chorus Pro, B8)",
            {"fields": ["code_service_chorus", "reference_engagement"]},
        ),
        (
            "Service informatique propre (M6)",
            {"fields": ["service_informatique", "revue_date", "revue_conclusion"]},
        ),
        ("Portail des membres", {"fields": ["acces_portail"]}),
    ]
    readonly_fields = ["acces_portail"]

    @admin.display(description="accès au portail")
    def acces_portail(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">Comptes de la commune, invitation d\'une secrétaire, '
            "« voir comme la commune »</a>",
            reverse("membres:acces_commune", args=[obj.code_insee]),
        )

    def get_queryset(self, request):
        jour = timezone.localdate()
        population = Population.objects.filter(commune=OuterRef("pk"), annee=jour.year)
        en_vigueur = adhesions_en_vigueur(jour).order_by("-date_effet")
        return (
            super()
            .get_queryset(request)
            .annotate(
                population_courante=Subquery(population.values("valeur")[:1]),
                formule_courante=Subquery(en_vigueur.values("formule")[:1]),
            )
        )

    @admin.display(description="population (année en cours)", ordering="population_courante")
    def population_affichee(self, obj):
        if obj.population_courante is None:
            return format_html("<strong>{}</strong>", "manquante")
        return f"{obj.population_courante:,}".replace(",", "\u00a0")

    @admin.display(description="formule en vigueur", ordering="formule_courante")
    def formule_affichee(self, obj):
        return Formule(obj.formule_courante).label if obj.formule_courante else "—"


@admin.register(Etablissement)
class EtablissementAdmin(
    HistoriqueFigeAdminMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin
):
    list_display = ["nom", "type", "commune", "siren", "siret"]
    list_filter = ["type", "commune__departement"]
    list_select_related = ["commune"]
    search_fields = ["nom", "siren", "siret", "commune__nom"]
    autocomplete_fields = ["commune"]


@admin.register(Population)
class PopulationAdmin(
    HistoriqueFigeAdminMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin
):
    champs_figes = ("commune", "annee", "valeur", "millesime", "nature")
    list_display = ["commune", "annee", "valeur", "millesime", "nature"]
    list_filter = [
        filtre_annees("annee", "année d'application"),
        filtre_annees("millesime", "millésime", avant=9, apres=0),
        "nature",
    ]
    list_select_related = ["commune"]
    # By commune then year: the unique index (commune, année) serves the page at 140,000 rows
    # (sorting by the commune's name would sort the whole table on each page).
    ordering = ["commune_id", "-annee"]
    show_full_result_count = False
    search_fields = ["commune__nom", "commune__code_insee"]
    autocomplete_fields = ["commune"]


@admin.register(Contact)
class ContactAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "commune",
        "fonction",
        "email",
        "decideur",
        "technique",
        "comptabilite",
    ]
    list_filter = ["decideur", "technique", "comptabilite"]
    list_select_related = ["commune"]
    search_fields = ["nom", "prenom", "email", "commune__nom"]
    autocomplete_fields = ["commune", "etablissement"]
    readonly_fields = ["inviter"]

    @admin.display(description="accès au portail")
    def inviter(self, obj):
        """The contact's invitation to the commune's portal, the form filled in."""
        if not obj.pk or not obj.email:
            return "—"
        requete = urlencode({"email": obj.email, "prenom": obj.prenom, "nom": obj.nom})
        return format_html(
            '<a href="{}?{}">Inviter ce contact sur l\'espace membre {}</a>',
            reverse("membres:acces_commune", args=[obj.commune.code_insee]),
            requete,
            de_commune(obj.commune.nom),
        )


class TarifDerogatoireInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = TarifDerogatoire
    extra = 0


class DocumentInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = Document
    extra = 0
    fields = ["type", "titre", "fichier", "type_mime", "taille"]
    readonly_fields = ["type_mime", "taille"]


@admin.register(Adhesion)
class AdhesionAdmin(
    HistoriqueFigeAdminMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin
):
    champs_figes = ("commune", "formule", "date_effet")
    list_display = ["commune", "formule", "date_effet", "dernier_jour", "statut_affiche"]
    list_filter = ["formule", "commune__departement", "motif_fin"]
    list_select_related = ["commune"]
    search_fields = ["commune__nom", "commune__code_insee", "deliberation_numero"]
    autocomplete_fields = ["commune", "precedente"]
    # The audit's delivery date is recorded with the audit's delivery (its page issues the
    # titre, T2): typed here, it would price nothing and disagree with the audit.
    readonly_fields = [
        "dernier_jour",
        "motif_fin",
        "statut_affiche",
        "reconduction_affichee",
        "audit_livre_le",
    ]
    inlines = [TarifDerogatoireInline, DocumentInline]
    # By commune (its index) rather than by name, no date drill-down: both read the whole
    # table on each page at 35,000 communes.
    ordering = ["commune_id", "-date_effet"]
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "commune",
                    "formule",
                    "date_effet",
                    "statut_affiche",
                    "reconduction_affichee",
                ]
            },
        ),
        (
            "Délibération et convention (M2)",
            {
                "fields": [
                    ("deliberation_numero", "deliberation_date"),
                    ("signature_membre_le", "signature_epci_le"),
                    ("effet_retroactif", "effet_retroactif_motif"),
                ],
                "description": "La convention prend effet à la signature des deux parties "
                "(art. 2.2) : une adhésion n'est facturée qu'avec ses deux dates de signature, "
                "et une date d'effet antérieure n'est admise qu'avec un effet rétroactif convenu.",
            },
        ),
        (
            "Changement de choix (M2)",
            {"fields": ["precedente", "decision_numero", "decision_date"]},
        ),
        (
            "Résiliation (M4)",
            {
                "fields": [
                    "resiliation_notifiee_le",
                    "resiliation_date_convenue",
                    "dernier_jour",
                    "motif_fin",
                ]
            },
        ),
        ("Audit (T2, T5)", {"fields": ["audit_livre_le"]}),
        (None, {"fields": ["notes"]}),
    ]

    @admin.display(description="statut")
    def statut_affiche(self, obj):
        return obj.get_statut_display() if obj.pk else "—"

    @admin.display(description="prochaine reconduction tacite (M3)")
    def reconduction_affichee(self, obj):
        if not obj.pk:
            return "—"
        echeance = obj.prochaine_reconduction()
        return f"{echeance:%d/%m/%Y}" if echeance else "aucune (fin programmée)"

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Document) and not instance.depose_par_id:
                instance.depose_par = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Document)
class DocumentAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin):
    list_display = ["titre", "type", "commune", "depose_le", "lien"]
    list_filter = ["type"]
    list_select_related = ["commune"]
    search_fields = ["titre", "commune__nom"]
    autocomplete_fields = ["commune", "adhesion"]
    readonly_fields = ["type_mime", "taille", "depose_le", "depose_par"]

    def save_model(self, request, obj, form, change):
        if not obj.depose_par_id:
            obj.depose_par = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="fichier")
    def lien(self, obj):
        from django.urls import reverse

        return format_html('<a href="{}">télécharger</a>', reverse("document", args=[obj.pk]))


@admin.register(Rattachement)
class RattachementAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, admin.ModelAdmin):
    list_display = ["utilisateur", "commune", "etablissement"]
    list_select_related = ["utilisateur", "commune", "etablissement"]
    search_fields = ["utilisateur__username", "utilisateur__email", "commune__nom"]
    autocomplete_fields = ["commune", "etablissement"]
