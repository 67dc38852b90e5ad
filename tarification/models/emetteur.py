"""The issuing body (ordonnateur) of the titres and its settings (B5, B6)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from outils.identifiants import (
    iban_compact,
    siret_de_siren,
    valider_bic,
    valider_iban,
    valider_siren,
    valider_siret,
)

# T10 — no VAT is charged, but the reason differs by nature (B5): a refacturation or an appel
# de fonds is not "a contribution to a service commun". Wording to be confirmed by the comptable.
MENTION_TVA_CONTRIBUTION = (
    "TVA non applicable : contribution d'une personne publique à un service commun "
    "(hors champ de la TVA)."
)
MENTION_TVA_REFACTURATION = (
    "TVA non applicable : remboursement à l'identique d'un achat réalisé au nom et pour le "
    "compte du membre (débours)."
)
MENTION_TVA_APPEL_DE_FONDS = (
    "TVA non applicable : répartition entre ses membres d'une charge du groupement de commandes."
)
MENTION_TVA_FRAIS_SORTIE = (
    "TVA non applicable : remboursement par le membre des charges liées à sa sortie du service "
    "commun."
)


class Emetteur(models.Model):
    """The issuing body (ordonnateur) of the titres: Redon Agglomération. One row (pk=1)."""

    nom = models.CharField("nom", max_length=200)
    siren = models.CharField("SIREN", max_length=9, validators=[valider_siren])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    adresse = models.CharField("adresse", max_length=200)
    code_postal = models.CharField("code postal", max_length=5)
    ville = models.CharField("ville", max_length=120)
    ordonnateur_prenom = models.CharField("prénom de l'ordonnateur", max_length=100, blank=True)
    ordonnateur_nom = models.CharField("nom de l'ordonnateur", max_length=100, blank=True)
    ordonnateur_qualite = models.CharField(
        "qualité de l'ordonnateur", max_length=150, default="Président"
    )
    budget = models.CharField("budget", max_length=100, default="Budget principal")
    comptable_public = models.TextField(
        "comptable public", blank=True, help_text="Nom et adresse du comptable assignataire."
    )
    modalites_paiement = models.TextField(
        "modalités de paiement",
        blank=True,
        help_text="Où et comment payer (le titre imprime aussi l'IBAN et le BIC ci-dessous).",
    )
    iban = models.CharField(
        "IBAN du comptable public",
        max_length=34,
        blank=True,
        validators=[valider_iban],
        help_text="Compte à la Banque de France indiqué par le comptable ; imprimé sur les titres.",
    )
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[valider_bic])
    mention_tva = models.CharField(
        "mention TVA : contribution et audit (T10)",
        max_length=250,
        default=MENTION_TVA_CONTRIBUTION,
    )
    mention_tva_refacturation = models.CharField(
        "mention TVA : refacturation de mandat", max_length=250, default=MENTION_TVA_REFACTURATION
    )
    mention_tva_appel_de_fonds = models.CharField(
        "mention TVA : appel de fonds", max_length=250, default=MENTION_TVA_APPEL_DE_FONDS
    )
    mention_tva_frais_sortie = models.CharField(
        "mention TVA : frais de sortie", max_length=250, default=MENTION_TVA_FRAIS_SORTIE
    )
    tribunal = models.CharField(
        "juridiction compétente (art. 2.5)",
        max_length=150,
        default="tribunal administratif de Rennes",
    )
    imputation_contribution = models.CharField(
        "imputation : contribution annuelle", max_length=50, default="70875"
    )
    imputation_audit = models.CharField("imputation : audit", max_length=50, default="70875")
    imputation_refacturation = models.CharField(
        "imputation : refacturation de mandat", max_length=50, blank=True
    )
    imputation_appel_de_fonds = models.CharField(
        "imputation : appel de fonds", max_length=50, blank=True
    )
    imputation_frais_sortie = models.CharField(
        "imputation : frais de sortie", max_length=50, blank=True
    )
    # B9 — what a PES V2 flow needs of the issuer (EnTetePES, PES Facture) and, per titre
    # nature, the M57 fonction and the local product code of its lines (the imputation above
    # is the M57 nature account).
    code_collectivite = models.CharField(
        "code collectivité Hélios (CodCol)",
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^\d{3}$", "Trois chiffres.")],
    )
    code_budget = models.CharField(
        "code budget Hélios (CodBud)",
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Z][0-9]$", "Deux caractères, par exemple 00.")],
    )
    poste_comptable = models.CharField(
        "code du poste comptable (IdPost)",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^(02[AB]\d{3,4}|\d{6,7})$", "6 ou 7 chiffres (codique).")],
    )
    categorie_tiers = models.CharField(
        "catégorie de tiers de l'émetteur (PES)", max_length=2, default="24"
    )
    reference_bdf = models.CharField(
        "référence Banque de France du budget (RefBdf)",
        max_length=13,
        blank=True,
        help_text="ICS ou numéro d'émetteur associé au budget, exigé par la PES Facture ASAP.",
    )
    poste_comptable_nom = models.CharField("poste comptable : nom", max_length=100, blank=True)
    poste_comptable_adresse = models.CharField(
        "poste comptable : adresse", max_length=150, blank=True
    )
    poste_comptable_code_postal = models.CharField(
        "poste comptable : code postal", max_length=5, blank=True
    )
    poste_comptable_ville = models.CharField("poste comptable : ville", max_length=100, blank=True)
    encaissement_code_postal = models.CharField(
        "centre d'encaissement : code postal", max_length=5, blank=True
    )
    encaissement_ville = models.CharField(
        "centre d'encaissement : ville", max_length=100, blank=True
    )
    encaissement_tsa = models.CharField("centre d'encaissement : TSA", max_length=38, blank=True)
    fonction_contribution = models.CharField(
        "fonction M57 : contribution et audit", max_length=10, default="020"
    )
    produit_contribution = models.CharField(
        "code produit local : contribution et audit", max_length=4, blank=True
    )
    fonction_refacturation = models.CharField(
        "fonction M57 : refacturation", max_length=10, default="020"
    )
    produit_refacturation = models.CharField(
        "code produit local : refacturation", max_length=4, blank=True
    )
    fonction_appel_de_fonds = models.CharField(
        "fonction M57 : appel de fonds", max_length=10, default="020"
    )
    produit_appel_de_fonds = models.CharField(
        "code produit local : appel de fonds", max_length=4, blank=True
    )
    fonction_frais_sortie = models.CharField(
        "fonction M57 : frais de sortie", max_length=10, default="020"
    )
    produit_frais_sortie = models.CharField(
        "code produit local : frais de sortie", max_length=4, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "émetteur des titres"
        verbose_name_plural = "émetteur des titres"

    def __str__(self):
        return self.nom

    @classmethod
    def courant(cls) -> "Emetteur | None":
        return cls.objects.filter(pk=1).first()

    def clean(self):
        if self.iban:
            self.iban = iban_compact(self.iban)
        if self.bic:
            self.bic = self.bic.replace(" ", "").upper()
        if self.siret and self.siren and not siret_de_siren(self.siret, self.siren):
            raise ValidationError(
                {"siret": f"Le SIRET {self.siret} ne commence pas par le SIREN {self.siren} (B8)."}
            )
        if bool(self.iban) != bool(self.bic):
            raise ValidationError(
                "Indiquez l'IBAN et le BIC du comptable public, ou aucun des deux."
            )

    def save(self, *args, **kwargs):
        self.pk = 1  # a single issuer
        super().save(*args, **kwargs)
