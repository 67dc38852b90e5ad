"""Disputes (convention art. 2.5): "en tout premier lieu une procédure de conciliation ou de
médiation", the tribunal administratif de Rennes only once it has failed.

A dispute concerns a member, and possibly one of its titres. It is kept with billing because a
titre's page (and its recouvrement) must read it and billing imports no app above it; the
upper apps (the register of transfers, the bilan) read it from here.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Litige(models.Model):
    class Partie(models.TextChoices):
        MEMBRE = "membre", "le membre"
        EPCI = "epci", "Redon Agglomération"

    class Issue(models.TextChoices):
        ACCORD = "accord", "accord amiable"
        ECHEC = "echec", "échec de la conciliation : le tribunal administratif peut être saisi"
        ABANDON = "abandon", "différend abandonné"

    commune = models.ForeignKey(
        "membres.Commune", on_delete=models.PROTECT, related_name="litiges", verbose_name="membre"
    )
    titre = models.ForeignKey(
        "tarification.TitreDeRecettes",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="litiges",
        verbose_name="titre contesté",
    )
    objet = models.CharField("objet du différend", max_length=250)
    souleve_par = models.CharField(
        "soulevé par", max_length=20, choices=Partie.choices, default=Partie.MEMBRE
    )
    ouvert_le = models.DateField("ouvert le")
    clos_le = models.DateField("clos le", null=True, blank=True)
    issue = models.CharField("issue", max_length=20, choices=Issue.choices, blank=True)
    issue_detail = models.TextField("issue : précisions", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "litige (art. 2.5)"
        verbose_name_plural = "litiges (art. 2.5)"
        ordering = ["-ouvert_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(clos_le__isnull=True) & Q(issue=""))
                | (Q(clos_le__gte=F("ouvert_le")) & ~Q(issue="")),
                name="litige_clos_avec_issue",
                violation_error_message=(
                    "Un litige clos a son issue, après son ouverture ; un litige ouvert n'en a pas."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.commune.nom} — {self.objet}"

    @property
    def en_cours(self) -> bool:
        return self.clos_le is None

    @property
    def statut(self) -> str:
        if self.en_cours:
            return "en cours de conciliation" if self.pk and self.etapes.exists() else "ouvert"
        return self.get_issue_display()

    def clean(self):
        errors = {}
        if self.titre_id and self.commune_id and self.titre.commune_id != self.commune_id:
            errors["titre"] = "Ce titre n'est pas à l'ordre de ce membre."
        if (self.clos_le is None) != (not self.issue):
            errors["issue"] = "Un litige clos a son issue et sa date de clôture."
        elif self.clos_le and self.clos_le < self.ouvert_le:
            errors["clos_le"] = "Un litige ne se clôt pas avant d'être ouvert."
        if errors:
            raise ValidationError(errors)


class EtapeLitige(models.Model):
    """A step of the conciliation or the mediation (art. 2.5)."""

    class Nature(models.TextChoices):
        CONCILIATION = "conciliation", "conciliation"
        MEDIATION = "mediation", "médiation"

    litige = models.ForeignKey(
        Litige, on_delete=models.CASCADE, related_name="etapes", verbose_name="litige"
    )
    nature = models.CharField("nature", max_length=20, choices=Nature.choices)
    le = models.DateField("date")
    intervenant = models.CharField("conciliateur ou médiateur", max_length=200, blank=True)
    compte_rendu = models.TextField("compte rendu", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "étape de conciliation ou de médiation"
        verbose_name_plural = "étapes de conciliation ou de médiation"
        ordering = ["le", "pk"]

    def __str__(self):
        return f"{self.get_nature_display()} du {self.le:%d/%m/%Y}"

    def clean(self):
        if self.litige_id and self.le:
            if self.le < self.litige.ouvert_le:
                raise ValidationError({"le": "Cette étape précède l'ouverture du litige."})
            if self.litige.clos_le and self.le > self.litige.clos_le:
                raise ValidationError({"le": "Cette étape suit la clôture du litige."})
