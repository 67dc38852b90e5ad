"""Business acts on titres de recettes (rules B1–B8, T2, T5, T10, M7 of docs/domain.md).

Every act is a keyword-only function in one transaction, named after the act:

- ``emettre_campagne`` — the yearly campaign for year N (B1, B2, B4), one titre per member;
- ``emettre_titre`` — one titre of any other nature (appel de fonds, frais de sortie…);
- ``enregistrer_livraison_audit`` — the audit report is delivered: its titre is issued (T2);
- ``emettre_refacturation`` — a mandate purchase re-billed with the paid invoice (art. 2.3.4);
- ``emettre_frais_de_sortie`` — exit costs after a résiliation (art. 2.4);
- ``reduire_titre`` / ``annuler_titre`` — a titre of their own, negative, referring to the
  original, in the same exercice (B4);
- ``enregistrer_references_officielles`` — the numbers returned by the finance suite (B3).

All of them go through ``_emettre_lot``: it copies the issuer's and the debtor's details onto
the titres (snapshot), numbers them in the continuous series of their exercice and budget
under a row lock (B3), chains their hashes (tamper evidence) and asks, once the transaction
is committed, the background task to render their PDFs (never inside the request).

Lines are given as ``LigneAFacturer`` (or ``calcul.Ligne``, converted with no B4 item key).
Errors are ``ValidationError`` with a French message; nothing is half-saved.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from membres.fichiers import TYPES_ACCEPTES, verifier_fichier
from membres.models import Adhesion, Commune, Document, Etablissement
from outils import flux
from outils.formats import formater_euros
from tarification import calcul, textes
from tarification.models import (
    Bordereau,
    Campagne,
    Compteur,
    Emetteur,
    LigneTitre,
    TitreDeRecettes,
)

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")

# B5 — the enforceability formula (CGCT art. L. 1617-5; LPF art. L. 252 A).
FORMULE_EXECUTOIRE = (
    "Le présent titre de recettes est émis et rendu exécutoire par l'ordonnateur en "
    "application de l'article L. 252 A du livre des procédures fiscales et de l'article "
    "L. 1617-5 du code général des collectivités territoriales."
)


def voies_de_recours(tribunal: str) -> str:
    """B5 — voies et délais de recours (CGCT art. L. 1617-5, 1° and 2°; convention art. 2.5)."""
    return (
        "Dans un délai de deux mois suivant la notification du présent titre (ou, à défaut, du "
        "premier acte procédant de ce titre), le débiteur peut contester la somme mentionnée "
        f"en saisissant directement le {tribunal} (article L. 1617-5, 1°, du code général des "
        "collectivités territoriales ; article 2.5 de la convention de service commun). "
        "La contestation de la régularité formelle d'un acte de poursuite est portée, dans "
        "les deux mois suivant sa notification, devant le juge de l'exécution "
        "(article L. 1617-5, 2°). Une contestation suspend la force exécutoire du titre."
    )


# B6 — one imputation per nature, read from the issuer's settings.
IMPUTATION_PAR_NATURE = {
    Nature.CONTRIBUTION: "imputation_contribution",
    Nature.AUDIT: "imputation_audit",
    Nature.REFACTURATION: "imputation_refacturation",
    Nature.APPEL_DE_FONDS: "imputation_appel_de_fonds",
    Nature.FRAIS_SORTIE: "imputation_frais_sortie",
}

# B5 — the issuer's settings a titre cannot do without.
MENTIONS_EMETTEUR = [
    ("nom", "nom de l'émetteur"),
    ("siren", "SIREN"),
    ("adresse", "adresse"),
    ("ville", "ville"),
    ("ordonnateur_prenom", "prénom de l'ordonnateur"),
    ("ordonnateur_nom", "nom de l'ordonnateur"),
    ("ordonnateur_qualite", "qualité de l'ordonnateur"),
    ("budget", "budget"),
    ("comptable_public", "comptable public"),
    ("modalites_paiement", "modalités de paiement"),
    ("mention_tva", "mention TVA"),
    ("tribunal", "juridiction compétente"),
]

# Lines that may be negative on an ordinary titre (T5: the audit deducted from the socle).
CODES_NEGATIFS_PERMIS = {"deduction_audit"}

LOT_PDF = 50  # titres laid out together (ecosystem notes: ~20 % faster per titre)


# ---------------------------------------------------------------------------------------------
# Lines to bill
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneAFacturer:
    """One line to put on a titre.

    ``base`` (the calculator's base de liquidation) or ``base_texte`` (free French text) is
    required (B5). ``service`` is the B4 item key with the titre's member and ``annee`` (the
    titre's year by default): a line whose item is already billed, and not entirely annulled,
    is refused. Leave it empty for lines that may legitimately repeat.
    """

    code: str
    libelle: str
    montant: Decimal
    base: calcul.Base | None = None
    base_texte: str = ""
    service: str = ""
    annee: int | None = None
    ligne_corrigee: LigneTitre | None = None

    @classmethod
    def depuis(cls, ligne, *, service: str = "", annee: int | None = None) -> LigneAFacturer:
        if isinstance(ligne, LigneAFacturer):
            return ligne
        if isinstance(ligne, calcul.Ligne):
            return cls(
                code=ligne.code,
                libelle=ligne.libelle,
                montant=ligne.montant,
                base=ligne.base,
                service=service,
                annee=annee,
            )
        raise TypeError(f"Ligne de titre inattendue : {ligne!r}")

    @property
    def texte_base(self) -> str:
        return textes.texte_base(self.base) if self.base is not None else self.base_texte.strip()


@dataclass
class _Projet:
    """A titre to issue, before its number."""

    nature: str
    commune: Commune
    objet: str
    lignes: list[LigneAFacturer]
    etablissement: Etablissement | None = None
    annee: int | None = None
    adhesion: Adhesion | None = None
    corrige: TitreDeRecettes | None = None
    motif: str = ""
    piece_jointe: object | None = None  # an uploaded file (PDF)
    debiteur: dict = field(default_factory=dict)
    imputation: str = ""


# ---------------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------------


def nom_debiteur_commune(nom: str) -> str:
    """« Commune d'Allaire », « Commune de Redon », « Commune des Fougerêts »."""
    if nom.startswith("Les "):
        return f"Commune des {nom[4:]}"
    if nom.startswith("Le "):
        return f"Commune du {nom[3:]}"
    initiale = unicodedata.normalize("NFD", nom[:1])[:1].lower()
    if initiale in "aeiouyh":
        return f"Commune d'{nom}"
    return f"Commune de {nom}"


def copie_debiteur(commune: Commune, etablissement: Etablissement | None = None) -> dict:
    """B5, B8 — the debtor's details as printed on the titre (copied at issue)."""
    if etablissement is not None:
        return {
            "debiteur_nom": etablissement.nom,
            "debiteur_adresse": etablissement.adresse_postale or commune.adresse_postale,
            "debiteur_siret": etablissement.siret,
            "debiteur_code_service": etablissement.code_service_chorus,
            "debiteur_engagement": etablissement.reference_engagement,
        }
    return {
        "debiteur_nom": nom_debiteur_commune(commune.nom),
        "debiteur_adresse": commune.adresse_postale,
        "debiteur_siret": commune.siret,
        "debiteur_code_service": commune.code_service_chorus,
        "debiteur_engagement": commune.reference_engagement,
    }


def avertissements_debiteur(commune: Commune, etablissement: Etablissement | None = None):
    """B2 — non-blocking warnings on the debtor's identifiers (B8)."""
    membre = etablissement or commune
    avertissements = []
    if not membre.siret:
        avertissements.append("SIRET manquant (Chorus Pro)")
    if not membre.code_service_chorus:
        avertissements.append("code service Chorus Pro manquant")
    if not membre.adresse or not membre.code_postal:
        avertissements.append("adresse incomplète")
    return avertissements


def copie_emetteur(emetteur: Emetteur | None = None) -> dict:
    """B5 — the issuer's details and the legal mentions, copied onto each titre at issue."""
    emetteur = emetteur or Emetteur.courant()
    if emetteur is None:
        raise ValidationError(
            "Les réglages de l'émetteur des titres ne sont pas renseignés : complétez-les dans "
            "l'administration (Tarification › émetteur des titres) avant d'émettre."
        )
    manquants = [libelle for champ, libelle in MENTIONS_EMETTEUR if not getattr(emetteur, champ)]
    if manquants:
        raise ValidationError(
            "Mentions obligatoires manquantes dans les réglages de l'émetteur (B5) : "
            + ", ".join(manquants)
            + ". Un titre qui ne les porte pas peut être annulé : complétez-les avant d'émettre."
        )
    return {
        "nom": emetteur.nom,
        "siren": emetteur.siren,
        "siret": emetteur.siret,
        "adresse": emetteur.adresse,
        "code_postal": emetteur.code_postal,
        "ville": emetteur.ville,
        "ordonnateur": f"{emetteur.ordonnateur_prenom} {emetteur.ordonnateur_nom}",
        "qualite": emetteur.ordonnateur_qualite,
        "comptable_public": emetteur.comptable_public,
        "modalites_paiement": emetteur.modalites_paiement,
        "mention_tva": emetteur.mention_tva,
        "tribunal": emetteur.tribunal,
        "formule_executoire": FORMULE_EXECUTOIRE,
        "voies_recours": voies_de_recours(emetteur.tribunal),
    }


def _imputation(emetteur: Emetteur, nature: str) -> str:
    champ = IMPUTATION_PAR_NATURE[nature]
    imputation = getattr(emetteur, champ)
    if not imputation:
        raise ValidationError(
            f"Aucune imputation budgétaire pour la nature « {Nature(nature).label} » (B6) : "
            "renseignez-la dans les réglages de l'émetteur avant d'émettre."
        )
    return imputation


# ---------------------------------------------------------------------------------------------
# B4 — items already billed
# ---------------------------------------------------------------------------------------------


def _lignes_facturees(**filtres):
    """Original (not corrective) lines of issued titres, with the sum of their corrections."""
    return (
        LigneTitre.objects.filter(
            titre__statut=TitreDeRecettes.Statut.EMIS, ligne_corrigee__isnull=True, **filtres
        )
        .exclude(service="")
        .annotate(
            corrige_de=Coalesce(
                Sum("corrections__montant"),
                Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
            nb_corrections=Count("corrections"),
        )
    )


def est_annulee(ligne) -> bool:
    """B4 — a line is annulled when corrections bring it to exactly zero."""
    return ligne.nb_corrections > 0 and ligne.montant + ligne.corrige_de == 0


def lignes_facturees_de_l_annee(*, annee: int, communes) -> QuerySet:
    """B4 — the lines billing yearly items of ``annee`` to ``communes`` themselves (a queryset,
    used as a subquery, or ids), with their titre, annulled or not (``est_annulee``)."""
    if isinstance(communes, QuerySet):
        communes = communes.values("pk")
    return _lignes_facturees(
        annee=annee, commune_id__in=communes, etablissement__isnull=True
    ).select_related("titre")


def elements_factures(*, annee: int, communes) -> dict[tuple[int, str], object]:
    """B4 — the yearly items (commune, service) of ``annee`` already billed to ``communes``
    and not entirely annulled, with the line billing them (and its titre). One query whatever
    the number of communes."""
    lignes = lignes_facturees_de_l_annee(annee=annee, communes=communes)
    return {(ligne.commune_id, ligne.service): ligne for ligne in lignes if not est_annulee(ligne)}


def _verifier_non_factures(projets: Sequence[_Projet]) -> None:
    """B4 — refuse a line whose item (member, year, service) is billed and not annulled."""
    cles = {}
    for projet in projets:
        for ligne in projet.lignes:
            if not ligne.service or ligne.ligne_corrigee is not None:
                continue
            cle = (
                projet.commune.pk,
                projet.etablissement.pk if projet.etablissement else None,
                ligne.annee,
                ligne.service,
            )
            if cle in cles:
                raise ValidationError(
                    f"« {ligne.libelle} » figure deux fois pour {projet.commune.nom} : un élément "
                    "n'est facturé qu'une fois (B4)."
                )
            cles[cle] = ligne
    if not cles:
        return
    existantes = _lignes_facturees(
        commune_id__in={c[0] for c in cles}, service__in={c[3] for c in cles}
    ).select_related("titre")
    for existante in existantes:
        cle = (existante.commune_id, existante.etablissement_id, existante.annee, existante.service)
        if cle in cles and not est_annulee(existante):
            titre = existante.titre
            raise ValidationError(
                f"« {cles[cle].libelle} » est déjà facturé par le titre n° {titre.numero} "
                f"(exercice {titre.exercice}) du {titre.date_emission:%d/%m/%Y} : un élément "
                "n'est facturé à nouveau que si toutes ses lignes ont été annulées (B4)."
            )


def titres_audit_emis(**filtres) -> QuerySet:
    """T5 — the issued audit titres matching ``filtres``, each with ``corrige_de``: the sum of
    its réductions and annulations (the ONE definition of "the audit as billed")."""
    return (
        TitreDeRecettes.objects.emis()
        .filter(nature=Nature.AUDIT, **filtres)
        .annotate(
            corrige_de=Coalesce(
                Sum("corrections__total"),
                Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
    )


def montants_audits_factures(adhesion_ids: Iterable[int]) -> dict[int, Decimal]:
    """T5 — the audit as billed, net of its réductions and annulations, per adhesion id, for
    the adhésions whose audit titre was issued (absent: no audit titre). One query."""
    montants: dict[int, Decimal] = {}
    titres = titres_audit_emis(adhesion_id__in=list(adhesion_ids)).values_list(
        "adhesion_id", "total", "corrige_de"
    )
    for adhesion_id, total, corrige_de in titres:
        montants[adhesion_id] = montants.get(adhesion_id, ZERO) + total + corrige_de
    return montants


# ---------------------------------------------------------------------------------------------
# B3 — numbering
# ---------------------------------------------------------------------------------------------


def _compteur_verrouille(*, exercice: int, budget: str, serie: str) -> Compteur:
    """The counter row of a series, locked until the end of the transaction.

    The row is created if missing (``INSERT … ON CONFLICT DO NOTHING``: two first issuers of a
    new exercice do not fail, the second waits for the first), then locked with
    ``SELECT … FOR UPDATE``: every issuer of the series waits here for the previous one to
    commit or roll back. On SQLite the whole database is locked by the writing transaction
    (``transaction_mode = IMMEDIATE``), which serialises issuers just as well.
    """
    Compteur.objects.bulk_create(
        [Compteur(exercice=exercice, budget=budget, serie=serie)], ignore_conflicts=True
    )
    return Compteur.objects.select_for_update().get(exercice=exercice, budget=budget, serie=serie)


def _verrouiller_debiteurs(communes: QuerySet) -> None:
    """B4 under concurrency: lock the debtors' rows (in pk order, against deadlocks) before
    reading what is already billed; the counters are always locked after the members."""
    flux.verrouiller(communes)


class _Emission:
    """One bordereau being issued (inside a transaction). The first ``preparer(projet)`` reads
    the issuer and locks the counters (B3: bordereau counter then titre counter, always in
    this order, always after the debtors); each ``ajouter(projet)`` numbers, snapshots and
    hashes one titre; ``terminer()`` writes them, records the counters and enqueues the PDFs
    (rendered after commit, by the background task). The bordereau row is created with the
    first titre: none without a titre.

    ``ecriture`` says how the titres are written: kept and inserted at the end, returned with
    their ids (``_Liste``, for a few titres), or streamed for a whole campaign (``_Flux``)."""

    def __init__(self, *, exercice, date_emission, par, libelle, budget=None, ecriture=None):
        assert transaction.get_connection().in_atomic_block, "à appeler dans une transaction"
        self.exercice = exercice
        self.budget = budget
        self.date_emission = date_emission
        self.par = par
        self.libelle = libelle
        self.ecriture = ecriture or _Liste()
        self.emetteur_obj: Emetteur | None = None
        self.bordereau: Bordereau | None = None
        self.nombre = 0

    def _demarrer(self) -> None:
        """At the first titre: the issuer's details, and the counters locked."""
        self.emetteur_obj = Emetteur.courant()
        self.emetteur = copie_emetteur(self.emetteur_obj)
        self.budget = self.budget or self.emetteur_obj.budget
        exercice, date_emission = self.exercice, self.date_emission
        self.compteur_b = _compteur_verrouille(
            exercice=exercice, budget=self.budget, serie=Compteur.Serie.BORDEREAU
        )
        self.compteur_t = _compteur_verrouille(
            exercice=exercice, budget=self.budget, serie=Compteur.Serie.TITRE
        )
        for compteur in (self.compteur_b, self.compteur_t):
            if compteur.derniere_date and date_emission < compteur.derniere_date:
                raise ValidationError(
                    f"Date d'émission du {date_emission:%d/%m/%Y} antérieure au dernier titre "
                    f"de l'exercice {exercice} (émis le {compteur.derniere_date:%d/%m/%Y}) : "
                    "une série est numérotée dans l'ordre chronologique."
                )
        self.numero = self.compteur_t.dernier
        self.precedente = self.compteur_t.derniere_empreinte

    def preparer(self, projet: _Projet) -> None:
        """Validate a titre to issue and complete its imputation and debtor."""
        if self.emetteur_obj is None:
            self._demarrer()
        _valider_projet(projet)
        if not projet.imputation:
            projet.imputation = _imputation(self.emetteur_obj, projet.nature)
        if not projet.debiteur:
            projet.debiteur = copie_debiteur(projet.commune, projet.etablissement)

    def _creer_bordereau(self) -> Bordereau:
        self.compteur_b.dernier += 1
        self.compteur_b.derniere_date = self.date_emission
        self.compteur_b.save(update_fields=["dernier", "derniere_date"])
        return Bordereau.objects.create(
            exercice=self.exercice,
            budget=self.budget,
            numero=self.compteur_b.dernier,
            date_emission=self.date_emission,
            libelle=self.libelle[:250],
            emis_par=self.par,
            pdf_attendus=0,
        )

    def ajouter(self, projet: _Projet) -> None:
        """Number, snapshot and hash the titre of a prepared ``projet`` (B3, B5, B7)."""
        assert self.emetteur_obj is not None, "preparer() d'abord"
        if self.bordereau is None:
            self.bordereau = self._creer_bordereau()
        self.numero += 1
        titre = TitreDeRecettes(
            exercice=self.exercice,
            budget=self.budget,
            numero=self.numero,
            bordereau=self.bordereau,
            date_emission=self.date_emission,
            statut=TitreDeRecettes.Statut.EMIS,
            nature=projet.nature,
            annee=projet.annee,
            objet=projet.objet[:250],
            imputation=projet.imputation,
            commune=projet.commune,
            etablissement=projet.etablissement,
            adhesion=projet.adhesion,
            emetteur=self.emetteur,
            corrige=projet.corrige,
            motif=projet.motif,
            emis_par=self.par,
            empreinte_precedente=self.precedente,
            **projet.debiteur,
        )
        if projet.piece_jointe is not None:
            _attacher_piece(titre, projet.piece_jointe)
        lignes = [
            _ligne_titre(titre, projet, ligne, ordre)
            for ordre, ligne in enumerate(projet.lignes, start=1)
        ]
        titre.total = sum((ligne.montant for ligne in lignes), ZERO)  # T9: sum of the lines
        titre.empreinte = titre.calculer_empreinte(lignes, self.bordereau.numero)
        self.precedente = titre.empreinte
        self.nombre += 1
        self.ecriture.ecrire(titre, lignes)

    def terminer(self) -> tuple[Bordereau | None, list[TitreDeRecettes]]:
        """Write the titres, record the counters, enqueue the PDFs; ``(None, [])`` when no
        titre was added."""
        if self.bordereau is None:
            return None, []
        titres = self.ecriture.terminer(self.bordereau)
        self.bordereau.pdf_attendus = self.nombre
        self.bordereau.save(update_fields=["pdf_attendus"])
        self.compteur_t.dernier = self.numero
        self.compteur_t.derniere_empreinte = self.precedente
        self.compteur_t.derniere_date = self.date_emission
        self.compteur_t.save(update_fields=["dernier", "derniere_empreinte", "derniere_date"])
        _planifier_pdf(self.bordereau.pk, self.nombre)
        return self.bordereau, titres


class _Liste:
    """Titres kept in memory and inserted at the end (two INSERTs), returned with their ids.
    ``lot``: insert every ``lot`` titres instead, keeping none (the campaign on SQLite)."""

    def __init__(self, lot: int | None = None):
        self.lot = lot
        self.titres: list[TitreDeRecettes] = []
        self.lignes: list[LigneTitre] = []

    def ecrire(self, titre: TitreDeRecettes, lignes: list[LigneTitre]) -> None:
        self.titres.append(titre)
        self.lignes.extend(lignes)
        if self.lot and len(self.titres) >= self.lot:
            self._inserer()
            self.titres, self.lignes = [], []

    def _inserer(self) -> None:
        TitreDeRecettes.objects.bulk_create(self.titres)
        for ligne in self.lignes:
            ligne.titre_id = ligne.titre.pk
        LigneTitre.objects.bulk_create(self.lignes)

    def terminer(self, bordereau: Bordereau) -> list[TitreDeRecettes]:
        if self.titres:
            self._inserer()
        return [] if self.lot else self.titres


class _Flux:
    """Titres of a whole campaign, written in a fixed number of statements on PostgreSQL
    whatever their number, without keeping them: each titre and its lines go to a temporary
    file as CSV rows of a staging table (the titre's columns on its first line, its number on
    every line), sent by one ``COPY``; one statement then inserts the titres and, joined to
    the ids that insert returns, their lines (``servicecommun/flux.py``)."""

    TABLE = "sc_emission_en_cours"

    def __init__(self):
        self.champs_t = [c for c in TitreDeRecettes._meta.concrete_fields if not c.primary_key]
        self.champs_l = [
            c for c in LigneTitre._meta.concrete_fields if not c.primary_key and c.name != "titre"
        ]
        self.colonnes = (
            ["numero_titre"]
            + [f"t_{c.column}" for c in self.champs_t]
            + [f"l_{c.column}" for c in self.champs_l]
        )
        self.tampon = flux.Tampon(self.TABLE, self.colonnes)
        self.vide_t = [None] * len(self.champs_t)

    def ecrire(self, titre: TitreDeRecettes, lignes: list[LigneTitre]) -> None:
        valeurs_t = flux.valeurs(titre, self.champs_t)
        for ligne in lignes:
            self.tampon.ecrire(
                [titre.numero]
                + (valeurs_t if ligne.ordre == 1 else self.vide_t)
                + flux.valeurs(ligne, self.champs_l)
            )

    def terminer(self, bordereau: Bordereau) -> list[TitreDeRecettes]:
        qn = connection.ops.quote_name
        table = qn(self.TABLE)
        types = [("numero_titre", "integer")]
        types += [(f"t_{c.column}", c.db_type(connection)) for c in self.champs_t]
        types += [(f"l_{c.column}", c.db_type(connection)) for c in self.champs_l]
        t_cols = ", ".join(qn(c.column) for c in self.champs_t)
        l_cols = ", ".join(qn(c.column) for c in self.champs_l)
        with connection.cursor() as curseur:
            curseur.execute(
                f"CREATE TEMPORARY TABLE {table} ({', '.join(f'{qn(n)} {t}' for n, t in types)})"
            )
            self.tampon.envoyer()
            # Statistics of the staging table, so that the join below is planned on its real
            # size (a hash join), not on the guess for a table never analysed.
            curseur.execute(f"ANALYZE {table}")
            # The titres, in number order, then their lines joined to the ids the INSERT
            # returns (never to the titres table, whose statistics do not count these rows
            # yet: a join there can be planned as a nested loop over the whole campaign).
            curseur.execute(
                f"WITH nouveaux AS ("
                f"INSERT INTO {qn(TitreDeRecettes._meta.db_table)} ({t_cols}) "
                f"SELECT {', '.join(qn('t_' + c.column) for c in self.champs_t)} "
                f"FROM {table} WHERE {qn('l_ordre')} = 1 ORDER BY numero_titre "
                "RETURNING id, numero) "
                f"INSERT INTO {qn(LigneTitre._meta.db_table)} "
                f"({qn(LigneTitre._meta.get_field('titre').column)}, {l_cols}) "
                f"SELECT n.id, {', '.join('e.' + qn('l_' + c.column) for c in self.champs_l)} "
                f"FROM {table} e JOIN nouveaux n ON n.numero = e.numero_titre "
                f"ORDER BY e.numero_titre, e.{qn('l_ordre')}"
            )
            curseur.execute(f"DROP TABLE {table}")
        return []


def _emettre_lot(
    projets: Sequence[_Projet],
    *,
    exercice: int,
    date_emission: date,
    par,
    libelle: str,
    budget: str | None = None,
) -> tuple[Bordereau, list[TitreDeRecettes]]:
    """Number, snapshot, hash and insert ``projets`` as one bordereau (must run in a
    transaction). PDFs are rendered after commit, by the background task."""
    assert transaction.get_connection().in_atomic_block, "à appeler dans une transaction"
    if not projets:
        raise ValidationError("Aucun titre à émettre.")
    _verrouiller_debiteurs(Commune.objects.filter(pk__in={p.commune.pk for p in projets}))
    emission = _Emission(
        exercice=exercice, date_emission=date_emission, par=par, libelle=libelle, budget=budget
    )
    for projet in projets:
        emission.preparer(projet)
    _verifier_non_factures(projets)
    for projet in projets:
        emission.ajouter(projet)
    return emission.terminer()


def _valider_projet(projet: _Projet) -> None:
    correction = projet.nature in Nature.corrections()
    if not projet.objet.strip():
        raise ValidationError("L'objet du titre est obligatoire (B5).")
    if not projet.lignes:
        raise ValidationError("Un titre compte au moins une ligne.")
    if projet.etablissement is not None and projet.etablissement.commune_id != projet.commune.pk:
        raise ValidationError("Cet établissement n'appartient pas à cette commune (M7).")
    for ligne in projet.lignes:
        if not isinstance(ligne.montant, Decimal) or ligne.montant != ligne.montant.quantize(
            calcul.CENT
        ):
            raise ValidationError(f"« {ligne.libelle} » : montant en euros et centimes attendu.")
        if not ligne.texte_base:
            raise ValidationError(
                f"« {ligne.libelle} » : la base de liquidation est obligatoire (B5)."
            )
        if correction:
            # B4 — a corrective line goes against the line it corrects (negative, except on
            # a T5 deduction line, whose annulation gives the deduction back).
            corrigee = ligne.ligne_corrigee
            if (
                corrigee is None
                or ligne.montant == 0
                or (ligne.montant > 0) == (corrigee.montant > 0)
            ):
                raise ValidationError(
                    "Une ligne de réduction ou d'annulation va en sens inverse de la ligne "
                    "qu'elle corrige (B4)."
                )
        elif ligne.montant < 0 and ligne.code not in CODES_NEGATIFS_PERMIS:
            raise ValidationError(f"« {ligne.libelle} » : montant négatif refusé (T9).")
    total = sum((ligne.montant for ligne in projet.lignes), ZERO)
    if not correction and total <= 0:
        raise ValidationError(
            "Le total du titre est nul ou négatif : aucun titre n'est émis pour un total nul (B1)."
        )
    if correction and (projet.corrige is None or not projet.motif.strip()):
        raise ValidationError("Une réduction ou une annulation est motivée et se réfère au titre.")


def _ligne_titre(titre, projet: _Projet, ligne: LigneAFacturer, ordre: int) -> LigneTitre:
    base = ligne.base
    return LigneTitre(
        titre=titre,
        ordre=ordre,
        code=ligne.code,
        libelle=ligne.libelle[:250],
        base_texte=ligne.texte_base,
        article=(base.article if base else "")[:50],
        population=base.population if base else None,
        millesime=base.millesime if base else None,
        nature_population=(base.nature_population if base and base.population else "")[:50],
        tranche=(base.tranche or "") if base else "",
        part_fixe=base.part_fixe if base else None,
        taux=base.taux if base else None,
        quantite=base.quantite if base else None,
        unite=(base.unite if base and base.quantite is not None else "")[:30],
        detail=textes.texte(base.detail) if base else "",
        montant=ligne.montant,
        commune=projet.commune,
        etablissement=projet.etablissement,
        annee=ligne.annee if ligne.annee is not None else projet.annee,
        service=ligne.service,
        ligne_corrigee=ligne.ligne_corrigee,
    )


def _attacher_piece(titre: TitreDeRecettes, fichier) -> None:
    """Store the supplier's invoice with the titre (hashed: the hash chain covers it)."""
    fichier.seek(0)
    contenu = fichier.read()
    fichier.seek(0)
    titre.piece_jointe_sha256 = hashlib.sha256(contenu).hexdigest()
    nom = f"facture-{titre.exercice}-{titre.numero:05d}.pdf"
    titre.piece_jointe.save(nom, ContentFile(contenu), save=False)


def _planifier_pdf(bordereau_id: int, nombre: int) -> None:
    """Render the PDFs in the background once the titres are committed (never in a request).
    ``robust``: a failure to enqueue is logged, the titres stay issued, the campaign page
    offers to start the rendering again."""
    from tarification.tasks import planifier_rendu

    transaction.on_commit(lambda: planifier_rendu(bordereau_id, nombre), robust=True)


# ---------------------------------------------------------------------------------------------
# Exercices (B3)
# ---------------------------------------------------------------------------------------------


def fin_journee_complementaire(exercice: int) -> date:
    """The last day titres of ``exercice`` may be issued (journée complémentaire)."""
    return date(exercice + 1, 1, 31)


def exercices_campagne(annee: int, jour: date) -> list[int]:
    """B3 — the exercices a campaign for ``annee`` may use on ``jour``: N+1 (the default) and
    later up to the current year; N itself until 31 January N+1."""
    possibles = [annee] if jour <= fin_journee_complementaire(annee) else []
    return possibles + list(range(annee + 1, max(annee + 1, jour.year) + 1))


def verifier_exercice_campagne(annee: int, exercice: int, jour: date) -> None:
    possibles = exercices_campagne(annee, jour)
    if exercice in possibles:
        return
    if exercice == annee:
        raise ValidationError(
            f"L'exercice {annee} n'est plus ouvert à la campagne {annee} : il ne l'est que "
            f"jusqu'au 31 janvier {annee + 1} (journée complémentaire). Choisissez l'exercice "
            f"{annee + 1}."
        )
    raise ValidationError(
        f"Exercice {exercice} impossible pour la campagne {annee} : exercices possibles "
        + ", ".join(str(e) for e in possibles)
        + "."
    )


def _verifier_exercice_titre(exercice: int, jour: date) -> None:
    if exercice == jour.year or (exercice == jour.year - 1 and jour <= date(jour.year, 1, 31)):
        return
    raise ValidationError(
        f"Exercice {exercice} impossible pour un titre émis le {jour:%d/%m/%Y} : l'exercice est "
        "celui de l'année d'émission (ou l'année précédente jusqu'au 31 janvier)."
    )


def _aujourdhui() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# B1, B2 — the yearly campaign
# ---------------------------------------------------------------------------------------------


def objet_campagne(annee: int) -> str:
    return (
        f"Contribution {annee} au service commun des systèmes d'information "
        "(article 7 de la convention de service commun)"
    )


@transaction.atomic
def emettre_campagne(
    *,
    annee: int,
    exercice: int | None = None,
    par,
    date_emission: date | None = None,
    communes=None,
    signature: str | None = None,
) -> Campagne | None:
    """B1 — issue, for year N, one titre per member whose total is above zero, one line per
    item, in one bordereau; ``None`` when there is nothing (more) to bill.

    Idempotent (B4): items already billed and not annulled are left out, so a re-run bills
    nothing twice and a member added later gets its own titre. The members' rows are locked
    first, so two concurrent runs cannot bill the same item: the items already billed are
    read under that lock by the preview itself (``campagne.parcourir``), which is the
    campaign's B4 check. ``signature`` (from the preview the finance officer confirmed) makes
    the run refuse if the data changed since. Members with a blocking anomaly (B2) are not
    billed; the preview says why.

    At scale the members are priced one at a time as the preview streams them, and their
    titres written in a fixed number of statements (``_Flux``): the number of queries and the
    memory do not grow with the number of members.
    """
    from tarification import campagne as module_campagne

    jour = date_emission or _aujourdhui()
    exercice = exercice or annee + 1
    verifier_exercice_campagne(annee, exercice, jour)
    membres = module_campagne.communes_de_la_campagne(annee, communes)
    _verrouiller_debiteurs(membres)
    emission = _Emission(
        exercice=exercice,
        date_emission=jour,
        par=par,
        libelle=f"Campagne {annee} — contributions annuelles au service commun",
        ecriture=_Flux() if flux.copie_possible() else _Liste(lot=flux.LOT),
    )
    resume = module_campagne.Resume(annee, exercice)
    for membre in module_campagne.parcourir(annee=annee, communes=membres):
        resume.ajouter(membre)
        if membre.statut != module_campagne.A_EMETTRE:
            continue
        projet = _Projet(
            nature=Nature.CONTRIBUTION,
            commune=membre.commune,
            objet=objet_campagne(annee),
            annee=annee,
            lignes=[
                LigneAFacturer.depuis(ligne, service=ligne.code, annee=annee)
                for ligne in membre.lignes
            ],
        )
        emission.preparer(projet)
        emission.ajouter(projet)
    # The whole run is rolled back if the data changed since the confirmed preview.
    if signature is not None and signature != resume.signature:
        raise ValidationError(
            "Les données ont changé depuis l'aperçu (adhésions, populations, missions ou titres) : "
            "vérifiez le nouvel aperçu avant d'émettre.",
            code="apercu_perime",
        )
    bordereau, _ = emission.terminer()
    if bordereau is None:
        return None
    return Campagne.objects.create(
        annee=annee, exercice=exercice, bordereau=bordereau, lancee_par=par
    )


# ---------------------------------------------------------------------------------------------
# Other titres
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TitreAEmettre:
    """One titre of a batch issued together (``emettre_titres``)."""

    commune: Commune
    objet: str
    lignes: Sequence[LigneAFacturer | calcul.Ligne]
    etablissement: Etablissement | None = None
    annee: int | None = None
    adhesion: Adhesion | None = None
    piece_jointe: object | None = None


@transaction.atomic
def emettre_titres(
    *,
    nature: str,
    titres: Sequence[TitreAEmettre],
    par,
    libelle: str,
    exercice: int | None = None,
    budget: str | None = None,
    date_emission: date | None = None,
) -> list[TitreDeRecettes]:
    """Issue several titres of one nature TOGETHER: one bordereau (B3), consecutive numbers
    in the series of their exercice and budget, all or none.

    Each titre's ``commune`` is always the commune (for an établissement debtor, M7, its
    commune); ``lignes`` are ``LigneAFacturer`` (with a B4 item key in ``service`` if the item
    must not be billed twice) or ``calcul.Ligne`` (no item key). ``exercice`` defaults to the
    year of ``date_emission`` (today). PDFs are rendered after commit by the background task.
    Réductions and annulations go through ``reduire_titre`` / ``annuler_titre``.
    """
    nature = Nature(nature)
    if nature in Nature.corrections():
        raise ValidationError("Une réduction ou une annulation s'émet depuis le titre à corriger.")
    jour = date_emission or _aujourdhui()
    exercice = exercice or jour.year
    _verifier_exercice_titre(exercice, jour)
    projets = [
        _Projet(
            nature=nature,
            commune=t.commune,
            etablissement=t.etablissement,
            objet=t.objet,
            annee=t.annee,
            adhesion=t.adhesion,
            piece_jointe=t.piece_jointe,
            lignes=[LigneAFacturer.depuis(ligne) for ligne in t.lignes],
        )
        for t in titres
    ]
    _, emis = _emettre_lot(
        projets, exercice=exercice, budget=budget, date_emission=jour, par=par, libelle=libelle
    )
    return list(emis)


def emettre_titre(
    *,
    nature: str,
    commune: Commune,
    etablissement: Etablissement | None = None,
    objet: str,
    lignes: Sequence[LigneAFacturer | calcul.Ligne],
    par,
    exercice: int | None = None,
    annee: int | None = None,
    budget: str | None = None,
    piece_jointe=None,
    date_emission: date | None = None,
    adhesion: Adhesion | None = None,
) -> TitreDeRecettes:
    """Issue ONE titre (its own bordereau): ``emettre_titres`` with a batch of one."""
    (titre,) = emettre_titres(
        nature=nature,
        titres=[
            TitreAEmettre(
                commune=commune,
                etablissement=etablissement,
                objet=objet,
                lignes=lignes,
                annee=annee,
                adhesion=adhesion,
                piece_jointe=piece_jointe,
            )
        ],
        par=par,
        libelle=f"{Nature(nature).label.capitalize()} — "
        f"{copie_debiteur(commune, etablissement)['debiteur_nom']}",
        exercice=exercice,
        budget=budget,
        date_emission=date_emission,
    )
    return titre


@transaction.atomic
def enregistrer_livraison_audit(
    *,
    adhesion: Adhesion,
    livre_le: date,
    par,
    rapport=None,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """T2 — DSI staff record the delivery of the audit report: the adhesion keeps its delivery
    date (T5 counts from it), the report is filed with the member's documents, and the audit
    titre is issued, priced with the grid and population in force on the delivery date."""
    from tarification.contribution import prix_audit

    adhesion = (
        Adhesion.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=adhesion.pk)
    )
    if not adhesion.audit:
        raise ValidationError(
            "Cette adhésion ne comprend pas l'audit (socle annexe) : l'audit préalable au socle "
            "complet n'est pas facturé (T2)."
        )
    if livre_le > (date_emission or _aujourdhui()):
        raise ValidationError("La date de livraison du rapport ne peut être dans le futur.")
    deja = montants_audits_factures([adhesion.pk])
    if deja.get(adhesion.pk, ZERO) != 0:
        titre = (
            TitreDeRecettes.objects.emis().filter(adhesion=adhesion, nature=Nature.AUDIT).first()
        )
        raise ValidationError(
            f"L'audit de cette adhésion est déjà facturé (titre n° {titre.numero}, exercice "
            f"{titre.exercice}) : il ne l'est qu'une fois (T2)."
        )
    if adhesion.audit_livre_le != livre_le:
        adhesion.audit_livre_le = livre_le
        adhesion.full_clean()
        adhesion.save()
    if rapport is not None:
        document = Document(
            commune=adhesion.commune,
            adhesion=adhesion,
            type=Document.Type.RAPPORT_AUDIT,
            titre=f"Rapport d'audit livré le {livre_le:%d/%m/%Y}",
            fichier=rapport,
            depose_par=par,
        )
        document.full_clean()
        document.save()
    resultat = prix_audit(adhesion)
    if resultat.bloque:
        raise ValidationError(
            "L'audit ne peut être tarifé : " + " ; ".join(a.message for a in resultat.anomalies)
        )
    jour = date_emission or _aujourdhui()
    return emettre_titre(
        nature=Nature.AUDIT,
        commune=adhesion.commune,
        objet=(
            "Audit du système d'information (socle annexe, article 7.2.1 de la convention) — "
            f"rapport livré le {livre_le:%d/%m/%Y}"
        ),
        lignes=[
            LigneAFacturer.depuis(ligne, service=f"audit:{adhesion.pk}", annee=livre_le.year)
            for ligne in resultat.lignes
        ],
        par=par,
        annee=livre_le.year,
        adhesion=adhesion,
        date_emission=jour,
    )


TYPES_FACTURE = {".pdf": TYPES_ACCEPTES[".pdf"]}


@transaction.atomic
def emettre_refacturation(
    *,
    commune: Commune,
    etablissement: Etablissement | None = None,
    objet: str,
    fournisseur: str,
    numero_facture: str,
    date_facture: date,
    date_paiement: date,
    montant: Decimal,
    facture,
    par,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """Art. 2.3.4 — the EPCI bought for the member and paid the supplier: the amount is billed
    with a copy of the paid invoice (PDF only, checked), embedded in the titre's PDF. The same
    invoice is re-billed only if its titre was annulled (B4)."""
    verifier_fichier(facture, TYPES_FACTURE)
    if date_paiement < date_facture:
        raise ValidationError("La facture ne peut être payée avant d'être émise.")
    base = (
        f"art. 2.3.4 — achat réalisé en mandat pour le compte du membre : facture n° "
        f"{numero_facture} de {fournisseur} du {date_facture:%d/%m/%Y}, acquittée le "
        f"{date_paiement:%d/%m/%Y} pour {formater_euros(montant)}, refacturée à l'identique ; "
        "copie de la facture acquittée jointe au présent titre (fichier intégré au PDF)"
    )
    ligne = LigneAFacturer(
        code="refacturation",
        libelle=f"Refacturation — {fournisseur}, facture n° {numero_facture}",
        montant=montant,
        base_texte=base,
        service=f"refacturation:{fournisseur.strip().lower()}:{numero_facture.strip().lower()}"[
            :120
        ],
        annee=date_facture.year,
    )
    return emettre_titre(
        nature=Nature.REFACTURATION,
        commune=commune,
        etablissement=etablissement,
        objet=objet,
        lignes=[ligne],
        par=par,
        annee=date_facture.year,
        piece_jointe=facture,
        date_emission=date_emission,
    )


@dataclass(frozen=True)
class FraisDeSortie:
    libelle: str
    montant: Decimal
    detail: str  # the contract taken over or reimbursed, the penalty…


@transaction.atomic
def emettre_frais_de_sortie(
    *,
    adhesion: Adhesion,
    frais: Sequence[FraisDeSortie],
    par,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """Art. 2.4 — exit costs of a résiliation: contracts taken over or reimbursed, penalties."""
    adhesion = Adhesion.objects.select_related("commune").get(pk=adhesion.pk)
    if adhesion.motif_fin != Adhesion.MotifFin.RESILIATION or adhesion.dernier_jour is None:
        raise ValidationError(
            "Des frais de sortie ne se facturent qu'après une résiliation notifiée (art. 2.4)."
        )
    notifiee = (
        f"résiliation notifiée le {adhesion.resiliation_notifiee_le:%d/%m/%Y}, "
        if adhesion.resiliation_notifiee_le
        else "résiliation convenue par écrit, "
    )
    lignes = [
        LigneAFacturer(
            code="frais_sortie",
            libelle=f.libelle,
            montant=f.montant,
            base_texte=(
                f"art. 2.4 — {notifiee}dernier jour de l'adhésion le "
                f"{adhesion.dernier_jour:%d/%m/%Y} : {f.detail}"
            ),
        )
        for f in frais
    ]
    return emettre_titre(
        nature=Nature.FRAIS_SORTIE,
        commune=adhesion.commune,
        objet=(
            "Frais de sortie du service commun (article 2.4 de la convention) — adhésion "
            f"terminée le {adhesion.dernier_jour:%d/%m/%Y}"
        ),
        lignes=lignes,
        par=par,
        annee=adhesion.dernier_jour.year,
        adhesion=adhesion,
        date_emission=date_emission,
    )


# ---------------------------------------------------------------------------------------------
# B4 — réduction and annulation
# ---------------------------------------------------------------------------------------------


def _original_verrouille(titre: TitreDeRecettes, jour: date) -> TitreDeRecettes:
    original = (
        TitreDeRecettes.objects.select_for_update(of=("self",))
        .select_related("commune", "etablissement", "adhesion")
        .get(pk=titre.pk)
    )
    if original.statut != TitreDeRecettes.Statut.EMIS:
        raise ValidationError("Seul un titre émis peut être réduit ou annulé.")
    if original.est_correction:
        raise ValidationError(
            "Une réduction ou une annulation ne se corrige pas : corrigez le titre d'origine."
        )
    if jour > fin_journee_complementaire(original.exercice):
        raise ValidationError(
            f"Le titre n° {original.numero} relève de l'exercice {original.exercice}, clos le "
            f"{fin_journee_complementaire(original.exercice):%d/%m/%Y} : il ne peut plus être "
            "réduit ni annulé par un titre négatif (B4). La correction d'un exercice antérieur "
            "se fait par un mandat d'annulation au compte 673 « titres annulés (sur exercices "
            "antérieurs) » : demandez-le au service des finances, avec le motif et la "
            "référence du titre."
        )
    return original


def restes_par_ligne(titre: TitreDeRecettes) -> list[tuple[LigneTitre, Decimal]]:
    """Each line of ``titre`` with what remains of it after the corrections already issued."""
    lignes = (
        LigneTitre.objects.filter(titre=titre)
        .annotate(
            corrige_de=Coalesce(
                Sum("corrections__montant"),
                Value(ZERO),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("ordre")
    )
    return [(ligne, ligne.montant + ligne.corrige_de) for ligne in lignes]


def _emettre_correction(original, *, nature, lignes, motif, par, jour) -> TitreDeRecettes:
    mot = "Annulation" if nature == Nature.ANNULATION else "Réduction"
    reference = (
        f"titre n° {original.numero} (exercice {original.exercice}) du "
        f"{original.date_emission:%d/%m/%Y}"
    )
    projet = _Projet(
        nature=nature,
        commune=original.commune,
        etablissement=original.etablissement,
        adhesion=original.adhesion,
        annee=original.annee,
        objet=f"{mot} du {reference} — {original.objet}",
        corrige=original,
        motif=motif.strip(),
        imputation=original.imputation,
        debiteur={
            "debiteur_nom": original.debiteur_nom,
            "debiteur_adresse": original.debiteur_adresse,
            "debiteur_siret": original.debiteur_siret,
            "debiteur_code_service": original.debiteur_code_service,
            "debiteur_engagement": original.debiteur_engagement,
        },
        lignes=[
            LigneAFacturer(
                code=ligne.code,
                libelle=f"{mot} — {ligne.libelle}",
                montant=montant,
                base_texte=(
                    f"{mot} de la ligne « {ligne.libelle} » ({formater_euros(ligne.montant)}) "
                    f"du {reference} : {motif.strip()}"
                ),
                service=ligne.service,
                annee=ligne.annee,
                ligne_corrigee=ligne,
            )
            for ligne, montant in lignes
        ],
    )
    _, (titre,) = _emettre_lot(
        [projet],
        exercice=original.exercice,
        budget=original.budget,
        date_emission=jour,
        par=par,
        libelle=f"{mot} du {reference}",
    )
    return titre


@transaction.atomic
def annuler_titre(
    *, titre: TitreDeRecettes, motif: str, par, date_emission: date | None = None
) -> TitreDeRecettes:
    """B4 — a titre d'annulation: every line of the original, for what remains of it, negated;
    in the same exercice (else: mandat au compte 673). The original never changes."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de l'annulation est obligatoire.")
    jour = date_emission or _aujourdhui()
    original = _original_verrouille(titre, jour)
    lignes = [(ligne, -reste) for ligne, reste in restes_par_ligne(original) if reste != 0]
    if not lignes or sum(m for _, m in lignes) >= 0:
        raise ValidationError(f"Le titre n° {original.numero} est déjà entièrement annulé.")
    return _emettre_correction(
        original, nature=Nature.ANNULATION, lignes=lignes, motif=motif, par=par, jour=jour
    )


@transaction.atomic
def reduire_titre(
    *,
    titre: TitreDeRecettes,
    motif: str,
    par,
    lignes: Mapping[LigneTitre | int, Decimal] | None = None,
    montant: Decimal | None = None,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """B4 — a titre de réduction: ``lignes`` maps lines of the original (or their ids) to the
    (positive) amount by which each is reduced; ``montant`` alone reduces a titre with a
    single positive line. A line is never reduced below zero, nor the titre's total."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de la réduction est obligatoire.")
    jour = date_emission or _aujourdhui()
    original = _original_verrouille(titre, jour)
    restes = restes_par_ligne(original)
    positives = [(ligne, reste) for ligne, reste in restes if ligne.montant > 0]
    if lignes is None:
        if montant is None:
            raise ValidationError("Indiquez le montant de la réduction.")
        if len(positives) != 1:
            raise ValidationError("Ce titre a plusieurs lignes : précisez la réduction par ligne.")
        lignes = {positives[0][0].pk: montant}
    demandes = {
        (cle.pk if isinstance(cle, LigneTitre) else int(cle)): m for cle, m in lignes.items()
    }
    par_id = {ligne.pk: (ligne, reste) for ligne, reste in positives}
    a_reduire = []
    for ligne_id, reduction in demandes.items():
        if ligne_id not in par_id:
            raise ValidationError("Cette ligne n'appartient pas au titre, ou ne peut être réduite.")
        ligne, reste = par_id[ligne_id]
        if not isinstance(reduction, Decimal) or reduction != reduction.quantize(calcul.CENT):
            raise ValidationError("Montant de réduction en euros et centimes attendu.")
        if reduction == 0:
            continue
        if reduction < 0:
            raise ValidationError("Le montant d'une réduction est positif.")
        if reduction > reste:
            raise ValidationError(
                f"« {ligne.libelle} » : réduction de {formater_euros(reduction)} supérieure à ce "
                f"qui reste dû sur cette ligne ({formater_euros(reste)})."
            )
        a_reduire.append((ligne, -reduction))
    if not a_reduire:
        raise ValidationError("Indiquez au moins une ligne à réduire.")
    reste_total = sum((reste for _, reste in restes), ZERO)
    if reste_total + sum(m for _, m in a_reduire) < 0:
        raise ValidationError(
            f"La réduction dépasse ce qui reste dû sur le titre ({formater_euros(reste_total)})."
        )
    return _emettre_correction(
        original, nature=Nature.REDUCTION, lignes=a_reduire, motif=motif, par=par, jour=jour
    )


@transaction.atomic
def enregistrer_references_officielles(
    *, titre: TitreDeRecettes, numero_officiel: str, bordereau_officiel: str, par
) -> TitreDeRecettes:
    """B3 — the titre and bordereau numbers the finance suite gave this pièce (the issued PDF
    is not changed; the numbers are shown in the portal and the exports)."""
    titre = TitreDeRecettes.objects.select_for_update().get(pk=titre.pk)
    titre.numero_officiel = numero_officiel.strip()
    titre.bordereau_officiel = bordereau_officiel.strip()
    titre.save(update_fields=["numero_officiel", "bordereau_officiel"])
    return titre
