"""A1 — the audit: its life cycle read from the dates its acts record, its findings by axe and
its recommendations by priority; and the choices the inventory shares (axes, service levels)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from membres.models import Adhesion, Commune, Document, Formule
from outils.dates import ajouter_mois
from outils.formats import de_commune
from tarification.calcul import fin_fenetre_t5
from tarification.models import TitreDeRecettes

MONTANT = {"max_digits": 12, "decimal_places": 2}


class Axe(models.TextChoices):
    """The three axes of the audit (art. 4.1.3)."""

    ORGANISATION = "organisation", "axe 1 — organisation et management de l'information"
    INFRASTRUCTURE = "infrastructure", "axe 2 — management de l'infrastructure et du parc"
    RESSOURCES = "ressources", "axe 3 — gestion des ressources et des moyens financiers"


class NiveauService(models.TextChoices):
    """The socle complet's service levels an item belongs to (art. 3.3–3.5)."""

    NIVEAU2 = "niveau2", "niveau 2 — socle logiciel"
    NIVEAU3 = "niveau3", "niveau 3 — socle technique et infrastructure"
    NIVEAU4 = "niveau4", "niveau 4 — socle technique de proximité"
    HORS_SOCLE = "hors_socle", "hors socle"

    @classmethod
    def transferables(cls) -> list[str]:
        """A3 (art. 2.3.2, 2.3.3): only items of levels 2 and 3 may be transferred."""
        return [cls.NIVEAU2, cls.NIVEAU3]


class Audit(models.Model):
    class Origine(models.TextChoices):
        ANNEXE = "annexe", "socle annexe (audit demandé par délibération, facturé)"
        PREALABLE = "prealable", "audit préalable à une demande de socle complet (art. 3.1)"

    class Statut(models.TextChoices):
        DEMANDE = "demande", "demandé"
        PLANIFIE = "planifie", "planifié"
        EN_COURS = "en_cours", "en cours"
        LIVRE = "livre", "rapport remis"
        CLOS = "clos", "clos"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="audits", verbose_name="commune"
    )
    adhesion = models.ForeignKey(
        Adhesion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name="adhésion",
        help_text="Socle annexe : l'adhésion avec l'audit, qui le facture (T2). Audit préalable : "
        "l'adhésion au socle complet, une fois enregistrée.",
    )
    origine = models.CharField("origine", max_length=20, choices=Origine.choices)
    demande_le = models.DateField("demandé le")
    demande_reference = models.CharField(
        "demande", max_length=200, help_text="Délibération (n°, date) ou courrier de demande."
    )
    planifie_du = models.DateField("planifié du", null=True, blank=True)
    planifie_au = models.DateField("au", null=True, blank=True)
    commence_le = models.DateField("commencé le", null=True, blank=True)
    livre_le = models.DateField("rapport remis le", null=True, blank=True)
    rapport = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rapport d'audit",
    )
    inventaire_valide_le = models.DateField("inventaire validé le", null=True, blank=True)
    clos_le = models.DateField("clos le", null=True, blank=True)
    auditeur = models.CharField("agent de la DSI chargé de l'audit", max_length=150, blank=True)
    # T5 reminder: sent once (the daily command never sends it twice).
    rappel_t5_envoye_le = models.DateField(
        "rappel de la déduction (T5) envoyé le", null=True, blank=True, editable=False
    )
    notes = models.TextField("notes", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "audit"
        verbose_name_plural = "audits"
        ordering = ["commune__nom", "-demande_le"]
        constraints = [
            models.CheckConstraint(
                condition=Q(origine="prealable") | Q(adhesion__isnull=False),
                name="audit_annexe_avec_adhesion",
                violation_error_message="Un audit du socle annexe se rattache à son adhésion.",
            ),
            models.UniqueConstraint(
                fields=["adhesion"],
                condition=Q(origine="annexe"),
                name="audit_annexe_unique_par_adhesion",
                violation_error_message="Cette adhésion a déjà son audit.",
            ),
            models.CheckConstraint(
                condition=Q(planifie_au__isnull=True)
                | (Q(planifie_du__isnull=False) & Q(planifie_au__gte=F("planifie_du"))),
                name="audit_planning_ordonne",
                violation_error_message="La fin prévue de l'audit ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(commence_le__isnull=True) | Q(commence_le__gte=F("demande_le")),
                name="audit_commence_apres_demande",
                violation_error_message="Un audit ne commence pas avant d'être demandé.",
            ),
            models.CheckConstraint(
                condition=Q(livre_le__isnull=True)
                | (
                    Q(livre_le__gte=F("demande_le"))
                    & (Q(commence_le__isnull=True) | Q(livre_le__gte=F("commence_le")))
                ),
                name="audit_livre_apres_debut",
                violation_error_message="Le rapport ne peut être remis avant le début de l'audit.",
            ),
            models.CheckConstraint(
                condition=Q(clos_le__isnull=True)
                | (Q(livre_le__isnull=False) & Q(clos_le__gte=F("livre_le"))),
                name="audit_clos_apres_livraison",
                violation_error_message="Un audit se clôt après la remise de son rapport.",
            ),
            models.CheckConstraint(
                condition=Q(inventaire_valide_le__isnull=True)
                | (Q(livre_le__isnull=False) & Q(inventaire_valide_le__gte=F("demande_le"))),
                name="audit_inventaire_valide_par_audit_livre",
                violation_error_message=(
                    "L'inventaire est validé par un audit dont le rapport est remis."
                ),
            ),
        ]

    @property
    def titre(self) -> TitreDeRecettes | None:
        """T2 — the audit's titre, once the finance officer issued it from the recorded delivery
        (the latest issued on its adhesion; None for a préalable or before issue)."""
        if not self.est_facture or self.adhesion_id is None or self.livre_le is None:
            return None
        return (
            TitreDeRecettes.objects.emis()
            .filter(adhesion_id=self.adhesion_id, nature=TitreDeRecettes.Nature.AUDIT)
            .order_by("-pk")
            .first()
        )

    def __str__(self):
        return f"Audit {de_commune(self.commune.nom)} demandé le {self.demande_le:%d/%m/%Y}"

    # --- A1: the state, read from the dates the acts record ----------------------------------
    @property
    def statut(self) -> str:
        if self.clos_le:
            return self.Statut.CLOS
        if self.livre_le:
            return self.Statut.LIVRE
        if self.commence_le:
            return self.Statut.EN_COURS
        if self.planifie_du:
            return self.Statut.PLANIFIE
        return self.Statut.DEMANDE

    def get_statut_display(self) -> str:
        return self.Statut(self.statut).label

    @property
    def etapes(self) -> list[tuple[str, date | None]]:
        """The life cycle, each step with its date (None: not reached)."""
        return [
            ("demandé", self.demande_le),
            ("planifié", self.planifie_du),
            ("en cours", self.commence_le),
            ("rapport remis", self.livre_le),
            ("clos", self.clos_le),
        ]

    @property
    def est_facture(self) -> bool:
        """T2 (decision): only the audit bought on its own (socle annexe) is billed."""
        return self.origine == self.Origine.ANNEXE

    @property
    def fin_fenetre_t5(self) -> date | None:
        """T5 — the last date d'effet of a socle complet that still deducts this audit."""
        if not self.est_facture or self.livre_le is None:
            return None
        return fin_fenetre_t5(self.livre_le)

    @property
    def debut_rappel_t5(self) -> date | None:
        """T5 — the reminder goes out one month before the window closes."""
        fin = self.fin_fenetre_t5
        return ajouter_mois(fin, -1) if fin else None

    def clean(self):
        errors = {}
        if self.adhesion_id and self.commune_id and self.adhesion.commune_id != self.commune_id:
            errors["adhesion"] = "Cette adhésion n'est pas celle de cette commune."
        elif self.origine == self.Origine.ANNEXE:
            if not self.adhesion_id:
                errors["adhesion"] = "Un audit du socle annexe se rattache à son adhésion."
            elif not self.adhesion.audit:
                errors["adhesion"] = (
                    "Cette adhésion ne comprend pas l'audit (socle annexe) : choisissez l'origine "
                    "« audit préalable à une demande de socle complet »."
                )
        elif self.adhesion_id and self.adhesion.formule != Formule.SOCLE_COMPLET:
            errors["adhesion"] = "Un audit préalable se rattache à une adhésion au socle complet."
        if errors:
            raise ValidationError(errors)


class Constat(models.Model):
    """A1 — a finding of the audit, on one of its axes (4.1.3)."""

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="constats", verbose_name="audit"
    )
    axe = models.CharField("axe", max_length=20, choices=Axe.choices)
    texte = models.TextField("constat")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "constat"
        verbose_name_plural = "constats"
        ordering = ["axe", "ordre", "pk"]

    def __str__(self):
        return self.texte[:80]


class Preconisation(models.Model):
    """A1 — a recommendation of the audit (4.1.2), with its priority."""

    class Priorite(models.IntegerChoices):
        HAUTE = 1, "priorité 1 — haute"
        MOYENNE = 2, "priorité 2 — moyenne"
        BASSE = 3, "priorité 3 — basse"

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="preconisations", verbose_name="audit"
    )
    axe = models.CharField("axe", max_length=20, choices=Axe.choices)
    texte = models.TextField("préconisation")
    priorite = models.PositiveSmallIntegerField(
        "priorité", choices=Priorite.choices, default=Priorite.MOYENNE
    )

    class Meta:
        verbose_name = "préconisation"
        verbose_name_plural = "préconisations"
        ordering = ["priorite", "axe", "pk"]

    def __str__(self):
        return self.texte[:80]
