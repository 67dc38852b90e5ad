"""What members write in their portal: fiches projet (annexe 3, R3) and requests to change
their billing identifiers (B8), both kept with their history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from membres.models import Commune, Etablissement, erreur_siret_siren
from outils.identifiants import valider_siret


class FicheProjet(models.Model):
    """A new software or infrastructure project described by a member (annexe 3 of the
    convention, art. 3.3.2 and 3.4.2): the DSI studies it, the comité de pilotage decides.

    A draft may be incomplete; submitting checks the sections that annexe 3 asks for
    (`champs_requis_pour_soumettre`). Once submitted, only DSI staff change it (in the admin).
    """

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "brouillon"
        SOUMISE = "soumise", "soumise à la DSI"
        A_L_ETUDE = "a_l_etude", "à l'étude"
        ACCEPTEE = "acceptee", "acceptée"
        REFUSEE = "refusee", "refusée"

    class Domaine(models.TextChoices):
        LOGICIEL = "logiciel", "logiciel ou numérique (art. 3.3.2)"
        INFRASTRUCTURE = "infrastructure", "infrastructure (art. 3.4.2)"

    class Portee(models.TextChoices):
        SECTORIEL = "sectoriel", "sectoriel"
        TRANSVERSAL = "transversal", "transversal"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="fiches_projet", verbose_name="membre"
    )
    intitule = models.CharField("intitulé du projet", max_length=200)
    domaine = models.CharField(
        "domaine", max_length=20, choices=Domaine.choices, default=Domaine.LOGICIEL
    )
    portee = models.CharField(
        "type de projet", max_length=20, choices=Portee.choices, default=Portee.SECTORIEL
    )
    # LA DEMANDE
    origine = models.TextField(
        "origine de la demande",
        blank=True,
        help_text="À quelle occasion ? État de l'existant.",
    )
    demandeur = models.TextField(
        "le demandeur", blank=True, help_text="Qui demande ? Positionnement de la demande."
    )
    enjeux = models.TextField(
        "les enjeux",
        blank=True,
        help_text="Que gagne la collectivité à mener ce projet ? Quelle activité améliore-t-il ? "
        "Comment s'inscrit-il dans sa stratégie ?",
    )
    nature = models.TextField(
        "la nature du projet",
        blank=True,
        help_text="Projet isolé ou avec projets connexes (système d'information, organisation, "
        "formation…).",
    )
    # LE PROJET
    description = models.TextField("description du projet", blank=True)
    planification = models.TextField(
        "planification",
        blank=True,
        help_text="Période de mise en application souhaitée, étapes initiales du projet.",
    )
    budget_estime = models.DecimalField(
        "coût global estimé (€ TTC)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Somme inscrite au plan pluriannuel d'investissement, si elle est connue.",
    )
    budget_detail = models.TextField(
        "enveloppe financière",
        blank=True,
        help_text="Décomposition (informatique, organisation, formation, dépenses associées) "
        "et financements extérieurs escomptés.",
    )
    # OBJECTIFS, CONTRAINTES, CONDITIONS DE RÉUSSITE
    objectifs = models.TextField(
        "objectifs du projet",
        blank=True,
        help_text="Pour l'usager, pour la direction, pour les utilisateurs.",
    )
    contraintes = models.TextField(
        "contraintes à respecter",
        blank=True,
        help_text="Organisationnelles (compétences, formation) et extérieures (réglementation, "
        "partenariats).",
    )
    conditions_reussite = models.TextField("conditions de réussite", blank=True)
    risques = models.TextField(
        "incertitudes et risques",
        blank=True,
        help_text="Difficultés prévisibles, pour construire les indicateurs de suivi.",
    )
    indicateurs = models.TextField("indicateurs de suivi du projet", blank=True)
    # Suivi
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="rédigée par",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    soumise_le = models.DateTimeField("soumise le", null=True, blank=True)
    decidee_le = models.DateField("décidée le (comité de pilotage)", null=True, blank=True)
    decision_motif = models.TextField(
        "décision du comité de pilotage",
        blank=True,
        help_text="Arbitrage et motif, communiqués au membre.",
    )
    history = HistoricalRecords()

    # Annexe 3: the sections a submitted fiche must fill in (a draft may leave them empty).
    CHAMPS_REQUIS_POUR_SOUMETTRE = (
        "origine",
        "enjeux",
        "description",
        "planification",
        "objectifs",
        "contraintes",
        "risques",
    )

    class Meta:
        verbose_name = "fiche projet"
        verbose_name_plural = "fiches projet"
        ordering = ["-modifie_le"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_estime__isnull=True) | Q(budget_estime__gte=0),
                name="fiche_budget_positif",
                violation_error_message="Le coût estimé ne peut être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(statut__in=["acceptee", "refusee"]) | Q(decidee_le__isnull=True),
                name="fiche_date_decision_si_decidee",
                violation_error_message="Seule une fiche décidée a une date de décision.",
            ),
            models.CheckConstraint(
                condition=~Q(statut__in=["acceptee", "refusee"]) | Q(decidee_le__isnull=False),
                name="fiche_decidee_datee",
                violation_error_message="Une fiche décidée doit porter la date de la décision.",
            ),
        ]

    def __str__(self):
        return f"{self.commune.nom} — {self.intitule}"

    @property
    def modifiable(self) -> bool:
        """The member edits its fiche while it is a draft only."""
        return self.statut == self.Statut.BROUILLON

    @property
    def decidee(self) -> bool:
        return self.statut in (self.Statut.ACCEPTEE, self.Statut.REFUSEE)

    def champs_manquants(self) -> list[str]:
        """Labels of the annexe 3 sections still empty (they block the submission)."""
        return [
            self._meta.get_field(nom).verbose_name
            for nom in self.CHAMPS_REQUIS_POUR_SOUMETTRE
            if not str(getattr(self, nom)).strip()
        ]

    def etapes(self) -> list[tuple[str, bool, bool]]:
        """The follow-up steps for the member's timeline: (label, reached, current)."""
        rang = {
            self.Statut.BROUILLON: 0,
            self.Statut.SOUMISE: 1,
            self.Statut.A_L_ETUDE: 2,
            self.Statut.ACCEPTEE: 3,
            self.Statut.REFUSEE: 3,
        }[self.statut]
        decision = "Décision du comité de pilotage"
        if self.decidee:
            decision += f" : {self.get_statut_display()}"
        libelles = ["Brouillon", "Soumise à la DSI", "À l'étude par la DSI", decision]
        return [(libelle, i <= rang, i == rang) for i, libelle in enumerate(libelles)]


class DemandeModification(models.Model):
    """A member's request to change its billing identifiers (B8: SIRET, Chorus Pro code
    service, engagement reference), applied to the member only when DSI staff validate it.

    The request keeps the values it replaces, so that what changed and who allowed it stay
    readable; the member records (Commune, Etablissement) are historised too.
    """

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "en attente de validation"
        VALIDEE = "validee", "validée"
        REFUSEE = "refusee", "refusée"
        REMPLACEE = "remplacee", "remplacée par une demande plus récente"

    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="demandes_modification",
        verbose_name="commune",
    )
    etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demandes_modification",
        verbose_name="établissement (sinon la commune)",
    )
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    code_service_chorus = models.CharField("code service Chorus Pro", max_length=100, blank=True)
    reference_engagement = models.CharField("référence d'engagement", max_length=50, blank=True)
    ancien_siret = models.CharField("SIRET remplacé", max_length=14, blank=True)
    ancien_code_service_chorus = models.CharField(
        "code service Chorus Pro remplacé", max_length=100, blank=True
    )
    ancienne_reference_engagement = models.CharField(
        "référence d'engagement remplacée", max_length=50, blank=True
    )
    motif = models.TextField("motif de la demande", blank=True)
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.EN_ATTENTE
    )
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="demandée par",
    )
    demandee_le = models.DateTimeField("demandée le", auto_now_add=True)
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traitée par",
    )
    traitee_le = models.DateTimeField("traitée le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "demande de modification des identifiants de facturation"
        verbose_name_plural = "demandes de modification des identifiants de facturation"
        ordering = ["-demandee_le"]
        constraints = [
            # One pending request per member: a newer one replaces it (see actes).
            models.UniqueConstraint(
                fields=["commune"],
                condition=Q(statut="en_attente", etablissement__isnull=True),
                name="demande_une_en_attente_par_commune",
                violation_error_message="Cette commune a déjà une demande en attente.",
            ),
            models.UniqueConstraint(
                fields=["etablissement"],
                condition=Q(statut="en_attente", etablissement__isnull=False),
                name="demande_une_en_attente_par_etablissement",
                violation_error_message="Cet établissement a déjà une demande en attente.",
            ),
        ]

    def __str__(self):
        return f"{self.membre} — {self.get_statut_display()} ({self.demandee_le:%d/%m/%Y})"

    @property
    def membre(self):
        return self.etablissement or self.commune

    def changements(self) -> list[tuple[str, str, str]]:
        """(label, old value, new value) for each identifier the request changes."""
        champs = [
            ("SIRET", self.ancien_siret, self.siret),
            ("code service Chorus Pro", self.ancien_code_service_chorus, self.code_service_chorus),
            (
                "référence d'engagement",
                self.ancienne_reference_engagement,
                self.reference_engagement,
            ),
        ]
        return [(libelle, a, n) for libelle, a, n in champs if a != n]

    def clean(self):
        if self.etablissement_id and self.etablissement.commune_id != self.commune_id:
            raise ValidationError(
                {"etablissement": "Cet établissement n'appartient pas à cette commune."}
            )
        if self.commune_id:
            erreur = erreur_siret_siren(self.siret, self.membre.siren)
            if erreur:
                raise ValidationError({"siret": erreur})


class ConsultationCommeLaCommune(models.Model):
    """A staff member opened a commune's portal as the commune sees it (read-only): who, when,
    which commune. Kept as a record; nothing can be written through that view."""

    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="+", verbose_name="commune"
    )
    le = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "consultation comme la commune"
        verbose_name_plural = "consultations comme la commune"
        ordering = ["-le"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.par} — {self.commune} ({self.le:%d/%m/%Y %H:%M})"
