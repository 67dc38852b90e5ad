"""Niveau 1 missions (art. 3.2, 7.1.1): lettres de mission and time spent, in half-days (T6).

A mission rests on a lettre de mission (art. 3.2.3): its object (objectives, stakes, risks), the
people on each side, the calendar and the planned workload, the deliverables. DSI staff record
their time against it in half-days; each member's yearly allowance, the shared pool and the
half-days billed beyond are computed in ``missions/dotations.py`` (T6).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from simple_history.models import HistoricalRecords

from membres.models import Adhesion, Commune

# A day has two half-days: one time entry covers at most one day of one agent (T6).
DEMI_JOURNEES_MAX_PAR_JOUR = 2


def _date(jour) -> str:
    return jour.strftime("%d/%m/%Y")


class Mission(models.Model):
    """A lettre de mission (art. 3.2.3) for one member."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "brouillon"
        SIGNEE = "signee", "signée"
        EN_COURS = "en_cours", "en cours"
        TERMINEE = "terminee", "terminée"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="missions", verbose_name="membre"
    )
    objet = models.CharField("objet", max_length=250)
    objectifs = models.TextField("objectifs", blank=True)
    enjeux = models.TextField("enjeux", blank=True)
    risques = models.TextField("risques", blank=True)
    intervenants_dsi = models.TextField(
        "interlocuteurs de la DSI", blank=True, help_text="Un nom par ligne, avec sa fonction."
    )
    intervenants_membre = models.TextField(
        "interlocuteurs du membre", blank=True, help_text="Un nom par ligne, avec sa fonction."
    )
    debut = models.DateField("date de début")
    fin = models.DateField(
        "date de fin prévue",
        null=True,
        blank=True,
        help_text="Aucune demi-journée ne peut être saisie après cette date.",
    )
    duree_prevue = models.CharField(
        "durée totale", max_length=100, blank=True, help_text="Par exemple « 3 mois »."
    )
    jours_prevus = models.DecimalField(
        "jours de travail prévus", max_digits=5, decimal_places=1, null=True, blank=True
    )
    organisation_calendrier = models.TextField("organisation du calendrier de travail", blank=True)
    livrables = models.TextField("livrables prévus", blank=True)
    diagnostic = models.BooleanField(
        "complément de diagnostic (art. 4.1, note)",
        default=False,
        help_text="Nouveau diagnostic d'un membre sans socle complet, facturé dès la première "
        "demi-journée.",
    )
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    signee_le = models.DateField(
        "lettre signée le",
        null=True,
        blank=True,
        help_text="Obligatoire dès que la lettre n'est plus un brouillon.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "mission de niveau 1"
        verbose_name_plural = "missions de niveau 1"
        ordering = ["-debut", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="mission_fin_apres_debut",
                violation_error_message="La fin de la mission ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(jours_prevus__isnull=True) | Q(jours_prevus__gte=0),
                name="mission_jours_prevus_positifs",
                violation_error_message="Les jours prévus sont positifs ou nuls.",
            ),
            models.CheckConstraint(
                condition=Q(statut="brouillon") | Q(signee_le__isnull=False),
                name="mission_signee_datee",
                violation_error_message="Une lettre de mission signée porte sa date de signature.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.commune.nom} — {self.objet}"

    @property
    def reference(self) -> str:
        """Number printed on the lettre de mission: LM-<year of start>-<id>."""
        annee = self.debut.year if self.debut else "----"
        return f"LM-{annee}-{self.pk or 0:04d}"

    @property
    def est_signee(self) -> bool:
        return self.statut != self.Statut.BROUILLON

    def clean(self):
        errors = {}
        if self.fin and self.debut and self.fin < self.debut:
            errors["fin"] = "La fin de la mission ne peut précéder son début."
        if self.est_signee and not self.signee_le:
            errors["signee_le"] = (
                "Indiquez la date de signature : une lettre de mission qui n'est plus un "
                "brouillon est signée."
            )
        if self.pk and not self.est_signee and self.interventions.exists():
            errors["statut"] = (
                "Du temps est déjà saisi sur cette mission : elle ne peut redevenir un brouillon."
            )
        if self.pk and self.commune_id and self.interventions.exists():
            avant = Mission.objects.filter(pk=self.pk).values_list("commune_id", flat=True).first()
            if avant != self.commune_id:
                errors["commune"] = (
                    "Du temps est déjà saisi pour ce membre sur cette mission : elle ne peut "
                    "changer de membre (ses demi-journées lui sont facturées)."
                )
        if self.pk and self.debut and not errors:
            # Shortening a mission must not leave recorded time outside its dates.
            hors = self.interventions.filter(date__lt=self.debut)
            if self.fin:
                hors = self.interventions.filter(Q(date__lt=self.debut) | Q(date__gt=self.fin))
            premiere = hors.order_by("date").first()
            if premiere:
                errors["debut" if premiere.date < self.debut else "fin"] = (
                    f"Des demi-journées sont déjà saisies hors de ces dates (la première le "
                    f"{_date(premiere.date)}) : corrigez-les d'abord."
                )
        if errors:
            raise ValidationError(errors)

    def demi_journees(self) -> int:
        return self.interventions.aggregate(total=Sum("demi_journees"))["total"] or 0


class Intervention(models.Model):
    """Time spent by a DSI agent on a mission, in half-days (T6)."""

    mission = models.ForeignKey(
        Mission, on_delete=models.PROTECT, related_name="interventions", verbose_name="mission"
    )
    date = models.DateField("date")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name="agent",
        limit_choices_to={"is_staff": True},
    )
    demi_journees = models.PositiveSmallIntegerField(
        "demi-journées",
        validators=[
            MinValueValidator(1, "Une intervention compte au moins une demi-journée."),
            MaxValueValidator(
                DEMI_JOURNEES_MAX_PAR_JOUR,
                "Une journée compte deux demi-journées : saisissez une intervention par jour.",
            ),
        ],
        help_text="1 = une demi-journée, 2 = une journée.",
    )
    note = models.TextField("note", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "intervention"
        verbose_name_plural = "interventions"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(demi_journees__gt=0),
                name="intervention_demi_journees_positives",
                violation_error_message="Une intervention compte au moins une demi-journée.",
            ),
            models.CheckConstraint(
                condition=Q(demi_journees__lte=DEMI_JOURNEES_MAX_PAR_JOUR),
                name="intervention_au_plus_une_journee",
                violation_error_message=(
                    "Une journée compte deux demi-journées : saisissez une intervention par jour."
                ),
            ),
        ]
        indexes = [models.Index(fields=["date"], name="intervention_date")]

    def __str__(self):
        return f"{self.mission} — {_date(self.date)} ({self.demi_journees} demi-journée(s))"

    def clean(self):
        try:
            # In the admin inline the mission may be the unsaved parent being edited.
            mission = self.mission
        except Mission.DoesNotExist:
            return
        if not self.date:
            return
        errors = {}
        if not mission.est_signee:
            errors["mission"] = (
                "La lettre de mission est encore un brouillon : faites-la signer avant d'y "
                "saisir du temps."
            )
        if self.date < mission.debut or (mission.fin and self.date > mission.fin):
            fin = f" au {_date(mission.fin)}" if mission.fin else ""
            errors["date"] = (
                f"Le {_date(self.date)} est hors des dates de la mission (du "
                f"{_date(mission.debut)}{fin}) : corrigez la date ou prolongez la mission."
            )
        elif (
            mission.commune_id
            and not Adhesion.objects.filter(commune_id=mission.commune_id)
            .pour_annee(self.date.year)
            .exists()
        ):
            # The half-days of a year are billed with the member's contribution of that year
            # (B1): without an adhesion in force that year they could never be billed.
            errors["date"] = (
                f"{mission.commune.nom} n'a aucune adhésion en vigueur en {self.date.year} : "
                "ces demi-journées ne pourraient pas être facturées."
            )
        if self.agent_id and not errors:
            if not self.agent.is_staff:
                errors["agent"] = "Seuls les agents de la DSI saisissent du temps."
            else:
                deja = (
                    Intervention.objects.filter(agent_id=self.agent_id, date=self.date)
                    .exclude(pk=self.pk)
                    .aggregate(total=Sum("demi_journees"))["total"]
                    or 0
                )
                if deja and deja + (self.demi_journees or 0) > DEMI_JOURNEES_MAX_PAR_JOUR:
                    errors["demi_journees"] = (
                        f"{self.agent.get_full_name() or self.agent.get_username()} a déjà "
                        f"{deja} demi-journée(s) saisie(s) le {_date(self.date)} : une journée "
                        "n'en compte que deux."
                    )
        if errors:
            raise ValidationError(errors)
