"""The issuing body (ordonnateur) of the titres and its settings (B5, B6)."""

from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords


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
