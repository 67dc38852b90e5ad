"""Members of the service commun and their adhésions (convention art. 1, 2, 6.2, 8).

Rules (docs/regles.md): M1 formulas, M2 history of choices, M3 tacit renewal,
M4 résiliation, M5 contacts, M6 review / tarif dérogatoire, M7 établissements, P1 populations.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from membres.codes_tiers import (  # noqa: F401 (read as membres.models.* elsewhere)
    CATEGORIE_PAR_TYPE_ETABLISSEMENT,
    CategorieTiers,
    NatureJuridique,
    erreur_siret_siren,
)
from membres.fichiers import verifier_fichier
from outils.dates import ajouter_mois, chevauche, veille
from outils.formats import formater_euros, quantite_unite
from outils.historique import refuser_si_fige
from outils.identifiants import valider_siren, valider_siret
from outils.requetes import OrdreFrancais

insee_validator = RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Le code INSEE compte 5 caractères.")
code_postal_validator = RegexValidator(r"^\d{5}$", "Le code postal compte 5 chiffres.")


def aujourdhui() -> date:
    return timezone.localdate()


class Commune(models.Model):
    code_insee = models.CharField(
        "code INSEE", max_length=5, unique=True, validators=[insee_validator]
    )
    nom = models.CharField("nom", max_length=120)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[valider_siren])
    siret = models.CharField(
        "SIRET",
        max_length=14,
        blank=True,
        validators=[valider_siret],
        help_text="Identifiant de l'établissement destinataire des titres (Chorus Pro) : il "
        "commence par le SIREN de la commune.",
    )
    adresse = models.CharField("adresse", max_length=200, blank=True)
    complement_adresse = models.CharField("complément d'adresse", max_length=200, blank=True)
    code_postal = models.CharField(
        "code postal", max_length=5, blank=True, validators=[code_postal_validator]
    )
    ville = models.CharField("ville", max_length=120, blank=True)
    departement = models.CharField("département", max_length=3)
    # M6: a commune with its own IT department needs a recorded review before the socle complet.
    service_informatique = models.BooleanField("dispose d'un service informatique", default=False)
    revue_date = models.DateField("date de l'examen des moyens (M6)", null=True, blank=True)
    revue_conclusion = models.TextField("conclusion de l'examen des moyens (M6)", blank=True)
    # B8: Chorus Pro identifiers, printed on the titres and exported.
    code_service_chorus = models.CharField("code service Chorus Pro", max_length=100, blank=True)
    reference_engagement = models.CharField("référence d'engagement", max_length=50, blank=True)
    # B8/B9: how a PES V2 flow names this public debtor (communes: 23 / 09).
    categorie_tiers = models.CharField(
        "catégorie de tiers (PES)",
        max_length=2,
        choices=CategorieTiers.choices,
        default=CategorieTiers.COMMUNE,
    )
    nature_juridique = models.CharField(
        "nature juridique (PES)",
        max_length=2,
        choices=NatureJuridique.choices,
        default=NatureJuridique.COLLECTIVITE,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        # French order: « Béganne » before « Bruc-sur-Aff » (ICU collation on PostgreSQL).
        ordering = [OrdreFrancais("nom")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revue_date__isnull=True) | ~Q(revue_conclusion=""),
                name="commune_revue_avec_conclusion",
                violation_error_message="Un examen des moyens daté doit avoir une conclusion.",
            ),
        ]

    def __str__(self):
        return self.nom

    @property
    def adresse_postale(self) -> str:
        lignes = [self.adresse, self.complement_adresse, f"{self.code_postal} {self.ville}".strip()]
        return "\n".join(ligne for ligne in lignes if ligne)

    def clean(self):
        errors = {}
        if self.revue_date and not self.revue_conclusion.strip():
            errors["revue_conclusion"] = "Un examen des moyens daté doit avoir une conclusion."
        erreur = erreur_siret_siren(self.siret, self.siren)
        if erreur:
            errors["siret"] = erreur
        if errors:
            raise ValidationError(errors)


class Etablissement(models.Model):
    """An établissement associé (CCAS, école, médiathèque…) of a commune (M7).

    Covered by its commune's adhesion and not priced by population; it can be a debtor of its
    own (mandate refacturations, appels de fonds of groupements it joined).
    """

    class Type(models.TextChoices):
        CCAS = "ccas", "CCAS"
        ECOLE = "ecole", "école"
        MEDIATHEQUE = "mediatheque", "médiathèque"
        EHPAD = "ehpad", "EHPAD"
        AUTRE = "autre", "autre"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="etablissements", verbose_name="commune"
    )
    type = models.CharField("type", max_length=20, choices=Type.choices)
    nom = models.CharField("nom", max_length=200)
    siren = models.CharField(
        "SIREN",
        max_length=9,
        blank=True,
        validators=[valider_siren],
        help_text="Le SIREN de l'établissement lui-même (un CCAS a le sien, distinct de celui "
        "de la commune).",
    )
    siret = models.CharField(
        "SIRET",
        max_length=14,
        blank=True,
        validators=[valider_siret],
        help_text="Il commence par le SIREN de l'établissement.",
    )
    adresse = models.CharField("adresse", max_length=200, blank=True)
    code_postal = models.CharField(
        "code postal", max_length=5, blank=True, validators=[code_postal_validator]
    )
    ville = models.CharField("ville", max_length=120, blank=True)
    code_service_chorus = models.CharField("code service Chorus Pro", max_length=100, blank=True)
    reference_engagement = models.CharField("référence d'engagement", max_length=50, blank=True)
    categorie_tiers = models.CharField(
        "catégorie de tiers (PES)",
        max_length=2,
        choices=CategorieTiers.choices,
        blank=True,
        help_text="Vide : déduite du type (CCAS 26, école 25, EHPAD 27).",
    )
    nature_juridique = models.CharField(
        "nature juridique (PES)",
        max_length=2,
        choices=NatureJuridique.choices,
        default=NatureJuridique.COLLECTIVITE,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "établissement associé"
        verbose_name_plural = "établissements associés"
        ordering = ["commune__nom", "nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "nom"],
                name="etablissement_nom_unique_par_commune",
                violation_error_message="Cette commune a déjà un établissement de ce nom.",
            )
        ]

    def __str__(self):
        return f"{self.nom} ({self.commune.nom})"

    @property
    def adresse_postale(self) -> str:
        lignes = [self.adresse, f"{self.code_postal} {self.ville}".strip()]
        return "\n".join(ligne for ligne in lignes if ligne)

    def clean(self):
        erreur = erreur_siret_siren(self.siret, self.siren)
        if erreur:
            raise ValidationError({"siret": erreur})

    @property
    def categorie_pes(self) -> str:
        """B9 — its CatTiers: the one recorded, else the usual one of its type (empty: none)."""
        return self.categorie_tiers or CATEGORIE_PAR_TYPE_ETABLISSEMENT.get(self.type, "")


class Population(models.Model):
    """The population of a commune in force for one year of application (P1).

    INSEE vintage V is in force from 1 January V+3 (vintage 2023 → year 2026). One record per
    commune and year; a missing year is an anomaly, never filled from another year.
    """

    class Nature(models.TextChoices):
        MUNICIPALE = "municipale", "population municipale"
        TOTALE = "totale", "population totale"

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="populations", verbose_name="commune"
    )
    annee = models.PositiveSmallIntegerField("année d'application")
    valeur = models.PositiveIntegerField("population")
    millesime = models.PositiveSmallIntegerField("millésime INSEE")
    nature = models.CharField(
        "nature", max_length=20, choices=Nature.choices, default=Nature.MUNICIPALE
    )
    source = models.TextField("source", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "population"
        verbose_name_plural = "populations"
        ordering = ["commune__nom", "-annee"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "annee"],
                name="population_unique_par_annee",
                violation_error_message="Cette commune a déjà une population pour cette année.",
            ),
            models.CheckConstraint(
                condition=Q(valeur__gt=0),
                name="population_positive",
                violation_error_message="La population doit être un entier strictement positif.",
            ),
            models.CheckConstraint(
                condition=Q(millesime__lt=F("annee")),
                name="population_millesime_anterieur",
                violation_error_message="Le millésime INSEE doit précéder l'année d'application.",
            ),
        ]

    def __str__(self):
        return f"{self.commune.nom} {self.annee} : {self.valeur} hab. (millésime {self.millesime})"

    # P1 (revised): once it priced an issued titre, changed only by ``actes.corriger_population``.
    CHAMPS_FIGES = ("commune_id", "annee", "valeur", "millesime", "nature")

    def save(self, *args, **kwargs):
        refuser_si_fige(self, self.CHAMPS_FIGES)
        super().save(*args, **kwargs)


class Contact(models.Model):
    """A person designated by a member (M5): interlocuteur décideur and/or technique, and
    optionally the contact comptabilité who receives the titres and payment reminders (else
    the décideur does)."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="contacts", verbose_name="commune"
    )
    etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name="établissement",
    )
    civilite = models.CharField(
        "civilité", max_length=10, blank=True, choices=[("Mme", "Mme"), ("M.", "M.")]
    )
    prenom = models.CharField("prénom", max_length=100, blank=True)
    nom = models.CharField("nom", max_length=100)
    fonction = models.CharField("fonction", max_length=150, blank=True)
    email = models.EmailField("courriel", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    decideur = models.BooleanField("interlocuteur décideur", default=False)
    technique = models.BooleanField("interlocuteur technique", default=False)
    comptabilite = models.BooleanField(
        "contact comptabilité",
        default=False,
        help_text="Reçoit les titres de recettes et les rappels de paiement (à défaut : "
        "l'interlocuteur décideur).",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["commune__nom", "nom"]

    def __str__(self):
        return " ".join(p for p in [self.civilite, self.prenom, self.nom] if p)

    @property
    def roles(self) -> str:
        roles = [
            r
            for r, actif in [
                ("décideur", self.decideur),
                ("technique", self.technique),
                ("comptabilité", self.comptabilite),
            ]
            if actif
        ]
        if len(roles) > 1:
            return ", ".join(roles[:-1]) + " et " + roles[-1]
        return roles[0] if roles else "—"

    def clean(self):
        if self.etablissement_id and self.etablissement.commune_id != self.commune_id:
            raise ValidationError(
                {"etablissement": "Cet établissement n'appartient pas à cette commune."}
            )


class Formule(models.TextChoices):
    """M1: the socle complet, or the socle annexe (audit and/or groupement d'achats)."""

    SOCLE_COMPLET = "socle_complet", "socle complet"
    AUDIT = "audit", "socle annexe — audit"
    GROUPEMENT = "groupement", "socle annexe — groupement d'achats"
    ANNEXE_COMPLET = "annexe_complet", "socle annexe complet (audit et groupement)"

    @classmethod
    def avec_groupement(cls):
        return [cls.GROUPEMENT, cls.ANNEXE_COMPLET]

    @classmethod
    def avec_audit(cls):
        return [cls.AUDIT, cls.ANNEXE_COMPLET]


class AdhesionQuerySet(models.QuerySet):
    def en_vigueur_pendant(self, debut: date, fin: date):
        """Adhésions in force on at least one day of [debut, fin] (T8: whole years)."""
        return self.filter(date_effet__lte=fin).filter(
            Q(dernier_jour__isnull=True) | Q(dernier_jour__gte=debut)
        )

    def en_vigueur_le(self, jour: date):
        return self.en_vigueur_pendant(jour, jour)

    def pour_annee(self, annee: int):
        return self.en_vigueur_pendant(date(annee, 1, 1), date(annee, 12, 31))

    def formules_le(self, commune_ids: Iterable[int], jour: date) -> dict[int, str]:
        """The formula in force on ``jour`` for each commune (one query; absent = none)."""
        return dict(
            self.filter(commune_id__in=set(commune_ids))
            .en_vigueur_le(jour)
            .order_by("commune_id", "date_effet")
            .values_list("commune_id", "formule")
        )


class Adhesion(models.Model):
    """One choice of formula by a member, from its date d'effet to its last day (M1–M4, M6).

    A change of choice is a new record (M2) that ends the previous one the day before its own
    date d'effet; history is never overwritten.
    """

    class Statut(models.TextChoices):
        A_VENIR = "a_venir", "à venir"
        EN_COURS = "en_cours", "en cours"
        EN_PREAVIS = "en_preavis", "en préavis"
        TERMINEE = "terminee", "terminée"

    class MotifFin(models.TextChoices):
        RESILIATION = "resiliation", "résiliation (art. 2.4)"
        CHANGEMENT = "changement", "changement de formule"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="adhesions", verbose_name="commune"
    )
    formule = models.CharField("formule", max_length=20, choices=Formule.choices)
    deliberation_numero = models.CharField("n° de délibération", max_length=50)
    deliberation_date = models.DateField("date de la délibération")
    decision_numero = models.CharField(
        "n° de décision (changement de choix)", max_length=50, blank=True
    )
    decision_date = models.DateField("date de la décision", null=True, blank=True)
    precedente = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suivante",
        verbose_name="adhésion remplacée",
    )
    # M2: the convention "prend effet à compter de la signature des deux parties" (2.2).
    signature_membre_le = models.DateField(
        "convention signée par le membre le", null=True, blank=True
    )
    signature_epci_le = models.DateField(
        "convention signée par Redon Agglomération le", null=True, blank=True
    )
    date_effet = models.DateField("date d'effet")
    effet_retroactif = models.BooleanField(
        "effet rétroactif convenu par les deux parties",
        default=False,
        help_text="Une date d'effet antérieure aux signatures ou à la délibération n'est facturée "
        "que si les deux parties en sont convenues (M2) : indiquez-en le motif.",
    )
    effet_retroactif_motif = models.TextField("motif de l'effet rétroactif", blank=True)
    # M4: résiliation notified by registered letter; last day = notification + 12 months − 1
    # day, unless both parties agreed in writing on another date.
    resiliation_notifiee_le = models.DateField("résiliation notifiée le", null=True, blank=True)
    resiliation_date_convenue = models.DateField(
        "date de fin convenue par écrit", null=True, blank=True
    )
    dernier_jour = models.DateField(
        "dernier jour (inclus)",
        null=True,
        blank=True,
        help_text="Calculé : résiliation + 12 mois − 1 jour, date convenue, ou veille du changement.",
    )
    motif_fin = models.CharField(
        "motif de fin", max_length=20, choices=MotifFin.choices, blank=True
    )
    # T2/T5: the audit report's delivery date (socle annexe audit).
    audit_livre_le = models.DateField("rapport d'audit livré le", null=True, blank=True)
    notes = models.TextField("notes", blank=True)
    history = HistoricalRecords()

    objects = AdhesionQuerySet.as_manager()

    class Meta:
        verbose_name = "adhésion"
        verbose_name_plural = "adhésions"
        ordering = ["commune__nom", "-date_effet"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dernier_jour__isnull=True) | Q(dernier_jour__gte=F("date_effet")),
                name="adhesion_fin_apres_effet",
                violation_error_message="Le dernier jour ne peut précéder la date d'effet.",
            ),
            models.CheckConstraint(
                condition=Q(decision_numero="") | Q(decision_date__isnull=False),
                name="adhesion_decision_datee",
                violation_error_message="Une décision doit être datée.",
            ),
            models.CheckConstraint(
                condition=Q(audit_livre_le__isnull=True)
                | Q(formule__in=["audit", "annexe_complet"]),
                name="adhesion_audit_si_formule_audit",
                violation_error_message="Seule une adhésion avec l'audit a un rapport d'audit.",
            ),
            # On PostgreSQL an exclusion constraint also forbids overlapping adhésions of one
            # commune (migration 0002, btree_gist); clean() checks the same rule everywhere.
        ]

    def __str__(self):
        return f"{self.commune.nom} — {self.get_formule_display()} depuis le {self.date_effet:%d/%m/%Y}"

    # --- M4 -----------------------------------------------------------------------------
    @staticmethod
    def fin_apres_preavis(notification: date) -> date:
        """M4: the last day (inclusive) after 12 months' notice from the notification."""
        return veille(ajouter_mois(notification, 12))

    def calculer_dernier_jour(self) -> date | None:
        if self.resiliation_date_convenue:
            return self.resiliation_date_convenue
        if self.resiliation_notifiee_le:
            return self.fin_apres_preavis(self.resiliation_notifiee_le)
        return self.dernier_jour if self.motif_fin == self.MotifFin.CHANGEMENT else None

    # --- Derived values -------------------------------------------------------------------
    def statut(self, jour: date | None = None) -> str:
        jour = jour or aujourdhui()
        if jour < self.date_effet:
            return self.Statut.A_VENIR
        if self.dernier_jour and jour > self.dernier_jour:
            return self.Statut.TERMINEE
        if self.resiliation_notifiee_le or self.dernier_jour:
            return self.Statut.EN_PREAVIS
        return self.Statut.EN_COURS

    def get_statut_display(self, jour: date | None = None) -> str:
        return self.Statut(self.statut(jour)).label

    def prochaine_reconduction(self, jour: date | None = None) -> date | None:
        """M3: next anniversary of the date d'effet (tacit renewal), or None if ending first."""
        jour = jour or aujourdhui()
        if self.resiliation_notifiee_le or self.dernier_jour:
            return None  # résiliation or change of choice: no further renewal
        annees = max(1, jour.year - self.date_effet.year)
        echeance = ajouter_mois(self.date_effet, 12 * annees)
        while echeance <= jour:
            annees += 1
            echeance = ajouter_mois(self.date_effet, 12 * annees)
        return echeance

    @property
    def socle_complet(self) -> bool:
        return self.formule == Formule.SOCLE_COMPLET

    @property
    def groupement(self) -> bool:
        return self.formule in Formule.avec_groupement()

    @property
    def audit(self) -> bool:
        return self.formule in Formule.avec_audit()

    def en_vigueur_pendant(self, debut: date, fin: date) -> bool:
        return chevauche(self.date_effet, self.dernier_jour, debut, fin)

    # --- M2: billed only once signed by both parties ------------------------------------
    @property
    def signee_le(self) -> date | None:
        """The later of the two signatures: the day the convention takes effect (2.2)."""
        if self.signature_membre_le is None or self.signature_epci_le is None:
            return None
        return max(self.signature_membre_le, self.signature_epci_le)

    def anomalie_signature(self) -> str | None:
        """M2 — why this adhesion cannot be billed yet, with its fix; None when it can."""
        manquantes = [
            partie
            for partie, signee in [
                ("le membre", self.signature_membre_le),
                ("Redon Agglomération", self.signature_epci_le),
            ]
            if signee is None
        ]
        formule = self.get_formule_display()
        if manquantes:
            return (
                f"Adhésion « {formule} » du {self.date_effet:%d/%m/%Y} : convention non signée "
                f"par {' ni par '.join(manquantes)} (M2). La convention prend effet à la "
                "signature des deux parties (art. 2.2) : saisissez les dates de signature."
            )
        if self.effet_retroactif:
            return None
        debut = max(self.signee_le, self.deliberation_date)
        if self.date_effet < debut:
            raison = (
                f"la délibération du {self.deliberation_date:%d/%m/%Y}"
                if debut == self.deliberation_date and debut > self.signee_le
                else f"la signature des deux parties ({self.signee_le:%d/%m/%Y})"
            )
            return (
                f"Adhésion « {formule} » : date d'effet du {self.date_effet:%d/%m/%Y} "
                f"antérieure à {raison} (M2). Corrigez la date d'effet (au plus tôt le "
                f"{debut:%d/%m/%Y}) ou enregistrez l'effet rétroactif convenu par les deux "
                "parties, avec son motif."
            )
        return None

    # --- T8: whole years, and the finance officer sees what that means ------------------
    def jours_en_vigueur(self, annee: int) -> int:
        """Days of ``annee`` this adhesion is in force (0 when none)."""
        debut = max(self.date_effet, date(annee, 1, 1))
        fin = min(self.dernier_jour or date(annee, 12, 31), date(annee, 12, 31))
        return max(0, (fin - debut).days + 1)

    def clean(self):
        errors = {}
        self.dernier_jour = self.calculer_dernier_jour()
        if self.dernier_jour and self.dernier_jour < self.date_effet:
            errors["dernier_jour"] = "Le dernier jour ne peut précéder la date d'effet."
        if self.resiliation_notifiee_le and self.resiliation_notifiee_le < self.deliberation_date:
            errors["resiliation_notifiee_le"] = (
                "La résiliation ne peut être notifiée avant la délibération d'adhésion."
            )
        if self.resiliation_notifiee_le or self.resiliation_date_convenue:
            self.motif_fin = self.MotifFin.RESILIATION
        if self.audit_livre_le and not self.audit:
            errors["audit_livre_le"] = "Seule une adhésion avec l'audit a un rapport d'audit."
        if self.effet_retroactif and not self.effet_retroactif_motif.strip():
            errors["effet_retroactif_motif"] = (
                "Indiquez le motif de l'effet rétroactif convenu par les deux parties (M2)."
            )
        for champ in ("signature_membre_le", "signature_epci_le"):
            signee = getattr(self, champ)
            if signee and self.deliberation_date and signee < self.deliberation_date:
                errors[champ] = (
                    "La convention ne peut être signée avant la délibération qui l'approuve "
                    f"({self.deliberation_date:%d/%m/%Y})."
                )
        if self.decision_numero and not self.decision_date:
            errors["decision_date"] = "Une décision doit être datée."
        if self.commune_id and self.date_effet:
            autres = Adhesion.objects.filter(commune_id=self.commune_id).exclude(pk=self.pk)
            for autre in autres:
                if chevauche(
                    self.date_effet, self.dernier_jour, autre.date_effet, autre.dernier_jour
                ):
                    errors["date_effet"] = (
                        f"Cette adhésion chevauche l'adhésion « {autre.get_formule_display()} » "
                        f"du {autre.date_effet:%d/%m/%Y} : une commune n'a qu'une adhésion à la fois."
                    )
                    break
        if errors:
            raise ValidationError(errors)

    # What priced titres: changed only through a correction act once billed (P1 revised).
    CHAMPS_FIGES = ("commune_id", "formule", "date_effet")

    def save(self, *args, **kwargs):
        refuser_si_fige(self, self.CHAMPS_FIGES)
        self.dernier_jour = self.calculer_dernier_jour()
        if self.resiliation_notifiee_le or self.resiliation_date_convenue:
            self.motif_fin = self.MotifFin.RESILIATION
        super().save(*args, **kwargs)


class TarifDerogatoire(models.Model):
    """M6: a tarif dérogatoire per service, replacing the whole grid amount of that service."""

    class Service(models.TextChoices):
        SOCLE_COMPLET = "socle_complet", "socle complet"
        AUDIT = "audit", "audit"
        GROUPEMENT = "groupement", "groupement d'achats"
        NIVEAU1 = "niveau1", "dotation niveau 1 (jours)"

    adhesion = models.ForeignKey(
        Adhesion, on_delete=models.CASCADE, related_name="derogations", verbose_name="adhésion"
    )
    service = models.CharField("service", max_length=20, choices=Service.choices)
    montant = models.DecimalField(
        "montant annuel HT (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    jours = models.DecimalField(
        "dotation (jours)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    base_legale = models.CharField(
        "base légale", max_length=250, help_text="Délibération ou avenant qui fixe ce tarif."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tarif dérogatoire"
        verbose_name_plural = "tarifs dérogatoires"
        constraints = [
            models.UniqueConstraint(
                fields=["adhesion", "service"],
                name="derogation_unique_par_service",
                violation_error_message="Cette adhésion a déjà un tarif dérogatoire pour ce service.",
            ),
            models.CheckConstraint(
                condition=Q(montant__isnull=True) | Q(montant__gte=0),
                name="derogation_montant_positif",
                violation_error_message="Le montant d'un tarif dérogatoire ne peut être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(jours__isnull=True) | Q(jours__gte=0),
                name="derogation_jours_positifs",
                violation_error_message="Une dotation ne peut être négative.",
            ),
            models.CheckConstraint(
                condition=(Q(service="niveau1") & Q(jours__isnull=False))
                | (~Q(service="niveau1") & Q(montant__isnull=False)),
                name="derogation_valeur_selon_service",
                violation_error_message=(
                    "Un tarif dérogatoire porte un montant, ou une dotation en jours pour le niveau 1."
                ),
            ),
        ]

    def __str__(self):
        valeur = (
            quantite_unite(self.jours, "jour")
            if self.service == self.Service.NIVEAU1
            else formater_euros(self.montant)
        )
        return f"{self.get_service_display()} : {valeur}"

    def clean(self):
        if self.service == self.Service.NIVEAU1 and self.jours is None:
            raise ValidationError({"jours": "Indiquez la dotation en jours."})
        if self.service != self.Service.NIVEAU1 and self.montant is None:
            raise ValidationError({"montant": "Indiquez le montant du tarif dérogatoire."})


def chemin_document(instance, filename):
    return f"documents/{instance.commune.code_insee}/{timezone.now():%Y}/{filename}"


class Document(models.Model):
    """A document of a member or of an adhesion (M2): délibération, art. 8 form, audit report…

    Stored through Django's storage API, served only by permission-checked views.
    """

    class Type(models.TextChoices):
        DELIBERATION = "deliberation", "délibération"
        FORMULAIRE = "formulaire", "formulaire de l'article 8 signé"
        DECISION = "decision", "décision"
        RAPPORT_AUDIT = "rapport_audit", "rapport d'audit"
        LETTRE_MISSION = "lettre_mission", "lettre de mission"
        RESILIATION = "resiliation", "lettre de résiliation"
        AUTRE = "autre", "autre"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="documents", verbose_name="commune"
    )
    adhesion = models.ForeignKey(
        Adhesion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name="adhésion",
    )
    type = models.CharField("type", max_length=20, choices=Type.choices)
    titre = models.CharField("titre", max_length=200)
    fichier = models.FileField("fichier", upload_to=chemin_document, max_length=255)
    type_mime = models.CharField("type de fichier", max_length=100, editable=False)
    taille = models.PositiveIntegerField("taille (octets)", editable=False, default=0)
    depose_le = models.DateTimeField("déposé le", auto_now_add=True)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name="déposé par",
    )

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["-depose_le"]

    def __str__(self):
        return self.titre

    def clean(self):

        if self.adhesion_id and self.commune_id and self.adhesion.commune_id != self.commune_id:
            raise ValidationError({"adhesion": "Cette adhésion n'est pas celle de cette commune."})
        if self.fichier and not self.fichier._committed:
            self.type_mime, self.taille = verifier_fichier(self.fichier)


class Rattachement(models.Model):
    """A portal user belongs to one or more members (a commune, or one of its établissements)."""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rattachements",
        verbose_name="utilisateur",
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="rattachements", verbose_name="commune"
    )
    etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rattachements",
        verbose_name="établissement (si limité à celui-ci)",
    )

    class Meta:
        verbose_name = "rattachement d'un utilisateur"
        verbose_name_plural = "rattachements des utilisateurs"
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "commune", "etablissement"],
                name="rattachement_unique",
                violation_error_message="Cet utilisateur est déjà rattaché à ce membre.",
            )
        ]

    def __str__(self):
        return f"{self.utilisateur} → {self.etablissement or self.commune}"


def libelles_formules(adhesions: Iterable[Adhesion]) -> str:
    """The formulas in force during the year, in order: « socle annexe — audit, puis socle
    complet »."""
    libelles: list[str] = []
    for adhesion in sorted(adhesions, key=lambda a: a.date_effet):
        libelle = Formule(adhesion.formule).label
        if not libelles or libelles[-1] != libelle:
            libelles.append(libelle)
    return ", puis ".join(libelles)
