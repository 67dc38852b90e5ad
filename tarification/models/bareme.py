"""The tariff grid (barème, art. 7) as versioned data."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from outils.dates import chevauche
from outils.historique import HistoriqueFige, raison_figee, refuser_si_fige
from tarification import calcul
from tarification.models.titres import TitreDeRecettes


class VersionBaremeQuerySet(models.QuerySet):
    def en_vigueur_le(self, jour: date):
        return self.filter(debut__lte=jour).filter(Q(fin__isnull=True) | Q(fin__gte=jour))


class VersionBareme(models.Model):
    """A version of the grid with its validity period (versions never overlap).

    Year N is priced by the version in force on 1 January N; an audit by the version in force
    on its report's delivery date (decision in domain.md, "Tariff grid").
    """

    libelle = models.CharField("libellé", max_length=200)
    reference = models.CharField(
        "référence",
        max_length=250,
        help_text="Convention, avenant ou délibération qui fixe ce barème.",
    )
    debut = models.DateField("en vigueur du")
    fin = models.DateField("au (inclus)", null=True, blank=True)
    pool_jours = models.DecimalField(
        "volume partagé du niveau 1 (jours)", max_digits=6, decimal_places=1, default=Decimal("117")
    )
    prix_demi_journee = models.DecimalField(
        "prix de la demi-journée (€ HT)", max_digits=10, decimal_places=2, default=Decimal("200")
    )
    # T6 (revised) — how niveau 1 is billed is a property of the grid version, recorded with the
    # act that set it. The convention itself sets the shared pool (3.2.2, 7.1.1): the default.
    mode_niveau1 = models.CharField(
        "mode de facturation du niveau 1",
        max_length=30,
        choices=[(mode.value, mode.libelle) for mode in calcul.ModeNiveau1],
        default=calcul.ModeNiveau1.VOLUME_PARTAGE.value,
        help_text="Volume partagé : rien n'est facturé tant que les demi-journées de l'année des "
        "membres du socle complet restent dans le volume ; dotation individuelle : chaque "
        "demi-journée au-delà de la part du membre est facturée.",
    )
    fondement_mode = models.CharField(
        "délibération ou décision qui fixe ce mode",
        max_length=250,
        default=calcul.FONDEMENT_VOLUME_PARTAGE,
        help_text="Par exemple « délibération n° 2025-112 du 15/12/2025 ».",
    )
    history = HistoricalRecords()

    objects = VersionBaremeQuerySet.as_manager()

    class Meta:
        verbose_name = "version du barème"
        verbose_name_plural = "versions du barème"
        ordering = ["-debut"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="bareme_fin_apres_debut",
                violation_error_message="La fin de validité ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=~Q(fondement_mode=""),
                name="bareme_mode_fonde",
                violation_error_message="Indiquez la délibération ou la décision qui fixe le mode "
                "de facturation du niveau 1.",
            ),
            models.CheckConstraint(
                condition=Q(pool_jours__gte=0) & Q(prix_demi_journee__gte=0),
                name="bareme_parametres_positifs",
                violation_error_message="Le volume et le prix de la demi-journée sont positifs.",
            ),
            # PostgreSQL also has an exclusion constraint (migration) against overlaps.
        ]

    def __str__(self):
        fin = f" au {self.fin:%d/%m/%Y}" if self.fin else ""
        return f"{self.libelle} (du {self.debut:%d/%m/%Y}{fin})"

    def clean(self):
        if self.fin and self.debut and self.fin < self.debut:
            raise ValidationError({"fin": "La fin de validité ne peut précéder son début."})
        if self.debut:
            for autre in VersionBareme.objects.exclude(pk=self.pk):
                if chevauche(self.debut, self.fin, autre.debut, autre.fin):
                    raise ValidationError(
                        {"debut": f"Cette période chevauche la version « {autre} »."}
                    )

    def grille(self, lignes=None) -> calcul.Grille:
        """This version as the pure calculator's data (pass prefetched lines to save a query)."""
        lignes = self.lignes.all() if lignes is None else lignes
        return calcul.Grille(
            libelle=self.libelle,
            debut=self.debut,
            fin=self.fin,
            pool_jours=self.pool_jours,
            prix_demi_journee=self.prix_demi_journee,
            lignes=tuple(ligne.vers_calcul() for ligne in lignes),
            mode_niveau1=calcul.ModeNiveau1(self.mode_niveau1),
            fondement_mode=self.fondement_mode,
        )

    @property
    def mode_libelle(self) -> str:
        return calcul.ModeNiveau1(self.mode_niveau1).libelle

    # A version that priced issued titres keeps its amounts and start (a new version instead);
    # it may still be ended, when its successor is created, after the last year it priced.
    CHAMPS_FIGES = ("debut", "pool_jours", "prix_demi_journee", "mode_niveau1", "fondement_mode")

    def save(self, *args, **kwargs):
        refuser_si_fige(self, self.CHAMPS_FIGES)
        if self.pk and self.fin and not self._state.adding:
            self._refuser_fin_avant_facturation()
        super().save(*args, **kwargs)

    def titres_tarifes(self):
        """The issued titres this version priced: contributions and complements of the years
        whose 1 January it covers, audits delivered while it was in force."""
        debut = self.debut
        annees = Q(annee__gte=debut.year if (debut.month, debut.day) == (1, 1) else debut.year + 1)
        livraison = Q(adhesion__audit_livre_le__gte=self.debut)
        if self.fin:
            annees &= Q(annee__lte=self.fin.year)
            livraison &= Q(adhesion__audit_livre_le__lte=self.fin)
        Nature = TitreDeRecettes.Nature
        return TitreDeRecettes.objects.filter(statut=TitreDeRecettes.Statut.EMIS).filter(
            (Q(nature__in=Nature.contributions()) & annees) | (Q(nature=Nature.AUDIT) & livraison)
        )

    def _refuser_fin_avant_facturation(self):
        ancienne = VersionBareme.objects.filter(pk=self.pk).first()
        if ancienne is None or ancienne.fin == self.fin:
            return
        annee = (
            ancienne.titres_tarifes()
            .filter(nature__in=TitreDeRecettes.Nature.contributions())
            .order_by("-annee")
            .values_list("annee", flat=True)
            .first()
        )
        if annee is not None and self.fin < date(annee, 1, 1):
            raise HistoriqueFige(
                f"La version « {self.libelle} » a tarifé l'année {annee} : elle ne peut finir "
                f"avant le 01/01/{annee}.",
                [self],
            )


def version_figee(version_id) -> str | None:
    """Why the lines of this version may no longer change (it priced issued titres)."""
    version = VersionBareme.objects.filter(pk=version_id).first()
    return raison_figee(version) if version else None


class LigneBareme(models.Model):
    """A row of the grid: one service, one population bracket (bounds exactly as P2)."""

    class Service(models.TextChoices):  # the values are calcul.Service's
        SOCLE_COMPLET = calcul.Service.SOCLE_COMPLET.value, "socle complet"
        AUDIT = calcul.Service.AUDIT.value, "audit"
        GROUPEMENT = calcul.Service.GROUPEMENT.value, "groupement d'achats"
        NIVEAU1 = calcul.Service.NIVEAU1.value, "dotation niveau 1"

    version = models.ForeignKey(
        VersionBareme, on_delete=models.CASCADE, related_name="lignes", verbose_name="version"
    )
    service = models.CharField("service", max_length=20, choices=Service.choices)
    tranche = models.CharField("tranche", max_length=100)
    borne_inf = models.PositiveIntegerField("à partir de (hab.)", null=True, blank=True)
    inf_incluse = models.BooleanField("borne basse incluse", default=True)
    borne_sup = models.PositiveIntegerField("jusqu'à (hab.)", null=True, blank=True)
    sup_incluse = models.BooleanField("borne haute incluse", default=False)
    part_fixe = models.DecimalField(
        "part fixe (€ HT)", max_digits=12, decimal_places=2, default=Decimal("0")
    )
    taux = models.DecimalField(
        "part variable (€ HT par habitant)", max_digits=8, decimal_places=4, default=Decimal("0")
    )
    jours = models.DecimalField(
        "dotation (jours)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    derogation_requise = models.BooleanField(
        "tarif dérogatoire requis (M6)",
        default=False,
        help_text="Le barème ne tarife pas cette tranche : un tarif dérogatoire est nécessaire.",
    )
    article = models.CharField("article de la convention", max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne du barème"
        verbose_name_plural = "lignes du barème"
        ordering = ["version", "service", F("borne_inf").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(part_fixe__gte=0) & Q(taux__gte=0),
                name="ligne_bareme_montants_positifs",
                violation_error_message="La part fixe et la part variable sont positives ou nulles.",
            ),
            models.CheckConstraint(
                condition=Q(jours__isnull=True) | Q(jours__gte=0),
                name="ligne_bareme_jours_positifs",
                violation_error_message="La dotation en jours est positive ou nulle.",
            ),
            models.CheckConstraint(
                condition=Q(borne_inf__isnull=True)
                | Q(borne_sup__isnull=True)
                | Q(borne_sup__gte=F("borne_inf")),
                name="ligne_bareme_bornes_ordonnees",
                violation_error_message="La borne haute ne peut être inférieure à la borne basse.",
            ),
        ]

    def __str__(self):
        return f"{self.get_service_display()} — {self.tranche}"

    def save(self, *args, **kwargs):
        raison = version_figee(self.version_id)
        if raison:
            raise HistoriqueFige(f"Ligne du barème non modifiable : {raison}", [self])
        super().save(*args, **kwargs)

    def vers_calcul(self) -> calcul.LigneGrille:
        return calcul.LigneGrille(
            service=calcul.Service(self.service),
            tranche=calcul.Tranche(
                libelle=self.tranche,
                borne_inf=self.borne_inf,
                inf_incluse=self.inf_incluse,
                borne_sup=self.borne_sup,
                sup_incluse=self.sup_incluse,
            ),
            part_fixe=self.part_fixe,
            taux=self.taux,
            jours=self.jours,
            derogation_requise=self.derogation_requise,
            article=self.article,
        )


# =============================================================================================
# Titres de recettes (B1–B8): the campaign, gap-free numbering, immutable snapshots
# =============================================================================================
