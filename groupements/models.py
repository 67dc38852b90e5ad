"""Groupements de commandes (convention art. 4.2): the groupement and its life cycle, its
market(s), its members and their declared needs, and the répartitions of charges and sums
received among the members (rules G1–G8, kept in groupements/regles.py)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from groupements import regles
from groupements.regles import Etape
from membres.models import Adhesion, Commune, Etablissement
from outils.dates import ajouter_mois, veille
from outils.formats import formater_euros, formater_quantite


def aujourdhui() -> date:
    return timezone.localdate()


def verifier_eligibilite(*, commune: Commune, jour: date, etablissement=None) -> None:
    """G1 for a member on ``jour``: its commune's formula read (one query), then the rule."""
    formule = Adhesion.objects.formules_le([commune.pk], jour).get(commune.pk)
    qui = f"{etablissement.nom} ({commune.nom})" if etablissement else commune.nom
    regles.verifier_eligibilite(formule=formule, qui=qui, jour=jour)


def _atteinte(champ: str, etapes: list[str], nom: str, message: str) -> models.CheckConstraint:
    """G4: the date of a step is filled exactly when the groupement has reached that step."""
    return models.CheckConstraint(
        condition=(Q(etape__in=etapes) & Q(**{f"{champ}__isnull": False}))
        | (~Q(etape__in=etapes) & Q(**{f"{champ}__isnull": True})),
        name=nom,
        violation_error_message=message,
    )


def _ordonnees(avant: str, apres: str, nom: str, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{avant}__isnull": True})
        | Q(**{f"{apres}__isnull": True})
        | Q(**{f"{apres}__gte": F(avant)}),
        name=nom,
        violation_error_message=message,
    )


def _groupement_frais(objet) -> "Groupement":
    """The groupement as stored now: a rule on the launch (G5, G8) must not trust an instance
    cached before the consultation was launched."""
    return Groupement.objects.get(pk=objet.groupement_id)


class GroupementQuerySet(models.QuerySet):
    def ouverts(self):
        """Groupements one may still join (G8): consultation not launched yet."""
        return self.filter(consultation_lancee_le__isnull=True)


class Groupement(models.Model):
    """A groupement de commandes coordinated by the EPCI (art. 4.2), from its constitution to
    the end of its market (G4)."""

    class Categorie(models.TextChoices):
        TELEPHONIE = "telephonie", "téléphonie"
        INTERNET = "internet", "accès à internet"
        GTC = "gtc", "gestion technique centralisée (GTC)"
        CENTRALE_ACHAT = "centrale_achat", "achat via une centrale d'achat"
        APPLICATION_MOBILE = "application_mobile", "application mobile"
        LOGICIELS = "logiciels", "logiciels"
        MATERIEL = "materiel", "matériel"
        AUTRE = "autre", "autre"

    Etape = regles.Etape

    objet = models.CharField("objet", max_length=250, unique=True)
    categorie = models.CharField("catégorie", max_length=30, choices=Categorie.choices)
    centrale_achat = models.CharField(
        "centrale d'achat",
        max_length=150,
        blank=True,
        help_text="Si le groupement achète par une centrale d'achat (par exemple le RESAH).",
    )
    coordonnateur = models.CharField(
        "coordonnateur", max_length=200, default=regles.COORDONNATEUR_PAR_DEFAUT
    )
    description = models.TextField("description", blank=True)
    etape = models.CharField(
        "étape", max_length=20, choices=Etape.CHOIX, default=Etape.CONSTITUTION, editable=False
    )
    constitue_le = models.DateField("constitué le", default=aujourdhui)
    recensement_ouvert_le = models.DateField(
        "recensement des besoins ouvert le", null=True, blank=True, editable=False
    )
    date_limite_besoins = models.DateField(
        "date limite de déclaration des besoins", null=True, blank=True
    )
    consultation_lancee_le = models.DateField(
        "avis de marché envoyé pour publication le",
        null=True,
        blank=True,
        editable=False,
        help_text="Lancement de la consultation : besoins figés, plus d'adhésion ni de retrait.",
    )
    attribue_le = models.DateField("marché attribué le", null=True, blank=True, editable=False)
    execution_debut_le = models.DateField(
        "exécution commencée le", null=True, blank=True, editable=False
    )
    echu_le = models.DateField("échu le", null=True, blank=True, editable=False)
    resilie_le = models.DateField("résilié le", null=True, blank=True, editable=False)
    motif_resiliation = models.TextField("motif de la résiliation", blank=True, editable=False)
    history = HistoricalRecords()

    objects = GroupementQuerySet.as_manager()

    class Meta:
        verbose_name = "groupement de commandes"
        verbose_name_plural = "groupements de commandes"
        ordering = ["-constitue_le", "objet"]
        permissions = [
            ("gerer_etapes", "peut faire avancer un groupement dans son cycle de vie"),
        ]
        constraints = [
            _atteinte(
                "recensement_ouvert_le",
                Etape.ORDRE[1:] + [Etape.RESILIE],
                "groupement_date_recensement",
                "La date d'ouverture du recensement est celle de l'étape atteinte.",
            ),
            _atteinte(
                "consultation_lancee_le",
                Etape.LANCEES,
                "groupement_date_consultation",
                "La date d'envoi de l'avis de marché est celle du lancement de la consultation.",
            ),
            _atteinte(
                "attribue_le",
                [Etape.ATTRIBUTION, Etape.EXECUTION, Etape.ECHU, Etape.RESILIE],
                "groupement_date_attribution",
                "La date d'attribution est celle de l'étape atteinte.",
            ),
            models.CheckConstraint(
                condition=Q(execution_debut_le__isnull=True)
                | Q(etape__in=[Etape.EXECUTION, Etape.ECHU, Etape.RESILIE]),
                name="groupement_date_execution",
                violation_error_message="Seul un groupement en exécution a une date d'exécution.",
            ),
            models.CheckConstraint(
                condition=~Q(etape__in=[Etape.EXECUTION, Etape.ECHU])
                | Q(execution_debut_le__isnull=False),
                name="groupement_execution_datee",
                violation_error_message="Un groupement en exécution porte la date de son début.",
            ),
            _atteinte(
                "echu_le",
                [Etape.ECHU],
                "groupement_date_echeance",
                "Seul un groupement échu a une date d'échéance.",
            ),
            _atteinte(
                "resilie_le",
                [Etape.RESILIE],
                "groupement_date_resiliation",
                "Seul un groupement résilié a une date de résiliation.",
            ),
            _ordonnees(
                "constitue_le",
                "recensement_ouvert_le",
                "groupement_recensement_apres_constitution",
                "Le recensement ne peut s'ouvrir avant la constitution du groupement.",
            ),
            _ordonnees(
                "recensement_ouvert_le",
                "consultation_lancee_le",
                "groupement_consultation_apres_recensement",
                "La consultation ne peut être lancée avant l'ouverture du recensement.",
            ),
            _ordonnees(
                "consultation_lancee_le",
                "attribue_le",
                "groupement_attribution_apres_consultation",
                "L'attribution ne peut précéder le lancement de la consultation.",
            ),
            _ordonnees(
                "attribue_le",
                "execution_debut_le",
                "groupement_execution_apres_attribution",
                "L'exécution ne peut commencer avant l'attribution.",
            ),
            _ordonnees(
                "execution_debut_le",
                "echu_le",
                "groupement_echeance_apres_execution",
                "L'échéance ne peut précéder le début de l'exécution.",
            ),
            _ordonnees(
                "attribue_le",
                "resilie_le",
                "groupement_resiliation_apres_attribution",
                "La résiliation ne peut précéder l'attribution.",
            ),
        ]

    def __str__(self):
        return self.objet

    @property
    def est_lance(self) -> bool:
        return regles.est_lance(self)

    @property
    def est_termine(self) -> bool:
        return self.etape in Etape.TERMINEES

    def dates_des_etapes(self) -> list[tuple[str, date | None]]:
        """G4: each step with the date it was reached (None if not yet)."""
        etapes = list(Etape.ORDRE)
        if self.etape == Etape.RESILIE:
            etapes = etapes[: etapes.index(Etape.EXECUTION) + 1] + [Etape.RESILIE]
        return [(Etape.LIBELLES[e], getattr(self, Etape.CHAMP_DATE[e])) for e in etapes]


class Marche(models.Model):
    """A market (or a lot) passed by the groupement: reference, procedure, titulaire, dates."""

    class Procedure(models.TextChoices):
        APPEL_OFFRES = "appel_offres", "appel d'offres ouvert"
        ADAPTEE = "adaptee", "procédure adaptée"
        NEGOCIEE = "negociee", "procédure avec négociation"
        DIALOGUE = "dialogue", "dialogue compétitif"
        CENTRALE = "centrale", "marché d'une centrale d'achat"
        SUBSEQUENT = "subsequent", "marché subséquent d'un accord-cadre"
        AUTRE = "autre", "autre"

    groupement = models.ForeignKey(
        Groupement, on_delete=models.PROTECT, related_name="marches", verbose_name="groupement"
    )
    reference = models.CharField("référence", max_length=60)
    intitule = models.CharField("intitulé (objet ou lot)", max_length=250, blank=True)
    procedure = models.CharField("procédure", max_length=20, choices=Procedure.choices)
    titulaire = models.CharField("titulaire", max_length=200, blank=True)
    notifie_le = models.DateField("notifié le", null=True, blank=True)
    duree_mois = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    fin = models.DateField(
        "date de fin",
        null=True,
        blank=True,
        help_text="Par défaut : notification + durée − 1 jour.",
    )
    montant = models.DecimalField(
        "montant HT (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Montant estimé ou maximum du marché.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "marché"
        verbose_name_plural = "marchés"
        ordering = ["groupement", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["groupement", "reference", "intitule"],
                name="marche_reference_unique",
                violation_error_message="Ce groupement a déjà un marché de cette référence.",
            ),
            _ordonnees(
                "notifie_le",
                "fin",
                "marche_fin_apres_notification",
                "La fin du marché ne peut précéder sa notification.",
            ),
            models.CheckConstraint(
                condition=Q(montant__isnull=True) | Q(montant__gte=0),
                name="marche_montant_positif",
                violation_error_message="Le montant du marché ne peut être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.intitule}" if self.intitule else self.reference

    def fin_calculee(self) -> date | None:
        if self.notifie_le and self.duree_mois:
            return veille(ajouter_mois(self.notifie_le, self.duree_mois))
        return None

    def clean(self):
        if not self.fin:
            self.fin = self.fin_calculee()
        if self.fin and self.notifie_le and self.fin < self.notifie_le:
            raise ValidationError({"fin": "La fin du marché ne peut précéder sa notification."})

    def save(self, *args, **kwargs):
        if not self.fin:
            self.fin = self.fin_calculee()
        super().save(*args, **kwargs)


class AdhesionGroupementQuerySet(models.QuerySet):
    def actives(self):
        """Memberships not withdrawn (G5)."""
        return self.filter(retrait_notifie_le__isnull=True)

    def de_commune(self, commune):
        """A commune's memberships, its établissements' included (for the member portal)."""
        return self.filter(commune=commune)


class AdhesionGroupement(models.Model):
    """A member of a groupement: a commune, or one of its établissements associés (M7), with
    its qualitative needs (G3) and, if any, its retrait (G5)."""

    groupement = models.ForeignKey(
        Groupement, on_delete=models.PROTECT, related_name="adhesions", verbose_name="groupement"
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="adhesions_groupements",
        verbose_name="commune",
    )
    etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adhesions_groupements",
        verbose_name="établissement associé",
        help_text="Si le membre est un établissement de la commune (il est alors son propre débiteur).",
    )
    adhere_le = models.DateField("adhère depuis le", default=aujourdhui)
    besoins_qualitatifs = models.TextField(
        "besoins qualitatifs",
        blank=True,
        help_text="Contraintes, usages, exigences de service, calendrier… (art. 4.2.3).",
    )
    besoins_declares_le = models.DateField("besoins déclarés le", null=True, blank=True)
    retrait_decision_numero = models.CharField(
        "n° de la décision de retrait", max_length=50, blank=True
    )
    retrait_decision_date = models.DateField(
        "date de la décision de retrait", null=True, blank=True
    )
    retrait_notifie_le = models.DateField(
        "retrait notifié au coordonnateur le", null=True, blank=True
    )
    history = HistoricalRecords()

    objects = AdhesionGroupementQuerySet.as_manager()

    class Meta:
        verbose_name = "membre du groupement"
        verbose_name_plural = "membres du groupement"
        ordering = ["groupement", "adhere_le", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["groupement", "commune"],
                condition=Q(etablissement__isnull=True, retrait_notifie_le__isnull=True),
                name="adhesion_groupement_commune_unique",
                violation_error_message="Cette commune est déjà membre de ce groupement.",
            ),
            models.UniqueConstraint(
                fields=["groupement", "etablissement"],
                condition=Q(etablissement__isnull=False, retrait_notifie_le__isnull=True),
                name="adhesion_groupement_etablissement_unique",
                violation_error_message="Cet établissement est déjà membre de ce groupement.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(retrait_notifie_le__isnull=True)
                    & Q(retrait_decision_date__isnull=True)
                    & Q(retrait_decision_numero="")
                )
                | (
                    Q(retrait_notifie_le__isnull=False)
                    & Q(retrait_decision_date__isnull=False)
                    & ~Q(retrait_decision_numero="")
                ),
                name="adhesion_groupement_retrait_complet",
                violation_error_message=(
                    "Un retrait porte le numéro et la date de la décision, et sa date de "
                    "notification au coordonnateur."
                ),
            ),
            _ordonnees(
                "retrait_decision_date",
                "retrait_notifie_le",
                "adhesion_groupement_notification_apres_decision",
                "La décision de retrait ne peut être datée après sa notification.",
            ),
        ]

    def __str__(self):
        return f"{self.nom_membre} — {self.groupement}"

    @property
    def membre(self):
        """The debtor of its appels de fonds: the établissement, or else the commune (M7)."""
        return self.etablissement or self.commune

    @property
    def nom_membre(self) -> str:
        if self.etablissement_id:
            return f"{self.etablissement.nom} ({self.commune.nom})"
        return self.commune.nom

    @property
    def est_active(self) -> bool:
        return self.retrait_notifie_le is None

    @property
    def peut_modifier_besoins(self) -> bool:
        """For the portal: the member may still declare or change its needs (G8)."""
        return self.est_active and not self.groupement.est_lance

    @property
    def peut_se_retirer(self) -> bool:
        """For the portal: a retrait may still be requested (G5)."""
        return self.est_active and not self.groupement.est_lance

    def total_besoins(self) -> Decimal:
        """Estimated amount of the declared needs (use with prefetched ``besoins``)."""
        return sum((b.montant_estime for b in self.besoins.all()), Decimal("0.00"))

    def clean(self):
        """The same rules as the acts, for the admin: G1 and G8 when a member is added, G5
        when a retrait is recorded."""
        if (
            self.etablissement_id
            and self.commune_id
            and self.etablissement.commune_id != self.commune_id
        ):
            raise ValidationError(
                {"etablissement": "Cet établissement n'appartient pas à cette commune."}
            )
        if self._state.adding and self.commune_id and self.adhere_le:
            if self.groupement_id:
                regles.verifier_adhesion_ouverte(_groupement_frais(self), self.adhere_le)
            verifier_eligibilite(
                commune=self.commune, jour=self.adhere_le, etablissement=self.etablissement
            )
        if self.retrait_notifie_le and self.groupement_id:
            regles.verifier_retrait(
                _groupement_frais(self),
                notifie_le=self.retrait_notifie_le,
                decision_date=self.retrait_decision_date or self.retrait_notifie_le,
            )


class PosteBesoin(models.Model):
    """An item of the harmonised list of needs the coordonnateur proposes to the members
    (art. 4.2.1, « harmonisation préalable des besoins »)."""

    groupement = models.ForeignKey(
        Groupement, on_delete=models.CASCADE, related_name="postes", verbose_name="groupement"
    )
    designation = models.CharField("désignation", max_length=200)
    unite = models.CharField("unité", max_length=50, help_text="ligne, site, licence, poste…")
    prix_unitaire_indicatif = models.DecimalField(
        "prix unitaire indicatif HT (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.TextField("description", blank=True)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "poste de besoin"
        verbose_name_plural = "postes de besoins"
        ordering = ["groupement", "ordre", "designation"]
        constraints = [
            models.UniqueConstraint(
                fields=["groupement", "designation"],
                name="poste_besoin_unique",
                violation_error_message="Ce groupement a déjà un poste de cette désignation.",
            ),
            models.CheckConstraint(
                condition=Q(prix_unitaire_indicatif__isnull=True)
                | Q(prix_unitaire_indicatif__gte=0),
                name="poste_besoin_prix_positif",
                violation_error_message="Un prix unitaire ne peut être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.designation} ({self.unite})"


class Besoin(models.Model):
    """A quantitative need declared by a member (G3): quantity and estimated amount."""

    adhesion = models.ForeignKey(
        AdhesionGroupement,
        on_delete=models.PROTECT,
        related_name="besoins",
        verbose_name="membre du groupement",
    )
    poste = models.ForeignKey(
        PosteBesoin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="besoins",
        verbose_name="poste",
    )
    designation = models.CharField("désignation", max_length=200)
    unite = models.CharField("unité", max_length=50)
    quantite = models.DecimalField("quantité", max_digits=12, decimal_places=2)
    montant_estime = models.DecimalField("montant estimé HT (€)", max_digits=12, decimal_places=2)
    precisions = models.CharField("précisions", max_length=250, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "besoin"
        verbose_name_plural = "besoins"
        ordering = ["adhesion", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantite__gte=0),
                name="besoin_quantite_positive",
                violation_error_message="Une quantité ne peut être négative.",
            ),
            models.CheckConstraint(
                condition=Q(montant_estime__gte=0),
                name="besoin_montant_positif",
                violation_error_message="Un montant estimé ne peut être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.designation} : {self.quantite_texte} {self.unite}"

    @property
    def quantite_texte(self) -> str:
        """The quantity in French without useless decimals: 37, 12,5."""
        return formater_quantite(self.quantite)

    def clean(self):
        if self.poste_id:
            if not self.designation:
                self.designation = self.poste.designation
            if not self.unite:
                self.unite = self.poste.unite
        if self.adhesion_id:
            regles.verifier_besoins_modifiables(_groupement_frais(self.adhesion))  # G8
            if self.poste_id and self.poste.groupement_id != self.adhesion.groupement_id:
                raise ValidationError({"poste": "Ce poste n'est pas celui de ce groupement."})

    def delete(self, *args, **kwargs):
        # G7/G8: once the consultation is launched, a member stays bound by its needs.
        regles.verifier_besoins_modifiables(_groupement_frais(self.adhesion))
        return super().delete(*args, **kwargs)


class Repartition(models.Model):
    """A charge borne by the groupement, split into appels de fonds (titres), or a sum
    received, split into amounts to pay back to the members (G6, art. 4.2.6 and 4.2.7.1)."""

    class Sens(models.TextChoices):
        CHARGE = "charge", "charge à répartir (appels de fonds)"
        RECETTE = "recette", "somme reçue à reverser aux membres"

    class Motif(models.TextChoices):
        INDEMNITE_RESILIATION = "indemnite_resiliation", "indemnité de résiliation"
        DOMMAGES = "dommages", "dommages et intérêts"
        FRAIS_CONTENTIEUX = "frais_contentieux", "frais de contentieux"
        AUTRE = "autre", "autre"

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "aperçu (brouillon)"
        EMISE = "emise", "appels de fonds émis"
        ARRETEE = "arretee", "reversements arrêtés"

    groupement = models.ForeignKey(
        Groupement,
        on_delete=models.PROTECT,
        related_name="repartitions",
        verbose_name="groupement",
    )
    sens = models.CharField("sens", max_length=10, choices=Sens.choices)
    motif = models.CharField("motif", max_length=30, choices=Motif.choices)
    libelle = models.CharField("objet", max_length=250)
    montant = models.DecimalField("montant HT (€)", max_digits=12, decimal_places=2)
    piece = models.CharField(
        "pièce justificative",
        max_length=250,
        help_text="Jugement, décompte de résiliation, transaction… (référence).",
    )
    piece_date = models.DateField("date de la pièce")
    motif_poids = models.TextField(
        "justification des poids", blank=True, help_text="Obligatoire si les poids sont modifiés."
    )
    statut = models.CharField(
        "statut", max_length=10, choices=Statut.choices, default=Statut.BROUILLON, editable=False
    )
    cree_le = models.DateTimeField("enregistrée le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="enregistrée par",
        editable=False,
    )
    validee_le = models.DateTimeField("émise ou arrêtée le", null=True, blank=True, editable=False)
    validee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émise ou arrêtée par",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "répartition"
        verbose_name_plural = "répartitions"
        ordering = ["-cree_le", "-pk"]
        permissions = [
            ("emettre_appels_de_fonds", "peut émettre les appels de fonds d'un groupement"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gt=0),
                name="repartition_montant_positif",
                violation_error_message="Le montant à répartir doit être strictement positif.",
            ),
            models.CheckConstraint(
                condition=Q(statut="brouillon")
                | Q(statut="emise", sens="charge")
                | Q(statut="arretee", sens="recette"),
                name="repartition_statut_selon_sens",
                violation_error_message=(
                    "Une charge donne lieu à des appels de fonds ; une somme reçue, à des "
                    "reversements."
                ),
            ),
            models.CheckConstraint(
                condition=Q(statut="brouillon") | Q(validee_le__isnull=False),
                name="repartition_validation_datee",
                violation_error_message="Une répartition émise ou arrêtée porte sa date.",
            ),
        ]

    def __str__(self):
        return f"{self.groupement} — {self.libelle}"

    @property
    def est_brouillon(self) -> bool:
        return self.statut == self.Statut.BROUILLON

    @property
    def est_charge(self) -> bool:
        return self.sens == self.Sens.CHARGE

    @property
    def article(self) -> str:
        """The convention article the répartition rests on."""
        if self.motif == self.Motif.INDEMNITE_RESILIATION:
            return "art. 4.2.7.1 (« Retrait et résiliation »)"
        return "art. 4.2.6"

    def delete(self, *args, **kwargs):
        if not self.est_brouillon:
            raise ValidationError(
                "Une répartition émise ou arrêtée ne peut être supprimée : ses titres et ses "
                "reversements sont définitifs."
            )
        return super().delete(*args, **kwargs)


class PartRepartition(models.Model):
    """A member's share of a répartition: its weight (by default the estimated amount of its
    needs), its amount to the cent and, for a charge, the titre that calls it (G6)."""

    repartition = models.ForeignKey(
        Repartition, on_delete=models.CASCADE, related_name="parts", verbose_name="répartition"
    )
    adhesion = models.ForeignKey(
        AdhesionGroupement,
        on_delete=models.PROTECT,
        related_name="parts",
        verbose_name="membre du groupement",
    )
    rang = models.PositiveIntegerField("rang", help_text="Ordre de départage des restes (G6).")
    poids = models.DecimalField("poids (€)", max_digits=14, decimal_places=2)
    montant = models.DecimalField("part (€)", max_digits=12, decimal_places=2)
    titre = models.OneToOneField(
        "tarification.TitreDeRecettes",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="part_repartition",
        verbose_name="titre (appel de fonds)",
    )

    class Meta:
        verbose_name = "part d'une répartition"
        verbose_name_plural = "parts d'une répartition"
        ordering = ["repartition", "rang"]
        constraints = [
            models.UniqueConstraint(
                fields=["repartition", "adhesion"],
                name="part_unique_par_membre",
                violation_error_message="Ce membre a déjà une part dans cette répartition.",
            ),
            models.CheckConstraint(
                condition=Q(poids__gte=0),
                name="part_poids_positif",
                violation_error_message="Un poids ne peut être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="part_montant_positif",
                violation_error_message="Une part ne peut être négative.",
            ),
        ]

    def __str__(self):
        return f"{self.adhesion.nom_membre} : {formater_euros(self.montant)}"


def groupements_accessibles(*, commune: Commune, jour: date, etablissement=None) -> list:
    """For the member portal: the groupements this member may join on ``jour`` — none if its
    formula does not allow it (G1), else those constituted and not launched (G8) it is not
    already an active member of. Two queries."""
    if not regles.est_eligible(Adhesion.objects.formules_le([commune.pk], jour).get(commune.pk)):
        return []
    deja = AdhesionGroupement.objects.actives().filter(commune=commune, etablissement=etablissement)
    return list(
        Groupement.objects.ouverts()
        .filter(constitue_le__lte=jour)
        .exclude(pk__in=deja.values("groupement_id"))
        .order_by("objet")
    )
