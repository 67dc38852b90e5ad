"""The DSI's back office for the grid (barème, art. 7) and the issuer of the titres.

A grid version is edited with its lines in one form. Saving is refused, with a French message
and nothing written, when the lines of a service leave a gap or overlap (P2,
``calcul.verifier_tranches``) or when the version's period overlaps another version's (the
model's ``clean``). Every change is historised (simple_history).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from outils.admin_filtres import RechercheSansAccentsMixin
from outils.formulaires import SaisieFrancaiseMixin
from outils.historique import HistoriqueFigeAdminMixin, raison_figee
from tarification import calcul
from tarification.litiges import verifier_cloture
from tarification.models import (
    Emetteur,
    EtapeLitige,
    LigneBareme,
    Litige,
    Signataire,
    VersionBareme,
)

LIGNE_FIELDS = [
    "service",
    "tranche",
    "borne_inf",
    "inf_incluse",
    "borne_sup",
    "sup_incluse",
    "part_fixe",
    "taux",
    "jours",
    "derogation_requise",
    "article",
]


class LigneBaremeForm(forms.ModelForm):
    class Meta:
        model = LigneBareme
        fields = LIGNE_FIELDS

    def clean(self):
        donnees = super().clean()
        service = donnees.get("service")
        jours = donnees.get("jours")
        if service == calcul.Service.NIVEAU1:
            # T6 — a niveau 1 row carries an allowance in days, or needs a derogation (M6).
            if jours is None and not donnees.get("derogation_requise"):
                self.add_error(
                    "jours",
                    "Indiquez la dotation en jours, ou cochez « tarif dérogatoire requis ».",
                )
        elif jours is not None:
            self.add_error("jours", "Seule la dotation niveau 1 s'exprime en jours.")
        return donnees


class LigneBaremeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """P2 — for each service, the brackets cover every population without gap or overlap."""
        super().clean()
        if any(self.errors):
            return  # each row's own errors first
        lignes = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue  # an empty extra row
            if self.can_delete and self._should_delete_form(form):
                continue
            d = form.cleaned_data
            lignes.append(
                calcul.LigneGrille(
                    service=calcul.Service(d["service"]),
                    tranche=calcul.Tranche(
                        libelle=d["tranche"],
                        borne_inf=d.get("borne_inf"),
                        inf_incluse=d.get("inf_incluse", False),
                        borne_sup=d.get("borne_sup"),
                        sup_incluse=d.get("sup_incluse", False),
                    ),
                    part_fixe=d.get("part_fixe") or 0,
                    taux=d.get("taux") or 0,
                    jours=d.get("jours"),
                    derogation_requise=d.get("derogation_requise", False),
                    article=d.get("article", ""),
                )
            )
        erreurs = calcul.verifier_tranches(lignes)
        if erreurs:
            raise ValidationError(
                ["Barème refusé, rien n'a été enregistré :", *erreurs], code="tranches"
            )


class LigneBaremeInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = LigneBareme
    form = LigneBaremeForm
    formset = LigneBaremeFormSet
    extra = 0
    fields = LIGNE_FIELDS

    # The lines of a version that priced issued titres are shown, never changed.
    def has_add_permission(self, request, obj=None):
        return not (obj is not None and raison_figee(obj)) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and raison_figee(obj)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and raison_figee(obj)) and super().has_delete_permission(
            request, obj
        )


@admin.register(VersionBareme)
class VersionBaremeAdmin(
    HistoriqueFigeAdminMixin, SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin
):
    champs_figes = VersionBareme.CHAMPS_FIGES
    list_display = [
        "libelle",
        "debut",
        "fin",
        "mode_niveau1",
        "pool_jours",
        "prix_demi_journee",
        "reference",
    ]
    search_fields = ["libelle", "reference"]
    date_hierarchy = "debut"
    inlines = [LigneBaremeInline]
    fieldsets = [
        (None, {"fields": ["libelle", "reference", ("debut", "fin")]}),
        (
            "Niveau 1 (art. 3.2.2 et 7.1.1)",
            {"fields": ["mode_niveau1", "fondement_mode", "pool_jours", "prix_demi_journee"]},
        ),
    ]


@admin.register(Emetteur)
class EmetteurAdmin(SaisieFrancaiseMixin, SimpleHistoryAdmin):
    """The issuer is a single row (pk=1): it can be created once and never deleted."""

    list_display = ["nom", "siren", "ville", "ordonnateur_nom"]
    fieldsets = [
        (None, {"fields": ["nom", ("siren", "siret"), "adresse", ("code_postal", "ville")]}),
        (
            "Ordonnateur",
            {"fields": [("ordonnateur_prenom", "ordonnateur_nom"), "ordonnateur_qualite"]},
        ),
        (
            "Titres de recettes",
            {
                "fields": [
                    "budget",
                    "comptable_public",
                    "modalites_paiement",
                    ("iban", "bic"),
                    "tribunal",
                ]
            },
        ),
        (
            "Mentions de TVA par nature de titre (T10, à confirmer par le comptable)",
            {
                "fields": [
                    "mention_tva",
                    "mention_tva_refacturation",
                    "mention_tva_appel_de_fonds",
                    "mention_tva_frais_sortie",
                ]
            },
        ),
        (
            "Flux PES V2 vers le comptable (B9)",
            {
                "fields": [
                    ("code_collectivite", "code_budget", "poste_comptable"),
                    ("categorie_tiers", "reference_bdf"),
                    ("poste_comptable_nom", "poste_comptable_adresse"),
                    ("poste_comptable_code_postal", "poste_comptable_ville"),
                    ("encaissement_code_postal", "encaissement_ville", "encaissement_tsa"),
                    ("fonction_contribution", "produit_contribution"),
                    ("fonction_refacturation", "produit_refacturation"),
                    ("fonction_appel_de_fonds", "produit_appel_de_fonds"),
                    ("fonction_frais_sortie", "produit_frais_sortie"),
                ],
                "description": "Valeurs données par le comptable public et la DGFiP ; la nature "
                "M57 des lignes est l'imputation de chaque nature de titre.",
            },
        ),
        (
            "Imputations",
            {
                "fields": [
                    "imputation_contribution",
                    "imputation_audit",
                    "imputation_refacturation",
                    "imputation_appel_de_fonds",
                    "imputation_frais_sortie",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Emetteur.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class EtapeLitigeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """Art. 2.5 — a dispute closed on a failure has its conciliation or mediation step."""
        super().clean()
        if any(self.errors):
            return
        etapes = [
            f
            for f in self.forms
            if f.cleaned_data and not (self.can_delete and self._should_delete_form(f))
        ]
        verifier_cloture(self.instance.issue, len(etapes))


class EtapeLitigeInline(SaisieFrancaiseMixin, admin.TabularInline):
    model = EtapeLitige
    formset = EtapeLitigeFormSet
    extra = 0
    fields = ["nature", "le", "intervenant", "compte_rendu"]


@admin.register(Litige)
class LitigeAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    """Art. 2.5 — disputes on a member or one of its titres, their conciliation or mediation
    steps and their outcome (shown on the titre's page and in the bilan)."""

    list_display = ["objet", "commune", "titre", "ouvert_le", "clos_le", "issue"]
    list_filter = ["issue", "souleve_par"]
    list_select_related = ["commune", "titre"]
    search_fields = ["objet", "commune__nom", "titre__numero"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["titre"]
    inlines = [EtapeLitigeInline]
    fields = [
        "commune",
        "titre",
        "objet",
        ("souleve_par", "ouvert_le"),
        ("clos_le", "issue"),
        "issue_detail",
    ]


from tarification.titres import admin as admin_titres  # noqa: E402,F401  (registers the titres admin)


@admin.register(Signataire)
class SignataireAdmin(SaisieFrancaiseMixin, RechercheSansAccentsMixin, SimpleHistoryAdmin):
    """B10 — the delegation register: who may sign bordereaux, and when."""

    list_display = ["__str__", "role", "debut", "fin", "arrete_numero"]
    list_filter = ["role"]
    search_fields = ["nom", "prenom", "qualite", "arrete_numero"]
    fields = [
        "role",
        ("prenom", "nom"),
        "qualite",
        ("debut", "fin"),
        ("arrete_numero", "arrete_date"),
        "arrete",
    ]

    def has_delete_permission(self, request, obj=None):
        # A signatory who signed a bordereau stays on the register (the bordereau names him).
        if obj is not None and obj.bordereaux.exists():
            return False
        return super().has_delete_permission(request, obj)
