"""A2 — the member's inventory: assets and contracts, each marked mutualisable or not, with
the service level it belongs to; validated by an audit."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from membres.models import Commune
from outils.dates import ajouter_mois, veille
from patrimoine.models.audits import MONTANT, Audit, NiveauService


class ElementInventaire(models.Model):
    """What an asset and a contract of the inventory have in common (A2)."""

    # Each subclass declares its ``commune`` and its ``audit`` (the audit that inventoried it).
    niveau_service = models.CharField(
        "niveau de service", max_length=20, choices=NiveauService.choices
    )
    mutualisable = models.BooleanField(
        "mutualisable",
        default=False,
        help_text="Peut être migré ou centralisé dans la salle Datacenter de Redon "
        "Agglomération (art. 2.3.2, 2.3.3).",
    )
    notes = models.TextField("notes", blank=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.audit_id and self.commune_id and self.audit.commune_id != self.commune_id:
            raise ValidationError({"audit": "Cet audit n'est pas celui de cette commune."})


class Bien(ElementInventaire):
    class Categorie(models.TextChoices):
        MATERIEL = "materiel", "matériel"
        LOGICIEL = "logiciel", "logiciel"
        IMMATERIEL = "immateriel", "immatériel"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="biens", verbose_name="commune"
    )
    audit = models.ForeignKey(
        Audit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="biens",
        verbose_name="audit qui l'a inventorié",
    )
    categorie = models.CharField("catégorie", max_length=20, choices=Categorie.choices)
    designation = models.CharField("désignation", max_length=200)
    reference = models.CharField(
        "référence", max_length=100, blank=True, help_text="N° de série, version, licence…"
    )
    emplacement = models.CharField("emplacement", max_length=150, blank=True)
    quantite = models.PositiveIntegerField("quantité", default=1)
    acquis_le = models.DateField("acquis le", null=True, blank=True)
    valeur_acquisition = models.DecimalField(
        "valeur d'acquisition HT (€)", null=True, blank=True, **MONTANT
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "bien"
        verbose_name_plural = "biens (inventaire)"
        ordering = ["commune__nom", "categorie", "designation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "categorie", "designation", "reference"],
                name="bien_unique_par_membre",
                violation_error_message="Ce bien figure déjà à l'inventaire de cette commune.",
            ),
            models.CheckConstraint(
                condition=Q(valeur_acquisition__isnull=True) | Q(valeur_acquisition__gte=0),
                name="bien_valeur_positive",
                violation_error_message="La valeur d'acquisition ne peut être négative.",
            ),
            models.CheckConstraint(
                condition=Q(quantite__gte=1),
                name="bien_quantite_positive",
                violation_error_message="La quantité est au moins 1.",
            ),
        ]

    def __str__(self):
        reference = f" ({self.reference})" if self.reference else ""
        return f"{self.designation}{reference}"


class Contrat(ElementInventaire):
    class Reconduction(models.TextChoices):
        AUCUNE = "aucune", "sans reconduction"
        TACITE = "tacite", "tacite reconduction"
        EXPRESSE = "expresse", "reconduction expresse"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="contrats", verbose_name="commune"
    )
    audit = models.ForeignKey(
        Audit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contrats",
        verbose_name="audit qui l'a inventorié",
    )
    bien = models.ForeignKey(
        Bien,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contrats",
        verbose_name="bien associé",
        help_text="Art. 2.3.2 : les contrats associés aux actifs mutualisables.",
    )
    fournisseur = models.CharField("fournisseur", max_length=150)
    objet = models.CharField("objet", max_length=250)
    reference = models.CharField("référence", max_length=100, blank=True)
    debut = models.DateField("début")
    fin = models.DateField("fin", null=True, blank=True, help_text="Vide : sans terme fixé.")
    preavis_mois = models.PositiveSmallIntegerField("préavis (mois)", default=0)
    cout_annuel = models.DecimalField("coût annuel HT (€)", **MONTANT)
    reconduction = models.CharField(
        "reconduction", max_length=20, choices=Reconduction.choices, default=Reconduction.AUCUNE
    )
    reconduction_details = models.CharField("modalités de reconduction", max_length=250, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats (inventaire)"
        ordering = ["commune__nom", "fournisseur", "objet", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "fournisseur", "objet", "debut"],
                name="contrat_unique_par_membre",
                violation_error_message="Ce contrat figure déjà à l'inventaire de cette commune.",
            ),
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=F("debut")),
                name="contrat_fin_apres_debut",
                violation_error_message="La fin du contrat ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(cout_annuel__gte=0),
                name="contrat_cout_positif",
                violation_error_message="Le coût annuel ne peut être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.fournisseur} — {self.objet}"

    @property
    def denoncer_avant_le(self) -> date | None:
        """The last day to give notice so that the contract ends on its end date: its préavis
        in months counted back from the day after (ending 31/12 with 3 months → 30/09)."""
        if self.fin is None:
            return None
        return veille(ajouter_mois(self.fin + timedelta(days=1), -self.preavis_mois))

    def clean(self):
        super().clean()
        if self.bien_id and self.commune_id and self.bien.commune_id != self.commune_id:
            raise ValidationError({"bien": "Ce bien n'est pas à l'inventaire de cette commune."})
