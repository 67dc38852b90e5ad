"""A4 — the état de sortie (art. 2.4) and its lines, computed from the register or entered by
the DSI; validated, then issued as the frais de sortie titre."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from membres.models import Adhesion, Commune
from outils.formats import de_commune
from patrimoine.models.audits import MONTANT
from patrimoine.models.registre import TransfertBien, TransfertContrat
from tarification.models import TitreDeRecettes


class EtatDeSortie(models.Model):
    """A4 (art. 2.4) — what a member in préavis owes at its exit, computed from the register at
    its last day; validated by the DSI, then issued by finance as the frais de sortie titre."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "à valider"
        VALIDE = "valide", "validé par la DSI"
        EMIS = "emis", "émis (titre de frais de sortie)"

    adhesion = models.OneToOneField(
        Adhesion,
        on_delete=models.PROTECT,
        related_name="etat_de_sortie",
        verbose_name="adhésion résiliée",
    )
    dernier_jour = models.DateField("dernier jour de l'adhésion")
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    total = models.DecimalField("total facturé HT (€)", default=0, **MONTANT)
    calcule_le = models.DateTimeField("calculé le")
    calcule_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="calculé par",
    )
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    titre = models.OneToOneField(
        TitreDeRecettes,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="titre de frais de sortie",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "état de sortie"
        verbose_name_plural = "états de sortie"
        ordering = ["adhesion__commune__nom"]
        permissions = [("valider_etatdesortie", "Peut valider un état de sortie")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="etat_sortie_total_positif",
                violation_error_message="Le total d'un état de sortie ne peut être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(statut="brouillon") | Q(valide_le__isnull=False),
                name="etat_sortie_valide_date",
                violation_error_message="Un état validé a sa date de validation.",
            ),
            models.CheckConstraint(
                condition=~Q(statut="emis") | Q(titre__isnull=False),
                name="etat_sortie_emis_avec_titre",
                violation_error_message="Un état émis a son titre de frais de sortie.",
            ),
        ]

    def __str__(self):
        return (
            f"État de sortie {de_commune(self.adhesion.commune.nom)} ({self.dernier_jour:%d/%m/%Y})"
        )

    @property
    def commune(self) -> Commune:
        return self.adhesion.commune

    @property
    def modifiable(self) -> bool:
        return self.statut == self.Statut.BROUILLON

    def empreinte(self, lignes=None) -> str:
        """A fingerprint of what the DSI validates (last day and every line), so that a
        validation refers to the état as it was shown."""
        lignes = self.lignes.order_by("ordre", "pk") if lignes is None else lignes
        contenu = "\n".join(
            f"{ligne.nature}|{ligne.libelle}|{ligne.base}|{ligne.montant}|{ligne.valeur}"
            for ligne in lignes
        )
        return hashlib.sha256(f"{self.dernier_jour}\n{contenu}".encode()).hexdigest()[:32]


class LigneEtatDeSortie(models.Model):
    class Nature(models.TextChoices):
        REMBOURSEMENT = "remboursement", "contrat remboursé pour sa validité restante"
        REPRISE = "reprise", "contrat transféré au membre"
        ECHU = "echu", "contrat échu au dernier jour"
        RESTITUTION = "restitution", "bien restitué au membre"
        PENALITE = "penalite", "pénalité de transfert ou de résiliation anticipée"
        DELIBERATION = "deliberation", "somme décidée par la délibération de résiliation"

        @classmethod
        def saisies(cls) -> list[str]:
            """Entered by the DSI (the others are computed from the register)."""
            return [cls.PENALITE, cls.DELIBERATION]

        @classmethod
        def pour_memoire(cls) -> list[str]:
            """Shown with their value, never billed."""
            return [cls.REPRISE, cls.ECHU, cls.RESTITUTION]

    etat = models.ForeignKey(
        EtatDeSortie, on_delete=models.CASCADE, related_name="lignes", verbose_name="état"
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    nature = models.CharField("nature", max_length=20, choices=Nature.choices)
    libelle = models.CharField("libellé", max_length=200)
    base = models.TextField("base de liquidation")
    montant = models.DecimalField("montant facturé HT (€)", **MONTANT)
    valeur = models.DecimalField(
        "valeur pour mémoire (€)",
        null=True,
        blank=True,
        help_text="Valeur restante d'un bien restitué, part d'un contrat transféré au membre.",
        **MONTANT,
    )
    transfert_contrat = models.ForeignKey(
        TransfertContrat,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="contrat",
    )
    transfert_bien = models.ForeignKey(
        TransfertBien,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bien",
    )

    class Meta:
        verbose_name = "ligne d'un état de sortie"
        verbose_name_plural = "lignes d'un état de sortie"
        ordering = ["etat", "ordre", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="ligne_sortie_montant_positif",
                violation_error_message="Un montant de l'état de sortie ne peut être négatif.",
            ),
            models.CheckConstraint(
                condition=~Q(nature__in=["reprise", "echu", "restitution"]) | Q(montant=0),
                name="ligne_sortie_pour_memoire_non_facturee",
                violation_error_message="Une ligne pour mémoire n'est pas facturée.",
            ),
            models.CheckConstraint(
                condition=~Q(base=""),
                name="ligne_sortie_avec_base",
                violation_error_message="Chaque ligne a sa base de liquidation (B5).",
            ),
        ]

    def __str__(self):
        return self.libelle

    @property
    def saisie(self) -> bool:
        return self.nature in self.Nature.saisies()

    @property
    def facturee(self) -> bool:
        return self.montant > 0
