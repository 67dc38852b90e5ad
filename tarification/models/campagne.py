"""The stored campaign preview (B2) and the background issue requests (B1)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from tarification.models.titres import Campagne


class ApercuCampagne(models.Model):
    """B2 — the preview of the campaign for year N and one exercice, as computed at
    ``calcule_le`` (tarification/apercu_enregistre.py), with its summary.

    Computing a preview costs one contribution per member (seconds at tens of thousands of
    members): the page reads this snapshot instead, paginated and filtered in the database.
    It may be stale; nothing is issued from it. Issuing recomputes the preview inside the
    issuing transaction and refuses when its ``signature`` differs from this one.
    """

    annee = models.PositiveSmallIntegerField("année des contributions")
    exercice = models.PositiveSmallIntegerField("exercice")
    calcule_le = models.DateTimeField("calculé le")
    calcule_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # A disposable snapshot never prevents removing an account.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="calculé par",
    )
    signature = models.CharField("signature de l'aperçu", max_length=64)
    annee_terminee = models.BooleanField("année terminée au moment du calcul")
    nb_membres = models.PositiveIntegerField("membres")
    nb_a_emettre = models.PositiveIntegerField("membres à facturer ou à régulariser")
    nb_bloques = models.PositiveIntegerField("membres bloqués")
    nb_sans_titre = models.PositiveIntegerField("membres sans titre", default=0)
    nb_a_jour = models.PositiveIntegerField("membres à jour", default=0)
    nb_avertissements = models.PositiveIntegerField("titres avec avertissement")
    total = models.DecimalField(
        "total à émettre (€)",
        max_digits=14,
        decimal_places=2,
        help_text="Ce que la campagne émettrait maintenant : titres et compléments, moins les "
        "réductions et les mandats demandés.",
    )

    class Meta:
        verbose_name = "aperçu de campagne"
        verbose_name_plural = "aperçus de campagne"
        ordering = ["-annee", "-exercice"]
        constraints = [
            models.UniqueConstraint(
                fields=["annee", "exercice"],
                name="apercu_campagne_unique",
                violation_error_message="Un aperçu est déjà enregistré pour cette année et cet exercice.",
            )
        ]

    def __str__(self):
        return f"Aperçu de la campagne {self.annee} (exercice {self.exercice})"


class ApercuMembre(models.Model):
    """One member in a stored preview, as the preview page shows it.

    ``donnees`` is the member's object of the preview in JSON (``campagne/apercu_json.py``),
    exactly what ``campagne_titres --json`` prints for it: the page renders it, so the page and
    the command show the same figures. The name, INSEE code, status and amounts are copied into
    columns so that the page sorts, filters and pages in the database.
    """

    class Statut(models.TextChoices):
        # A member's status in the preview (tarification/campagne/apercu.py uses these).
        A_EMETTRE = "a_emettre", "à émettre"
        BLOQUE = "bloque", "bloqué"
        SANS_TITRE = "sans_titre", "sans titre"
        A_JOUR = "a_jour", "à jour"

    apercu = models.ForeignKey(
        ApercuCampagne,
        on_delete=models.CASCADE,
        related_name="membres",
        verbose_name="aperçu",
        db_index=False,  # covered by the (apercu, nom) index
    )
    # CASCADE, not PROTECT: a stored preview is a disposable snapshot and must never block
    # the back office; a preview missing a member no longer matches the data, so issuing
    # from it is refused by the signature check anyway.
    commune = models.ForeignKey(
        "membres.Commune", on_delete=models.CASCADE, related_name="+", verbose_name="membre"
    )
    nom = models.CharField("nom du membre", max_length=120)
    code_insee = models.CharField("code INSEE", max_length=5)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices)
    calcule = models.DecimalField(
        "calculé (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide quand la facturation du membre est bloquée.",
    )
    deja_facture = models.DecimalField(
        "déjà facturé (€)", max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    a_emettre = models.DecimalField(
        "à émettre (€)", max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    formules = models.TextField("formule(s)", blank=True)
    donnees = models.JSONField("aperçu du membre (JSON)", default=dict)

    class Meta:
        verbose_name = "membre d'un aperçu de campagne"
        verbose_name_plural = "membres d'un aperçu de campagne"
        indexes = [
            models.Index(fields=["apercu", "statut", "nom"], name="apercu_membre_statut_nom"),
            models.Index(fields=["apercu", "nom"], name="apercu_membre_nom"),
        ]

    def __str__(self):
        return f"{self.nom} : {self.get_statut_display()}"

    @property
    def lignes(self) -> list[dict]:
        return self.donnees.get("lignes", [])

    @property
    def liste_anomalies(self) -> list[str]:
        return self.donnees.get("anomalies", [])

    @property
    def liste_avertissements(self) -> list[str]:
        return self.donnees.get("avertissements", [])


# =============================================================================================
# The issue of a campaign, run in the background (B1)
# =============================================================================================


class DemandeEmission(models.Model):
    """B1 — the finance officer's confirmed request to issue the campaign of year N on one
    exercice, from the preview whose ``signature`` it carries (tarification/emission.py).

    Issuing a whole campaign (tens of thousands of titres at scale) runs in a background task,
    never inside a web request; this row says who asked, when, and how it ended: the campaign
    issued, nothing to issue, or the error (in French) that stopped it, nothing being issued
    then. At most one request per campaign is pending at a time.
    """

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "en cours"
        TERMINEE = "terminee", "terminée"
        ECHOUEE = "echouee", "échouée"

    annee = models.PositiveSmallIntegerField("année des contributions")
    exercice = models.PositiveSmallIntegerField("exercice")
    signature = models.CharField("signature de l'aperçu confirmé", max_length=64)
    demandee_le = models.DateTimeField("demandée le")
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandée par",
    )
    etat = models.CharField("état", max_length=20, choices=Etat.choices, default=Etat.EN_ATTENTE)
    terminee_le = models.DateTimeField("terminée le", null=True, blank=True)
    erreur = models.TextField("erreur", blank=True)
    campagne = models.OneToOneField(
        Campagne,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demande",
        verbose_name="campagne émise",
    )

    class Meta:
        verbose_name = "demande d'émission de campagne"
        verbose_name_plural = "demandes d'émission de campagne"
        ordering = ["-demandee_le", "-pk"]
        indexes = [
            models.Index(fields=["annee", "exercice", "-demandee_le"], name="demande_emission_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["annee", "exercice"],
                condition=Q(etat="en_attente"),
                name="une_demande_emission_en_cours",
                violation_error_message="Une émission de cette campagne est déjà en cours.",
            )
        ]

    def __str__(self):
        return f"Émission de la campagne {self.annee} (exercice {self.exercice}), {self.get_etat_display()}"
