"""Titres de recettes, their lines, bordereaux, counters and campaigns (B1–B8): issued means
frozen (the model and its querysets refuse any change, B4)."""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from outils.formats import formater_euros


class TitreImmuable(Exception):
    """Raised on any attempt to change or delete an issued titre or its lines (B4)."""


class Compteur(models.Model):
    """The last number taken in one series (B3): titres, or bordereaux, per exercice and budget.

    Why no hole and no duplicate: the next number is read and incremented on this row while it
    is locked (``SELECT … FOR UPDATE``) inside the transaction that inserts the titres. A
    concurrent issuer waits for the lock, and sees the incremented value once the first
    transaction commits; if that transaction rolls back, its increment rolls back with its
    titres, so the number is taken again by the next issuer. The unique constraint on
    (exercice, budget, numero) of the titres backs this up. The row also keeps the last
    titre's hash (the chain of tamper evidence is per series) and the last issue date (a
    series is in chronological order).
    """

    class Serie(models.TextChoices):
        TITRE = "titre", "titres de recettes"
        BORDEREAU = "bordereau", "bordereaux"

    exercice = models.PositiveSmallIntegerField("exercice")
    budget = models.CharField("budget", max_length=100)
    serie = models.CharField("série", max_length=20, choices=Serie.choices)
    dernier = models.PositiveIntegerField("dernier numéro attribué", default=0)
    derniere_empreinte = models.CharField("empreinte du dernier titre", max_length=64, blank=True)
    derniere_date = models.DateField("date du dernier titre", null=True, blank=True)

    class Meta:
        verbose_name = "compteur de numérotation"
        verbose_name_plural = "compteurs de numérotation"
        constraints = [
            models.UniqueConstraint(
                fields=["exercice", "budget", "serie"],
                name="compteur_unique_par_serie",
                violation_error_message="Cette série a déjà un compteur.",
            )
        ]

    def __str__(self):
        return f"{self.get_serie_display()} {self.exercice} — {self.budget} : {self.dernier}"


class Bordereau(models.Model):
    """Titres issued together (B3), numbered in their own series per exercice and budget.

    A bordereau holds titres of one kind (``genre``): ordinary titres, titres complémentaires,
    or réductions and annulations (B4, B9: corrections travel in bordereaux of their own). A
    campaign run may issue one of each (``campagne``).

    It also carries the progress of the background rendering of its titres' PDFs (django.tasks
    has no progress API): expected, rendered, failed.
    """

    class Genre(models.TextChoices):
        TITRES = "titres", "titres de recettes"
        COMPLEMENTS = "complements", "titres complémentaires"
        REDUCTIONS = "reductions", "réductions et annulations"

    exercice = models.PositiveSmallIntegerField("exercice")
    budget = models.CharField("budget", max_length=100)
    numero = models.PositiveIntegerField("numéro")
    genre = models.CharField("genre", max_length=20, choices=Genre.choices, default=Genre.TITRES)
    campagne = models.ForeignKey(
        "Campagne",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bordereaux",
        verbose_name="campagne",
        help_text="Le lancement de campagne qui a émis ce bordereau, le cas échéant.",
    )
    date_emission = models.DateField("date d'émission")
    libelle = models.CharField("libellé", max_length=250)
    emis_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émis par",
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    pdf_attendus = models.PositiveIntegerField("PDF à produire", default=0)
    pdf_rendus = models.PositiveIntegerField("PDF produits", default=0)
    pdf_echecs = models.PositiveIntegerField("PDF en échec", default=0)
    pdf_message = models.TextField("dernier incident de production", blank=True)
    pdf_debut = models.DateTimeField("production commencée le", null=True, blank=True)
    pdf_fin = models.DateTimeField("production terminée le", null=True, blank=True)
    # B9 — its PES V2 file, produced once its PDFs exist and validated before it is kept;
    # never replaced (like the titres' PDFs). The error when it could not be produced.
    pes = models.FileField(
        "fichier PES V2", upload_to="pes/%Y/", max_length=255, blank=True, editable=False
    )
    pes_sha256 = models.CharField("empreinte du fichier PES", max_length=64, blank=True)
    pes_genere_le = models.DateTimeField("fichier PES produit le", null=True, blank=True)
    pes_erreur = models.TextField("pourquoi le fichier PES n'a pu être produit", blank=True)
    # B10 — the bordereau récapitulatif, the one document signed: produced once, never again.
    signataire = models.ForeignKey(
        "tarification.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bordereaux",
        verbose_name="signataire",
    )
    signe_le = models.DateField("signé le", null=True, blank=True)
    recapitulatif = models.FileField(
        "bordereau récapitulatif (PDF)",
        upload_to="recapitulatifs/%Y/",
        max_length=255,
        blank=True,
        editable=False,
    )
    recapitulatif_sha256 = models.CharField("empreinte du récapitulatif", max_length=64, blank=True)
    recapitulatif_signe = models.BooleanField(
        "signé électroniquement (PAdES)", default=False, editable=False
    )

    class Meta:
        verbose_name = "bordereau"
        verbose_name_plural = "bordereaux"
        ordering = ["-exercice", "-numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercice", "budget", "numero"],
                name="bordereau_numero_unique",
                violation_error_message="Ce numéro de bordereau existe déjà pour cet exercice et ce budget.",
            )
        ]

    def __str__(self):
        return f"Bordereau n° {self.numero} — exercice {self.exercice}"

    @property
    def pdf_termines(self) -> bool:
        return self.pdf_rendus + self.pdf_echecs >= self.pdf_attendus

    @property
    def pdf_pourcentage(self) -> int:
        if not self.pdf_attendus:
            return 100
        return min(100, (self.pdf_rendus * 100) // self.pdf_attendus)


class Campagne(models.Model):
    """One run of the yearly campaign for year N (B1, B4).

    Several runs may exist for one year: a member added later gets its titre in a later run,
    and a change after a run is billed by the next one (B4). A run issues at most one
    bordereau of ordinary titres (``bordereau``), one of titres complémentaires and one of
    réductions per exercice concerned (``bordereaux``, each of its own ``genre``), and records
    the mandat requests of closed exercices (``demandes_mandat``).
    """

    annee = models.PositiveSmallIntegerField("année des contributions")
    exercice = models.PositiveSmallIntegerField("exercice")
    bordereau = models.OneToOneField(
        Bordereau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campagne_principale",
        verbose_name="bordereau des titres",
    )
    lancee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancée par",
    )
    lancee_le = models.DateTimeField("lancée le", auto_now_add=True)

    class Meta:
        verbose_name = "campagne de titres"
        verbose_name_plural = "campagnes de titres"
        ordering = ["-annee", "-lancee_le"]
        permissions = [
            (
                "emettre_titres",
                "Peut émettre des titres de recettes (campagnes, audits, refacturations, "
                "frais de sortie, réductions et annulations)",
            ),
        ]

    def __str__(self):
        return (
            f"Campagne {self.annee} (exercice {self.exercice}, lancée le {self.lancee_le:%d/%m/%Y})"
        )


def _decimal_texte(valeur, decimales: int) -> str | None:
    if valeur is None:
        return None
    return format(Decimal(valeur).quantize(Decimal(1).scaleb(-decimales)), "f")


# The fields of an issued titre that may still change: the official numbers returned by the
# finance suite (B3) and the PDF rendered after commit (set once, from empty).
CHAMPS_MODIFIABLES_APRES_EMISSION = frozenset(
    {"numero_officiel", "bordereau_officiel", "pdf", "pdf_sha256", "pdf_genere_le", "pdf_erreur"}
)
CHAMPS_PDF = frozenset({"pdf", "pdf_sha256", "pdf_genere_le"})


class TitreQuerySet(models.QuerySet):
    def emis(self):
        return self.filter(statut=TitreDeRecettes.Statut.EMIS)

    def avec_etat(self):
        """Each titre with what its issued corrections take off (``corrige_total``, zero or
        negative), its net amount (``net``) and whether an annulation exists (``annule``): two
        subqueries, whatever the number of titres listed."""
        corrections = TitreDeRecettes.objects.filter(
            corrige=models.OuterRef("pk"), statut=TitreDeRecettes.Statut.EMIS
        )
        somme = (
            corrections.order_by()
            .values("corrige")
            .annotate(somme=models.Sum("total"))
            .values("somme")
        )
        zero = models.Value(Decimal("0.00"), output_field=_MONTANT)
        return self.annotate(
            corrige_total=Coalesce(models.Subquery(somme, output_field=_MONTANT), zero),
            net=models.ExpressionWrapper(
                models.F("total") + models.F("corrige_total"), output_field=_MONTANT
            ),
            annule=models.Exists(corrections.filter(nature=TitreDeRecettes.Nature.ANNULATION)),
        )

    def update(self, **kwargs):
        # B4 — bulk updates cannot alter an issued titre either (QuerySet.update skips save()).
        interdits = set(kwargs) - CHAMPS_MODIFIABLES_APRES_EMISSION
        if interdits and self.filter(statut=TitreDeRecettes.Statut.EMIS).exists():
            raise TitreImmuable(
                "Un titre émis ne peut être modifié : émettez une réduction ou une annulation."
            )
        return super().update(**kwargs)

    def delete(self):
        if self.filter(statut=TitreDeRecettes.Statut.EMIS).exists():
            raise TitreImmuable(
                "Un titre émis ne peut être supprimé : émettez un titre d'annulation."
            )
        return super().delete()


_MONTANT = models.DecimalField(max_digits=12, decimal_places=2)


def chemin_titre_pdf(instance, filename):
    return f"titres/{instance.exercice}/{filename}"


def chemin_piece_jointe(instance, filename):
    return f"titres/pieces-jointes/{instance.exercice}/{filename}"


class TitreDeRecettes(models.Model):
    """A titre de recettes: a snapshot of everything it says, frozen once issued (B4, B5).

    The debtor's and issuer's details and the lines with their bases de liquidation are copied
    at issue; the PDF is rendered from these fields only, never from live data. An issued
    titre is never changed nor deleted (save, delete, QuerySet.update/delete, admin): a
    mistake is corrected by a titre de réduction or d'annulation that refers to it (``corrige``).
    ``empreinte`` is a SHA-256 over its content and the previous titre's hash in its series
    (tamper evidence, ``manage.py verifier_titres``).
    """

    class Nature(models.TextChoices):
        CONTRIBUTION = "contribution", "contribution annuelle"
        AUDIT = "audit", "audit"
        REFACTURATION = "refacturation", "refacturation de mandat"
        APPEL_DE_FONDS = "appel_de_fonds", "appel de fonds"
        FRAIS_SORTIE = "frais_sortie", "frais de sortie"
        REDUCTION = "reduction", "réduction"
        ANNULATION = "annulation", "annulation"
        # B4 — what a later campaign bills on top of a yearly contribution already billed.
        COMPLEMENT = "complement", "titre complémentaire"

        @classmethod
        def corrections(cls):
            return [cls.REDUCTION, cls.ANNULATION]

        @classmethod
        def contributions(cls):
            """The natures that bill the yearly items (member, year, service) of the campaign."""
            return [cls.CONTRIBUTION, cls.COMPLEMENT]

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "brouillon"
        EMIS = "emis", "émis"

    # --- Series (B3)
    exercice = models.PositiveSmallIntegerField("exercice")
    budget = models.CharField("budget", max_length=100)
    numero = models.PositiveIntegerField("numéro", null=True, blank=True)
    bordereau = models.ForeignKey(
        Bordereau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="titres",
        verbose_name="bordereau",
    )
    date_emission = models.DateField("date d'émission")
    statut = models.CharField(
        "statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    # --- What is billed
    nature = models.CharField("nature", max_length=20, choices=Nature.choices)
    annee = models.PositiveSmallIntegerField("année facturée", null=True, blank=True)
    objet = models.CharField("objet", max_length=250)
    imputation = models.CharField("imputation budgétaire", max_length=50)
    total = models.DecimalField("total (€)", max_digits=12, decimal_places=2)
    # --- Debtor: the member (M7: for an établissement, its commune is set too)
    commune = models.ForeignKey(
        "membres.Commune", on_delete=models.PROTECT, related_name="titres", verbose_name="commune"
    )
    etablissement = models.ForeignKey(
        "membres.Etablissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="titres",
        verbose_name="établissement débiteur",
    )
    adhesion = models.ForeignKey(
        "membres.Adhesion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="titres",
        verbose_name="adhésion facturée",
        help_text="Pour un audit (T2) ou des frais de sortie (art. 2.4).",
    )
    # --- Snapshot of the debtor (B5, B8)
    debiteur_nom = models.CharField("débiteur", max_length=250)
    debiteur_adresse = models.TextField("adresse du débiteur", blank=True)
    debiteur_siret = models.CharField("SIRET du débiteur", max_length=14, blank=True)
    debiteur_code_service = models.CharField("code service Chorus Pro", max_length=100, blank=True)
    debiteur_engagement = models.CharField("référence d'engagement", max_length=50, blank=True)
    # --- Snapshot of the issuer (B5): name, SIREN, ordonnateur, comptable, mentions
    emetteur = models.JSONField("émetteur (copie à l'émission)", default=dict)
    # --- Corrections (B4)
    corrige = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name="titre corrigé",
    )
    motif = models.TextField("motif de la correction", blank=True)
    # --- Numbers returned by the finance suite when it owns the official series (B3)
    numero_officiel = models.CharField("n° de titre officiel", max_length=50, blank=True)
    bordereau_officiel = models.CharField("n° de bordereau officiel", max_length=50, blank=True)
    # --- Files
    piece_jointe = models.FileField(
        "pièce jointe (facture acquittée)",
        upload_to=chemin_piece_jointe,
        max_length=255,
        blank=True,
    )
    piece_jointe_sha256 = models.CharField(
        "empreinte de la pièce jointe", max_length=64, blank=True
    )
    pdf = models.FileField("PDF", upload_to=chemin_titre_pdf, max_length=255, blank=True)
    pdf_sha256 = models.CharField("empreinte du PDF", max_length=64, blank=True)
    pdf_genere_le = models.DateTimeField("PDF produit le", null=True, blank=True)
    # Set when the background rendering failed for this titre: the workers skip it until the
    # rendering is started again (``pdf.relancer``), so that no worker retries it endlessly.
    pdf_erreur = models.TextField("incident de production du PDF", blank=True)
    # --- Tamper evidence
    empreinte = models.CharField("empreinte", max_length=64, blank=True)
    empreinte_precedente = models.CharField(
        "empreinte du titre précédent", max_length=64, blank=True
    )
    emis_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émis par",
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    objects = TitreQuerySet.as_manager()

    class Meta:
        verbose_name = "titre de recettes"
        verbose_name_plural = "titres de recettes"
        ordering = ["-exercice", "-budget", "-numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercice", "budget", "numero"],
                name="titre_numero_unique",
                violation_error_message="Ce numéro de titre existe déjà pour cet exercice et ce budget.",
            ),
            models.CheckConstraint(
                condition=~Q(statut="emis")
                | (Q(numero__gte=1) & Q(bordereau__isnull=False) & ~Q(empreinte="")),
                name="titre_emis_numerote",
                violation_error_message="Un titre émis a un numéro, un bordereau et une empreinte.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(nature__in=["reduction", "annulation"])
                    & Q(total__lt=0)
                    & Q(corrige__isnull=False)
                    & ~Q(motif="")
                )
                | (~Q(nature__in=["reduction", "annulation"]) & Q(total__gte=0)),
                name="titre_total_selon_nature",
                violation_error_message=(
                    "Le total d'un titre est positif ; une réduction ou une annulation est "
                    "négative, motivée et se réfère au titre corrigé."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "exercice"], name="titre_commune_exercice"),
            # The titres list (issued, latest first) and its count read this index, not the
            # table, at tens of thousands of titres a year.
            models.Index(
                fields=["statut", "-exercice", "-budget", "-numero"], name="titre_liste_idx"
            ),
        ]

    def __str__(self):
        if self.numero:
            return f"Titre n° {self.numero} — exercice {self.exercice} — {self.debiteur_nom}"
        return f"Titre (brouillon) — {self.debiteur_nom}"

    @property
    def est_correction(self) -> bool:
        return self.nature in self.Nature.corrections()

    class Etat(models.TextChoices):
        """What became of an issued titre (read from its corrections, never stored)."""

        EMIS = "emis", "émis"
        REDUIT = "reduit", "réduit"
        ANNULE = "annule", "annulé"
        CORRECTION = "correction", "correction"

    def etat(self, corrige_total: Decimal | None = None, annule: bool | None = None) -> str:
        """Its state; ``corrige_total`` and ``annule`` come from ``avec_etat()`` when the
        titre was read through it (no query then)."""
        if self.est_correction:
            return self.Etat.CORRECTION
        if corrige_total is None:
            corrige_total = getattr(self, "corrige_total", None)
        if annule is None:
            annule = getattr(self, "annule", None)
        if corrige_total is None or annule is None:
            corrections = self.corrections.filter(statut=self.Statut.EMIS)
            corrige_total = corrections.aggregate(s=models.Sum("total"))["s"] or Decimal("0.00")
            annule = corrections.filter(nature=self.Nature.ANNULATION).exists()
        if annule or (corrige_total and self.total + corrige_total <= 0):
            return self.Etat.ANNULE
        if corrige_total:
            return self.Etat.REDUIT
        return self.Etat.EMIS

    @property
    def reference(self) -> str:
        return f"{self.exercice}-{self.numero:05d}" if self.numero else "brouillon"

    def nom_fichier_pdf(self) -> str:
        return f"titre-{self.reference}.pdf"

    # --- B4: issued means frozen ----------------------------------------------------------
    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self._refuser_si_modifie(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def _refuser_si_modifie(self, update_fields):
        champs = [f for f in self._meta.concrete_fields if not f.primary_key]
        ancien = type(self).objects.filter(pk=self.pk).values(*[f.attname for f in champs]).first()
        if ancien is None or ancien["statut"] != self.Statut.EMIS:
            return
        if update_fields is not None:
            champs = [f for f in champs if f.name in set(update_fields)]
        for champ in champs:
            valeur = getattr(self, champ.attname)
            if isinstance(champ, models.FileField):
                valeur = valeur.name or ""
                avant = ancien[champ.attname] or ""
            else:
                avant = ancien[champ.attname]
            if valeur == avant:
                continue
            if champ.name not in CHAMPS_MODIFIABLES_APRES_EMISSION:
                raise TitreImmuable(
                    f"Le titre n° {ancien['numero']} (exercice {ancien['exercice']}) est émis : "
                    f"son champ « {champ.verbose_name} » ne peut plus être modifié. Émettez une "
                    "réduction ou une annulation."
                )
            if champ.name in CHAMPS_PDF and avant not in ("", None):
                raise TitreImmuable(
                    f"Le PDF du titre n° {ancien['numero']} (exercice {ancien['exercice']}) est "
                    "déjà produit : il ne peut être remplacé."
                )

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk, statut=self.Statut.EMIS).exists():
            raise TitreImmuable(
                f"Le titre n° {self.numero} (exercice {self.exercice}) est émis : il ne peut "
                "être supprimé. Émettez un titre d'annulation."
            )
        return super().delete(*args, **kwargs)

    # --- Tamper evidence ------------------------------------------------------------------
    def contenu_empreinte(self, lignes, numero_bordereau) -> dict:
        """Everything the titre says (its PDF is rendered from these), as plain JSON values."""
        return {
            "exercice": self.exercice,
            "budget": self.budget,
            "numero": self.numero,
            "bordereau": numero_bordereau,
            "date_emission": self.date_emission.isoformat(),
            "nature": self.nature,
            "annee": self.annee,
            "objet": self.objet,
            "imputation": self.imputation,
            "total": _decimal_texte(self.total, 2),
            "commune": self.commune_id,
            "etablissement": self.etablissement_id,
            "adhesion": self.adhesion_id,
            "debiteur": [
                self.debiteur_nom,
                self.debiteur_adresse,
                self.debiteur_siret,
                self.debiteur_code_service,
                self.debiteur_engagement,
            ],
            "emetteur": self.emetteur,
            "corrige": self.corrige_id,
            "motif": self.motif,
            "piece_jointe": self.piece_jointe_sha256,
            "lignes": [ligne.contenu_empreinte() for ligne in lignes],
            "precedente": self.empreinte_precedente,
        }

    def calculer_empreinte(self, lignes, numero_bordereau) -> str:
        contenu = self.contenu_empreinte(lignes, numero_bordereau)
        texte = json.dumps(contenu, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(texte.encode("utf-8")).hexdigest()


class LigneTitreQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(titre__statut=TitreDeRecettes.Statut.EMIS).exists():
            raise TitreImmuable("Les lignes d'un titre émis ne peuvent être modifiées.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(titre__statut=TitreDeRecettes.Statut.EMIS).exists():
            raise TitreImmuable("Les lignes d'un titre émis ne peuvent être supprimées.")
        return super().delete()


class LigneTitre(models.Model):
    """One line of a titre: one item with its base de liquidation (B5), copied at issue.

    The item key (member, year, service) serves B4: an item is billed again only if every line
    billing it has been annulled. A line of a réduction or annulation refers to the line it
    corrects, carries the same item key and a negative amount.
    """

    titre = models.ForeignKey(
        TitreDeRecettes, on_delete=models.CASCADE, related_name="lignes", verbose_name="titre"
    )
    ordre = models.PositiveSmallIntegerField("ordre")
    code = models.CharField("code", max_length=40)
    libelle = models.CharField("libellé", max_length=250)
    base_texte = models.TextField("base de liquidation")
    # Structured base (calcul.Base), when the line comes from the grid.
    article = models.CharField("article", max_length=50, blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    millesime = models.PositiveSmallIntegerField("millésime", null=True, blank=True)
    nature_population = models.CharField("nature de la population", max_length=50, blank=True)
    tranche = models.CharField("tranche", max_length=100, blank=True)
    part_fixe = models.DecimalField(
        "part fixe (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    taux = models.DecimalField("taux (€)", max_digits=12, decimal_places=4, null=True, blank=True)
    quantite = models.DecimalField(
        "quantité", max_digits=12, decimal_places=2, null=True, blank=True
    )
    unite = models.CharField("unité", max_length=30, blank=True)
    detail = models.TextField("détail", blank=True)
    montant = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    # B4 item key
    commune = models.ForeignKey(
        "membres.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="membre"
    )
    etablissement = models.ForeignKey(
        "membres.Etablissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="établissement",
    )
    annee = models.PositiveSmallIntegerField("année", null=True, blank=True)
    service = models.CharField(
        "service facturé",
        max_length=120,
        blank=True,
        help_text="Clé de l'élément facturé (B4) ; vide : pas de contrôle de double facturation.",
    )
    ligne_corrigee = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name="ligne corrigée",
    )

    objects = LigneTitreQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de titre"
        verbose_name_plural = "lignes de titre"
        ordering = ["titre", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["titre", "ordre"],
                name="ligne_titre_ordre_unique",
                violation_error_message="Deux lignes d'un titre ne peuvent avoir le même rang.",
            ),
            models.CheckConstraint(
                condition=(Q(ligne_corrigee__isnull=False) & ~Q(montant=0))
                | (
                    Q(ligne_corrigee__isnull=True) & (Q(montant__gte=0) | Q(code="deduction_audit"))
                ),
                name="ligne_titre_signe",
                violation_error_message=(
                    "Une ligne est positive, sauf la déduction de l'audit (T5) ; une ligne de "
                    "réduction ou d'annulation est non nulle (T9, B4)."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.libelle} : {formater_euros(self.montant)}"

    def save(self, *args, **kwargs):
        if TitreDeRecettes.objects.filter(
            pk=self.titre_id, statut=TitreDeRecettes.Statut.EMIS
        ).exists():
            raise TitreImmuable(
                "Les lignes d'un titre émis ne peuvent être ni ajoutées ni modifiées."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if TitreDeRecettes.objects.filter(
            pk=self.titre_id, statut=TitreDeRecettes.Statut.EMIS
        ).exists():
            raise TitreImmuable("Les lignes d'un titre émis ne peuvent être supprimées.")
        return super().delete(*args, **kwargs)

    def contenu_empreinte(self) -> dict:
        return {
            "ordre": self.ordre,
            "code": self.code,
            "libelle": self.libelle,
            "base_texte": self.base_texte,
            "article": self.article,
            "population": self.population,
            "millesime": self.millesime,
            "nature_population": self.nature_population,
            "tranche": self.tranche,
            "part_fixe": _decimal_texte(self.part_fixe, 2),
            "taux": _decimal_texte(self.taux, 4),
            "quantite": _decimal_texte(self.quantite, 2),
            "unite": self.unite,
            "detail": self.detail,
            "montant": _decimal_texte(self.montant, 2),
            "commune": self.commune_id,
            "etablissement": self.etablissement_id,
            "annee": self.annee,
            "service": self.service,
            "ligne_corrigee": self.ligne_corrigee_id,
        }


# =============================================================================================
# The stored campaign preview (B2): computed on demand, read by the preview page
# =============================================================================================
