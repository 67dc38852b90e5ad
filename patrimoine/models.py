"""The audit, the member's inventory, the register of transferred assets and contracts, and the
état de sortie (A1–A4; convention art. 2.3.2, 2.3.3, 2.4, 3.1, 4.1).

- An **audit** (A1) is requested (by délibération for the socle annexe, or as the préalable of a
  socle complet request, 3.1), scheduled, in progress, delivered, closed: its state is read
  from the dates its acts record (``patrimoine/actes.py``), so that it cannot disagree with
  them. The delivery of a socle annexe audit prices it (T2) through billing's act, which keeps
  the delivery date on the adhesion (T5 counts from it).
- The **inventory** (A2): the member's assets and contracts, each marked mutualisable or not,
  with the service level it belongs to; validated by an audit.
- The **register** (A3): a transfer record per asset or contract (study, date, decision; what
  the EPCI bears). Only for a member with the socle complet, for mutualisable items of service
  levels 2 and 3, after a recorded study (``verifier_transfert``).
- The **état de sortie** (A4): its lines, computed from the register at the member's last day
  (``patrimoine/sortie.py``) or entered by the DSI (penalties, what the résiliation
  délibération decides), validated, then issued as the frais de sortie titre.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from membres.models import Adhesion, Commune, Document, Formule
from outils.dates import ajouter_mois, veille
from patrimoine import calculs
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


# =============================================================================================
# A1 — the audit
# =============================================================================================


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
    titre = models.ForeignKey(
        TitreDeRecettes,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="titre de l'audit (T2)",
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

    def __str__(self):
        return f"Audit de {self.commune.nom} demandé le {self.demande_le:%d/%m/%Y}"

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


# =============================================================================================
# A2 — the inventory
# =============================================================================================


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


# =============================================================================================
# A3 — the register of transfers
# =============================================================================================


def verifier_transfert(element: Bien | Contrat, le: date | None, etude_le: date | None) -> dict:
    """A3 (art. 2.3.2, 2.3.3) — the one place of the rule: a transfer concerns a member with the
    socle complet in force on its date, a mutualisable item of service level 2 or 3, after a
    study. Returns the errors by field (empty: the transfer may be recorded)."""
    errors = {}
    if element.niveau_service not in NiveauService.transferables():
        errors["__all__"] = (
            f"« {element} » relève du {NiveauService(element.niveau_service).label} : seuls les "
            "biens et contrats des niveaux de service 2 et 3 se transfèrent (art. 2.3.2, 2.3.3)."
        )
    elif not element.mutualisable:
        errors["__all__"] = (
            f"« {element} » n'est pas mutualisable : il ne peut être transféré à l'EPCI "
            "(art. 2.3.2, 2.3.3)."
        )
    if le is not None:
        socle = (
            Adhesion.objects.filter(commune_id=element.commune_id, formule=Formule.SOCLE_COMPLET)
            .en_vigueur_le(le)
            .exists()
        )
        if not socle:
            errors.setdefault(
                "__all__",
                f"{element.commune.nom} n'a pas le socle complet en vigueur le {le:%d/%m/%Y} : "
                "seuls ses membres transfèrent biens et contrats (art. 2.3.2, 2.3.3).",
            )
        if etude_le is not None and etude_le > le:
            errors["etude_le"] = "L'étude précède le transfert (art. 2.3.2, 2.3.3)."
    return errors


class Transfert(models.Model):
    """What the transfer of an asset and of a contract have in common: the study, the date."""

    etude_le = models.DateField("étude réalisée le")
    etude_conclusion = models.TextField("conclusion de l'étude")
    decision_numero = models.CharField("n° de la décision", max_length=50, blank=True)
    decision_date = models.DateField("date de la décision", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def decision(self) -> str:
        if not self.decision_numero:
            return ""
        return f"décision n° {self.decision_numero} du {self.decision_date:%d/%m/%Y}"


class TransfertBien(Transfert):
    """A3 (art. 2.3.2) — from its transfer date, the EPCI bears the asset's depreciation."""

    bien = models.OneToOneField(
        Bien, on_delete=models.PROTECT, related_name="transfert", verbose_name="bien"
    )
    transfere_le = models.DateField("transféré le")
    valeur = models.DecimalField(
        "valeur reprise HT (€)",
        help_text="Valeur nette à la date du transfert, que l'EPCI amortit.",
        **MONTANT,
    )
    duree_amortissement_ans = models.PositiveSmallIntegerField(
        "durée d'amortissement (années)", help_text="À compter de la date du transfert."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "transfert d'un bien"
        verbose_name_plural = "transferts de biens (registre)"
        ordering = ["bien__commune__nom", "transfere_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(etude_le__lte=F("transfere_le")),
                name="transfert_bien_apres_etude",
                violation_error_message="L'étude précède le transfert (art. 2.3.2).",
            ),
            models.CheckConstraint(
                condition=~Q(decision_numero="") & Q(decision_date__isnull=False),
                name="transfert_bien_decide",
                violation_error_message="Un transfert se fait par une décision (n°, date).",
            ),
            models.CheckConstraint(
                condition=Q(valeur__gte=0),
                name="transfert_bien_valeur_positive",
                violation_error_message="La valeur reprise ne peut être négative.",
            ),
            models.CheckConstraint(
                condition=Q(duree_amortissement_ans__gte=1),
                name="transfert_bien_duree_positive",
                violation_error_message="La durée d'amortissement est d'un an au moins.",
            ),
        ]

    def __str__(self):
        return f"Transfert de {self.bien} le {self.transfere_le:%d/%m/%Y}"

    @property
    def fin_amortissement(self) -> date:
        return calculs.fin_amortissement(self.transfere_le, self.duree_amortissement_ans)

    def valeur_restante(self, jour: date) -> calculs.ProRata:
        """The value not yet depreciated at the end of ``jour`` (straight line, to the day)."""
        return calculs.valeur_restante(
            valeur=self.valeur,
            debut=self.transfere_le,
            duree_ans=self.duree_amortissement_ans,
            jour=jour,
        )

    def clean(self):
        errors = {}
        if self.bien_id:
            errors.update(verifier_transfert(self.bien, self.transfere_le, self.etude_le))
        if not self.decision_numero or not self.decision_date:
            errors["decision_numero"] = "Un transfert se fait par une décision (n°, date)."
        if errors:
            raise ValidationError(errors)


class TransfertContrat(Transfert):
    """A3 (art. 2.3.3) — what becomes of a contract of the member: taken over by the EPCI, or a
    contract the EPCI concluded for the member (the EPCI then bears it, A4 reimburses what is
    left after the member's last day); terminated by the member with its notice; or in a
    transition while the supplier still bills the member."""

    class Sort(models.TextChoices):
        REPRIS = "repris", "transféré à l'EPCI"
        CONCLU = "conclu", "conclu par l'EPCI pour le membre"
        DENONCE = "denonce", "dénoncé par le membre"
        TRANSITION = "transition", "période transitoire (le fournisseur facture encore le membre)"

        @classmethod
        def portes_par_epci(cls) -> list[str]:
            return [cls.REPRIS, cls.CONCLU]

    class ALaSortie(models.TextChoices):
        """A4 (art. 2.4): "transférés au Membre, ou donnent lieu à un remboursement"."""

        REMBOURSE = "rembourse", "remboursé par le membre pour sa validité restante"
        REPRIS_PAR_LE_MEMBRE = "repris", "transféré au membre"

    contrat = models.OneToOneField(
        Contrat, on_delete=models.PROTECT, related_name="transfert", verbose_name="contrat"
    )
    sort = models.CharField("sort du contrat", max_length=20, choices=Sort.choices)
    le = models.DateField(
        "date",
        help_text="Du transfert, de la conclusion, de la dénonciation ou du début de la "
        "période transitoire.",
    )
    # Borne by the EPCI (taken over or concluded): the contract's own period and its price (A4).
    periode_debut = models.DateField("période du contrat : début", null=True, blank=True)
    periode_fin = models.DateField("période du contrat : fin", null=True, blank=True)
    montant_periode = models.DecimalField(
        "prix HT de la période (€)",
        null=True,
        blank=True,
        help_text="Ce que l'EPCI paie au fournisseur pour cette période.",
        **MONTANT,
    )
    prend_fin_le = models.DateField(
        "prend fin le (dénonciation)", null=True, blank=True, help_text="Compte tenu du préavis."
    )
    fin_transition_prevue = models.DateField(
        "fin prévue de la période transitoire", null=True, blank=True
    )
    a_la_sortie = models.CharField(
        "à la sortie du membre (art. 2.4)",
        max_length=20,
        choices=ALaSortie.choices,
        default=ALaSortie.REMBOURSE,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "transfert d'un contrat"
        verbose_name_plural = "transferts de contrats (registre)"
        ordering = ["contrat__commune__nom", "le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(etude_le__lte=F("le")),
                name="transfert_contrat_apres_etude",
                violation_error_message="L'étude précède le sort du contrat (art. 2.3.3).",
            ),
            models.CheckConstraint(
                condition=~Q(sort__in=["repris", "conclu"])
                | (
                    ~Q(decision_numero="")
                    & Q(decision_date__isnull=False)
                    & Q(periode_debut__isnull=False)
                    & Q(periode_fin__gte=F("periode_debut"))
                    & Q(montant_periode__gte=0)
                ),
                name="transfert_contrat_porte_complet",
                violation_error_message=(
                    "Un contrat que porte l'EPCI a sa décision, sa période et son prix."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(sort="denonce") | Q(prend_fin_le__isnull=False),
                name="transfert_contrat_denonce_date",
                violation_error_message="Un contrat dénoncé a la date à laquelle il prend fin.",
            ),
        ]

    def __str__(self):
        return f"{self.contrat} : {self.get_sort_display()} le {self.le:%d/%m/%Y}"

    @property
    def porte_par_epci(self) -> bool:
        return self.sort in self.Sort.portes_par_epci()

    def clean(self):
        errors = {}
        if self.contrat_id:
            errors.update(verifier_transfert(self.contrat, self.le, self.etude_le))
        if self.porte_par_epci:
            if not self.decision_numero or not self.decision_date:
                errors["decision_numero"] = (
                    "Un contrat repris ou conclu par l'EPCI l'est par une décision (n°, date)."
                )
            for champ, libelle in [
                ("periode_debut", "le début"),
                ("periode_fin", "la fin"),
                ("montant_periode", "le prix"),
            ]:
                if getattr(self, champ) is None:
                    errors[champ] = f"Indiquez {libelle} de la période du contrat que porte l'EPCI."
            if self.periode_debut and self.periode_fin and self.periode_fin < self.periode_debut:
                errors["periode_fin"] = "La fin de la période ne peut précéder son début."
        if self.sort == self.Sort.DENONCE and self.prend_fin_le is None:
            errors["prend_fin_le"] = "Indiquez la date à laquelle le contrat dénoncé prend fin."
        if errors:
            raise ValidationError(errors)


# =============================================================================================
# A4 — the état de sortie
# =============================================================================================


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
        return f"État de sortie de {self.adhesion.commune.nom} ({self.dernier_jour:%d/%m/%Y})"

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
