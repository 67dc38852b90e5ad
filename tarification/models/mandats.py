"""B4 — the correction of a titre whose exercice is closed: a request for a mandat d'annulation
at account 673 (« titres annulés sur exercices antérieurs »), not a negative titre."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tarification.models.titres import Campagne, LigneTitre, TitreDeRecettes


class DemandeMandatQuerySet(models.QuerySet):
    def en_vigueur(self):
        """The requests that correct what is billed: requested or issued, not refused."""
        return self.exclude(etat=DemandeMandat.Etat.REFUSEE)


class DemandeMandat(models.Model):
    """B4 — the ordonnateur's request to cancel part of a titre of a closed exercice by a mandat
    at account 673, line by line (``ligne``, ``montant``), with the reason.

    Once an exercice is closed (after its journée complémentaire, 31 January of the next year)
    a titre can no longer be reduced by a negative titre: the correction is an expense of the
    current exercice. From the moment it is requested, it counts as a correction of the line in
    what is billed (``deja_facture``), so that the next campaign neither bills nor requests it
    again; a refused request no longer counts (the difference is shown again).
    """

    class Etat(models.TextChoices):
        DEMANDEE = "demandee", "demandée"
        EMISE = "emise", "mandat émis"
        REFUSEE = "refusee", "refusée"

    titre = models.ForeignKey(
        TitreDeRecettes,
        on_delete=models.PROTECT,
        related_name="demandes_mandat",
        verbose_name="titre concerné",
    )
    ligne = models.ForeignKey(
        LigneTitre,
        on_delete=models.PROTECT,
        related_name="demandes_mandat",
        verbose_name="ligne concernée",
    )
    montant = models.DecimalField("montant à annuler (€)", max_digits=12, decimal_places=2)
    motif = models.TextField("motif")
    compte = models.CharField("compte", max_length=10, default="673")
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.DEMANDEE)
    demandee_le = models.DateField("demandée le")
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandée par",
    )
    campagne = models.ForeignKey(
        Campagne,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demandes_mandat",
        verbose_name="campagne",
        help_text="Le lancement de campagne qui a fait la demande, le cas échéant.",
    )
    numero_mandat = models.CharField("n° du mandat", max_length=50, blank=True)
    decidee_le = models.DateField("mandat émis ou refusé le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    objects = DemandeMandatQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de mandat d'annulation (compte 673)"
        verbose_name_plural = "demandes de mandat d'annulation (compte 673)"
        ordering = ["-demandee_le", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gt=0) & ~Q(motif=""),
                name="mandat_montant_et_motif",
                violation_error_message="Une demande de mandat porte un montant positif et un motif.",
            ),
            models.CheckConstraint(
                condition=Q(etat="demandee")
                | (Q(etat="emise") & ~Q(numero_mandat="") & Q(decidee_le__isnull=False))
                | (Q(etat="refusee") & ~Q(motif_refus="") & Q(decidee_le__isnull=False)),
                name="mandat_etat_complet",
                violation_error_message="Un mandat émis a son numéro et sa date ; un refus, sa "
                "date et son motif.",
            ),
        ]

    def __str__(self):
        return (
            f"Mandat (compte {self.compte}) sur le titre n° {self.titre.numero} "
            f"(exercice {self.titre.exercice}) : {self.montant} € — {self.get_etat_display()}"
        )
