"""Niveau 1 missions (art. 3.2, 7.1.1): lettres de mission and time spent, in half-days (T6)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Sum
from simple_history.models import HistoricalRecords

from membres.models import Commune


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
    intervenants_dsi = models.TextField("intervenants de la DSI", blank=True)
    intervenants_membre = models.TextField("intervenants du membre", blank=True)
    debut = models.DateField("date de début")
    fin = models.DateField("date de fin prévue", null=True, blank=True)
    duree_prevue = models.CharField("durée prévue", max_length=100, blank=True)
    jours_prevus = models.DecimalField(
        "jours prévus", max_digits=5, decimal_places=1, null=True, blank=True
    )
    livrables = models.TextField("livrables", blank=True)
    diagnostic = models.BooleanField(
        "diagnostic (art. 4.1, note)",
        default=False,
        help_text="Nouveau diagnostic d'un membre sans socle complet, facturé dès la première demi-journée.",
    )
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "mission de niveau 1"
        verbose_name_plural = "missions de niveau 1"
        ordering = ["-debut"]
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
        ]

    def __str__(self):
        return f"{self.commune.nom} — {self.objet}"

    def clean(self):
        if self.fin and self.debut and self.fin < self.debut:
            raise ValidationError({"fin": "La fin de la mission ne peut précéder son début."})


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
    )
    demi_journees = models.PositiveSmallIntegerField("demi-journées")
    note = models.TextField("note", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "intervention"
        verbose_name_plural = "interventions"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(demi_journees__gt=0),
                name="intervention_demi_journees_positives",
                violation_error_message="Une intervention compte au moins une demi-journée.",
            ),
        ]

    def __str__(self):
        return f"{self.mission} — {self.date:%d/%m/%Y} ({self.demi_journees} demi-journée(s))"

    def clean(self):
        if self.mission_id and self.date:
            mission = self.mission
            if self.date < mission.debut or (mission.fin and self.date > mission.fin):
                fin = f" au {mission.fin:%d/%m/%Y}" if mission.fin else ""
                raise ValidationError(
                    {
                        "date": f"Cette date est hors de la mission (du {mission.debut:%d/%m/%Y}{fin})."
                    }
                )


def demi_journees_par_commune(annee: int, communes=None) -> dict[int, int]:
    """Niveau 1 half-days used in `annee`, per commune id (one query whatever the number)."""
    qs = Intervention.objects.filter(date__year=annee)
    if communes is not None:
        qs = qs.filter(mission__commune__in=communes)
    return {
        ligne["mission__commune"]: ligne["total"]
        for ligne in qs.values("mission__commune").annotate(total=Sum("demi_journees"))
    }
