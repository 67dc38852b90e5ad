"""The issuing engine (B1–B8): every titre, whatever its nature, is issued here.

``emettre_titres`` (and ``emettre_titre`` for one) is the generic issuing function the acts
call — the audit, refacturations, frais de sortie here, the appels de fonds of groupements,
the campaign (``tarification/campagne/actes.py``) through ``Emission`` directly. It copies
the issuer's and the debtor's details onto the titres (snapshot, B5), numbers them in the
continuous series of their exercice and budget under a row lock (B3), refuses an item already
billed (B4), chains their hashes (tamper evidence) and asks, once the transaction is
committed, the background task to render their PDFs (never inside the request).

Lines are given as ``LigneAFacturer`` (or ``calcul.Ligne``, converted with no B4 item key).
Errors are ``ValidationError`` with a French message; nothing is half-saved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from membres.models import Adhesion, Commune, Etablissement
from tarification import calcul, textes
from tarification.deja_facture import est_annulee, lignes_facturees
from tarification.models import Bordereau, Compteur, Emetteur, LigneTitre, TitreDeRecettes
from tarification.titres.ecritures import EcritureListe
from tarification.titres.exercices import aujourdhui, verifier_date_titre
from tarification.titres.mentions import (
    copie_debiteur,
    copie_emetteur,
    imputation,
    mentions_du_titre,
)
from tarification.titres.numerotation import compteur_verrouille, verrouiller_debiteurs
from tarification.titres.pdf import planifier_rendu

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")

# Lines that may be negative on an ordinary titre (T5: the audit deducted from the socle).
CODES_NEGATIFS_PERMIS = {"deduction_audit"}


@dataclass(frozen=True)
class LigneAFacturer:
    """One line to put on a titre.

    ``base`` (the calculator's base de liquidation) or ``base_texte`` (free French text) is
    required (B5); with both, the text is printed and the structured fields are kept. ``service`` is the B4 item key with the titre's member and ``annee`` (the
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
        """The French text of the base: ``base_texte`` when given (a titre complémentaire's
        base then and now, with ``base`` for its structured fields), else ``base`` written."""
        if self.base_texte.strip() or self.base is None:
            return self.base_texte.strip()
        return textes.texte_base(self.base)


@dataclass
class Projet:
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
    fondement: str = ""  # B5: the titre's legal ground
    mentions: dict | None = None  # B5: its own VAT wording and ground (a correction's original's)


def _verifier_non_factures(projets: Sequence[Projet]) -> None:
    """B4 — refuse a line whose item (member, year, service) is billed and not annulled."""
    cles = {}
    for projet in projets:
        if projet.nature == Nature.COMPLEMENT:
            continue  # B4: a titre complémentaire bills the difference on an item billed
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
    existantes = lignes_facturees(
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


def genre_de(nature: str) -> str:
    """B4, B9 — the kind of bordereau a titre of ``nature`` travels in."""
    if nature in Nature.corrections():
        return Bordereau.Genre.REDUCTIONS
    if nature == Nature.COMPLEMENT:
        return Bordereau.Genre.COMPLEMENTS
    return Bordereau.Genre.TITRES


class Emission:
    """One bordereau being issued (inside a transaction). The first ``preparer(projet)`` reads
    the issuer and locks the counters (B3: bordereau counter then titre counter, always in
    this order, always after the debtors); each ``ajouter(projet)`` numbers, snapshots and
    hashes one titre; ``terminer()`` writes them, records the counters and enqueues the PDFs
    (rendered after commit, by the background task). The bordereau row is created with the
    first titre: none without a titre. A bordereau holds titres of one kind (``genre_de``):
    ordinary titres, titres complémentaires, or réductions and annulations.

    The date is checked here, for every nature (B1): within the exercice, never after
    ``aujourd_hui`` (today by default).

    ``ecriture`` says how the titres are written: kept and inserted at the end, returned with
    their ids (``EcritureListe``, for a few titres), or streamed for a whole campaign (``EcritureFlux``)."""

    def __init__(
        self,
        *,
        exercice,
        date_emission,
        par,
        libelle,
        budget=None,
        ecriture=None,
        aujourd_hui=None,
    ):
        assert transaction.get_connection().in_atomic_block, "à appeler dans une transaction"
        verifier_date_titre(exercice, date_emission, aujourd_hui)
        self.exercice = exercice
        self.budget = budget
        self.date_emission = date_emission
        self.par = par
        self.libelle = libelle
        self.ecriture = ecriture or EcritureListe()
        self.emetteur_obj: Emetteur | None = None
        self.bordereau: Bordereau | None = None
        self.genre: str | None = None
        self.nombre = 0

    def _demarrer(self) -> None:
        """At the first titre: the issuer's details, and the counters locked."""
        self.emetteur_obj = Emetteur.courant()
        self.emetteur = copie_emetteur(self.emetteur_obj)
        self.budget = self.budget or self.emetteur_obj.budget
        exercice, date_emission = self.exercice, self.date_emission
        self.compteur_b = compteur_verrouille(
            exercice=exercice, budget=self.budget, serie=Compteur.Serie.BORDEREAU
        )
        self.compteur_t = compteur_verrouille(
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

    def preparer(self, projet: Projet) -> None:
        """Validate a titre to issue and complete its imputation and debtor."""
        genre = genre_de(projet.nature)
        if self.genre is not None and genre != self.genre:
            raise ValidationError(
                "Un bordereau ne mêle pas titres ordinaires, titres complémentaires et "
                "réductions : chaque genre a son bordereau (B4)."
            )
        self.genre = genre
        if self.emetteur_obj is None:
            self._demarrer()
        _valider_projet(projet)
        if not projet.imputation:
            projet.imputation = imputation(self.emetteur_obj, projet.nature)
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
            genre=self.genre or Bordereau.Genre.TITRES,
            emis_par=self.par,
            pdf_attendus=0,
        )

    def ajouter(self, projet: Projet) -> None:
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
            emetteur={
                **self.emetteur,
                **(
                    projet.mentions
                    or mentions_du_titre(self.emetteur_obj, projet.nature, projet.fondement)
                ),
            },
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
        planifier_pdf(self.bordereau.pk, self.nombre)
        return self.bordereau, titres


def emettre_lot(
    projets: Sequence[Projet],
    *,
    exercice: int,
    date_emission: date,
    par,
    libelle: str,
    budget: str | None = None,
    aujourd_hui: date | None = None,
) -> tuple[Bordereau, list[TitreDeRecettes]]:
    """Number, snapshot, hash and insert ``projets`` as one bordereau (must run in a
    transaction). PDFs are rendered after commit, by the background task."""
    assert transaction.get_connection().in_atomic_block, "à appeler dans une transaction"
    if not projets:
        raise ValidationError("Aucun titre à émettre.")
    verrouiller_debiteurs(Commune.objects.filter(pk__in={p.commune.pk for p in projets}))
    emission = Emission(
        exercice=exercice,
        date_emission=date_emission,
        par=par,
        libelle=libelle,
        budget=budget,
        aujourd_hui=aujourd_hui,
    )
    for projet in projets:
        emission.preparer(projet)
    _verifier_non_factures(projets)
    for projet in projets:
        emission.ajouter(projet)
    return emission.terminer()


def _valider_projet(projet: Projet) -> None:
    correction = projet.nature in Nature.corrections()
    if not projet.objet.strip():
        raise ValidationError("L'objet du titre est obligatoire (B5).")
    if not projet.lignes:
        raise ValidationError("Un titre compte au moins une ligne.")
    if projet.etablissement is not None and projet.etablissement.commune_id != projet.commune.pk:
        raise ValidationError("Cet établissement n'appartient pas à cette commune (M7).")
    for ligne in projet.lignes:
        if not calcul.au_centime(ligne.montant):
            raise ValidationError(f"« {ligne.libelle} » : montant en euros et centimes attendu.")
        if not ligne.texte_base:
            raise ValidationError(
                f"« {ligne.libelle} » : la base de liquidation est obligatoire (B5)."
            )
        if correction:
            # B4 — a corrective line goes against the line it corrects; a T5 deduction line
            # (negative) may be corrected either way: its annulation gives the deduction back,
            # a campaign's réduction may deduct more.
            corrigee = ligne.ligne_corrigee
            if (
                corrigee is None
                or ligne.montant == 0
                or (corrigee.montant > 0 and ligne.montant > 0)
                or (corrigee.montant < 0 and corrigee.code not in CODES_NEGATIFS_PERMIS)
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
    if correction and total >= 0:
        raise ValidationError("Une réduction ou une annulation diminue ce qui est dû (B4).")


def _ligne_titre(titre, projet: Projet, ligne: LigneAFacturer, ordre: int) -> LigneTitre:
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


def planifier_pdf(bordereau_id: int, nombre: int) -> None:
    """Render the PDFs in the background once the titres are committed (never in a request).
    ``robust``: a failure to enqueue is logged, the titres stay issued, the campaign page
    offers to start the rendering again."""
    transaction.on_commit(lambda: planifier_rendu(bordereau_id, nombre), robust=True)


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
    fondement: str = ""


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
    aujourd_hui: date | None = None,
) -> list[TitreDeRecettes]:
    """Issue several titres of one nature TOGETHER: one bordereau (B3), consecutive numbers
    in the series of their exercice and budget, all or none.

    Each titre's ``commune`` is always the commune (for an établissement debtor, M7, its
    commune); ``lignes`` are ``LigneAFacturer`` (with a B4 item key in ``service`` if the item
    must not be billed twice) or ``calcul.Ligne`` (no item key). ``exercice`` defaults to the
    year of ``date_emission`` (today); the date lies within the exercice and never after today
    (``aujourd_hui``, B1). PDFs are rendered after commit by the background task. Réductions and
    annulations go through ``reduire_titre`` / ``annuler_titre``.
    """
    nature = Nature(nature)
    if nature in Nature.corrections():
        raise ValidationError("Une réduction ou une annulation s'émet depuis le titre à corriger.")
    jour = date_emission or aujourd_hui or aujourdhui()
    exercice = exercice or jour.year
    projets = [
        Projet(
            nature=nature,
            commune=t.commune,
            etablissement=t.etablissement,
            objet=t.objet,
            annee=t.annee,
            adhesion=t.adhesion,
            piece_jointe=t.piece_jointe,
            fondement=t.fondement,
            lignes=[LigneAFacturer.depuis(ligne) for ligne in t.lignes],
        )
        for t in titres
    ]
    _, emis = emettre_lot(
        projets,
        exercice=exercice,
        budget=budget,
        date_emission=jour,
        par=par,
        libelle=libelle,
        aujourd_hui=aujourd_hui,
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
    fondement: str = "",
    aujourd_hui: date | None = None,
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
                fondement=fondement,
            )
        ],
        par=par,
        libelle=f"{Nature(nature).label.capitalize()} — "
        f"{copie_debiteur(commune, etablissement)['debiteur_nom']}",
        exercice=exercice,
        budget=budget,
        date_emission=date_emission,
        aujourd_hui=aujourd_hui,
    )
    return titre
