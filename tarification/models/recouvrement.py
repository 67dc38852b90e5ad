"""B11 — what happens to a titre once issued: the comptable's acknowledgement (pris en charge or
rejeté), the payments, the non-valeur, the reminders; and the acquittements of our PES flows.

Nothing here is changed once recorded: a state is a recorded change (its date, its source —
an import from the comptable or a hand entry — and its author), so that a state never goes
back silently; a payment is a fact of the comptable's books, identified by its key so that
importing the same file again records nothing twice. What remains to collect is computed from
these rows and the titre's corrections (``tarification/recouvrement/calcul.py``), never stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tarification.models.titres import Bordereau, TitreDeRecettes


class Source(models.TextChoices):
    IMPORT = "import", "import du comptable"
    SAISIE = "saisie", "saisie manuelle"


class EvenementTitre(models.Model):
    """One recorded change of a titre's state by the comptable or the ordonnateur (B11):
    taken in charge, rejected (with the reason: the titre is then annulled and reissued), or
    admitted in non-valeur (with the délibération that admits it, and the amount)."""

    class Nature(models.TextChoices):
        PRIS_EN_CHARGE = "pris_en_charge", "pris en charge"
        REJETE = "rejete", "rejeté"
        NON_VALEUR = "non_valeur", "admis en non-valeur"

    titre = models.ForeignKey(
        TitreDeRecettes,
        on_delete=models.PROTECT,
        related_name="evenements_recouvrement",
        verbose_name="titre",
    )
    nature = models.CharField("état", max_length=20, choices=Nature.choices)
    date = models.DateField("date")
    motif = models.TextField("motif", blank=True)
    deliberation = models.CharField("délibération", max_length=250, blank=True)
    montant = models.DecimalField(
        "montant admis en non-valeur (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField("source", max_length=10, choices=Source.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "état d'un titre (recouvrement)"
        verbose_name_plural = "états des titres (recouvrement)"
        ordering = ["titre", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(nature="rejete") | ~Q(motif=""),
                name="evenement_rejet_motive",
                violation_error_message="Un rejet du comptable porte son motif.",
            ),
            models.CheckConstraint(
                condition=~Q(nature="non_valeur") | (~Q(deliberation="") & Q(montant__gt=0)),
                name="evenement_non_valeur_deliberee",
                violation_error_message=(
                    "Une admission en non-valeur cite sa délibération et porte un montant positif."
                ),
            ),
            models.UniqueConstraint(
                fields=["titre", "nature"],
                condition=~Q(nature="non_valeur"),
                name="evenement_prise_en_charge_ou_rejet_unique",
                violation_error_message="Ce titre a déjà cet état.",
            ),
        ]
        permissions = [
            (
                "suivre_recouvrement",
                "Peut suivre le recouvrement des titres (paiements, états, rappels, imports du "
                "comptable)",
            ),
        ]

    def __str__(self):
        return f"{self.get_nature_display()} le {self.date:%d/%m/%Y} — {self.titre}"


class Paiement(models.Model):
    """A payment of a titre recorded by the comptable (B11).

    ``cle`` identifies it: (exercice, budget, titre, date, montant, reference) and its rank
    among identical payments — of the imported file, or for a hand entry the next free rank —
    so that the same file imported twice, or a payment entered by hand then found again in the
    comptable's file, is recorded once. ``trop_percu``: what it paid beyond what remained when
    it was recorded (flagged for the finance officer; a refund is the comptable's)."""

    titre = models.ForeignKey(
        TitreDeRecettes, on_delete=models.PROTECT, related_name="paiements", verbose_name="titre"
    )
    date = models.DateField("date du paiement")
    montant = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    reference = models.CharField("référence", max_length=100, blank=True)
    cle = models.CharField("clé d'identité", max_length=64, unique=True, editable=False)
    trop_percu = models.DecimalField(
        "dont trop-perçu (€)", max_digits=12, decimal_places=2, default=0
    )
    source = models.CharField("source", max_length=10, choices=Source.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["titre", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gt=0)
                & Q(trop_percu__gte=0)
                & Q(trop_percu__lte=models.F("montant")),
                name="paiement_montant_positif",
                violation_error_message="Un paiement est positif ; son trop-perçu n'excède pas son montant.",
            ),
        ]

    def __str__(self):
        return f"{self.montant} € le {self.date:%d/%m/%Y} — {self.titre}"


class Rappel(models.Model):
    """A friendly reminder of an unpaid titre (B11): the ordonnateur may remind, recovery
    belongs to the comptable. At most one per titre per delay (``RECOUVREMENT_DELAI_RAPPEL``)
    and ``RECOUVREMENT_RAPPELS_MAX`` in all."""

    titre = models.ForeignKey(
        TitreDeRecettes, on_delete=models.PROTECT, related_name="rappels", verbose_name="titre"
    )
    date = models.DateField("date du rappel")
    rang = models.PositiveSmallIntegerField("rang")
    reste = models.DecimalField("reste à recouvrer à la date (€)", max_digits=12, decimal_places=2)
    destinataire = models.EmailField("destinataire", blank=True)
    envoye = models.BooleanField("courriel envoyé", default=False)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "lettre de rappel"
        verbose_name_plural = "lettres de rappel"
        ordering = ["titre", "rang"]
        constraints = [
            models.UniqueConstraint(
                fields=["titre", "rang"],
                name="rappel_rang_unique",
                violation_error_message="Ce rappel a déjà été envoyé.",
            ),
        ]

    def __str__(self):
        return f"Rappel n° {self.rang} du {self.date:%d/%m/%Y} — {self.titre}"


class Acquittement(models.Model):
    """The comptable's acknowledgement of one of our PES flows (PES_Acquit): received or
    refused, with the errors it reports (B11)."""

    bordereau = models.ForeignKey(
        Bordereau, on_delete=models.PROTECT, related_name="acquittements", verbose_name="bordereau"
    )
    nom_fichier = models.CharField("flux acquitté (NomFic)", max_length=100)
    accepte = models.BooleanField("flux accepté")
    erreurs = models.TextField("erreurs signalées", blank=True)
    date = models.DateField("date de l'acquittement")
    sha256 = models.CharField("empreinte du fichier", max_length=64)
    source = models.CharField("source", max_length=10, choices=Source.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "acquittement PES"
        verbose_name_plural = "acquittements PES"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bordereau", "sha256"],
                name="acquittement_unique",
                violation_error_message="Cet acquittement est déjà enregistré.",
            ),
        ]

    def __str__(self):
        return f"{self.nom_fichier} : {'accepté' if self.accepte else 'refusé'}"
