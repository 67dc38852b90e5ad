"""A3 — the register of transfers (art. 2.3.2, 2.3.3): a record per asset or contract, with
its study, its date and decision, and what the EPCI bears."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from membres.models import Adhesion, Formule
from patrimoine import calculs
from patrimoine.models.audits import MONTANT, NiveauService
from patrimoine.models.inventaire import Bien, Contrat


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
