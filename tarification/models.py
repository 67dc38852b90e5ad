"""The tariff grid (barème, art. 7) as versioned data, and the issuing body's settings."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from servicecommun.dates import chevauche
from tarification import calcul


class Emetteur(models.Model):
    """The issuing body (ordonnateur) of the titres: Redon Agglomération. One row (pk=1)."""

    nom = models.CharField("nom", max_length=200)
    siren = models.CharField(
        "SIREN", max_length=9, validators=[RegexValidator(r"^\d{9}$", "9 chiffres.")]
    )
    siret = models.CharField(
        "SIRET", max_length=14, blank=True, validators=[RegexValidator(r"^\d{14}$", "14 chiffres.")]
    )
    adresse = models.CharField("adresse", max_length=200)
    code_postal = models.CharField("code postal", max_length=5)
    ville = models.CharField("ville", max_length=120)
    ordonnateur_prenom = models.CharField("prénom de l'ordonnateur", max_length=100, blank=True)
    ordonnateur_nom = models.CharField("nom de l'ordonnateur", max_length=100, blank=True)
    ordonnateur_qualite = models.CharField(
        "qualité de l'ordonnateur", max_length=150, default="Président"
    )
    budget = models.CharField("budget", max_length=100, default="Budget principal")
    comptable_public = models.TextField(
        "comptable public", blank=True, help_text="Nom et adresse du comptable assignataire."
    )
    modalites_paiement = models.TextField(
        "modalités de paiement",
        blank=True,
        help_text="Où et comment payer : virement à la Banque de France (IBAN du comptable), etc.",
    )
    mention_tva = models.CharField(
        "mention TVA (T10)",
        max_length=250,
        default="TVA non applicable : contribution d'une personne publique à un service commun "
        "(hors champ de la TVA).",
    )
    tribunal = models.CharField(
        "juridiction compétente (art. 2.5)",
        max_length=150,
        default="tribunal administratif de Rennes",
    )
    imputation_contribution = models.CharField(
        "imputation : contribution annuelle", max_length=50, default="70875"
    )
    imputation_audit = models.CharField("imputation : audit", max_length=50, default="70875")
    imputation_refacturation = models.CharField(
        "imputation : refacturation de mandat", max_length=50, blank=True
    )
    imputation_appel_de_fonds = models.CharField(
        "imputation : appel de fonds", max_length=50, blank=True
    )
    imputation_frais_sortie = models.CharField(
        "imputation : frais de sortie", max_length=50, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "émetteur des titres"
        verbose_name_plural = "émetteur des titres"

    def __str__(self):
        return self.nom

    @classmethod
    def courant(cls) -> "Emetteur | None":
        return cls.objects.filter(pk=1).first()

    def save(self, *args, **kwargs):
        self.pk = 1  # a single issuer
        super().save(*args, **kwargs)


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
        )


class LigneBareme(models.Model):
    """A row of the grid: one service, one population bracket (bounds exactly as P2)."""

    Service = models.TextChoices(
        "Service",
        [
            (s.value, label)
            for s, label in [
                (calcul.Service.SOCLE_COMPLET, "socle complet"),
                (calcul.Service.AUDIT, "audit"),
                (calcul.Service.GROUPEMENT, "groupement d'achats"),
                (calcul.Service.NIVEAU1, "dotation niveau 1"),
            ]
        ],
    )

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
