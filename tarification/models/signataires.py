"""B10 — the delegation register: who may sign the bordereaux of titres (CGCT L. 1617-5, 4°:
only the bordereau is signed, and its signatory must be identifiable): the ordonnateur and each
délégataire, with the dates of their power and the arrêté de délégation."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class SignataireQuerySet(models.QuerySet):
    def en_vigueur_le(self, jour: date):
        return self.filter(debut__lte=jour).filter(Q(fin__isnull=True) | Q(fin__gte=jour))


class Signataire(models.Model):
    class Role(models.TextChoices):
        ORDONNATEUR = "ordonnateur", "ordonnateur"
        DELEGATAIRE = "delegataire", "délégataire (délégation de signature)"

    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    prenom = models.CharField("prénom", max_length=100)
    nom = models.CharField("nom", max_length=100)
    qualite = models.CharField(
        "qualité", max_length=200, help_text="Par exemple : Président, Vice-président délégué."
    )
    debut = models.DateField("en fonction ou délégation du")
    fin = models.DateField("au (inclus)", null=True, blank=True)
    arrete_numero = models.CharField("n° de l'arrêté de délégation", max_length=50, blank=True)
    arrete_date = models.DateField("date de l'arrêté", null=True, blank=True)
    arrete = models.FileField(
        "arrêté de délégation (PDF)", upload_to="delegations/%Y/", max_length=255, blank=True
    )
    history = HistoricalRecords()

    objects = SignataireQuerySet.as_manager()

    class Meta:
        verbose_name = "signataire des bordereaux"
        verbose_name_plural = "registre des délégations de signature"
        ordering = ["-debut", "nom"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="signataire_fin_apres_debut",
                violation_error_message="La fin ne peut précéder le début.",
            ),
            models.CheckConstraint(
                condition=Q(role="ordonnateur")
                | (~Q(arrete_numero="") & Q(arrete_date__isnull=False)),
                name="delegataire_avec_arrete",
                violation_error_message="Une délégation cite son arrêté (numéro et date).",
            ),
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom}, {self.qualite}"

    @property
    def periode(self) -> str:
        fin = f"au {self.fin:%d/%m/%Y}" if self.fin else "sans date de fin"
        return f"du {self.debut:%d/%m/%Y} {fin}"

    def en_vigueur_le(self, jour: date) -> bool:
        return self.debut <= jour and (self.fin is None or jour <= self.fin)

    def clean(self):
        if self.role == self.Role.DELEGATAIRE and not (self.arrete_numero and self.arrete_date):
            raise ValidationError(
                {"arrete_numero": "Une délégation de signature cite son arrêté (numéro et date)."}
            )
        if self.fin and self.debut and self.fin < self.debut:
            raise ValidationError({"fin": "La fin ne peut précéder le début."})
