"""B11 — the comptable's files, imported all or nothing with line-numbered French errors.

**Payments** (``importer_paiements``): a CSV, UTF-8 with or without BOM, ``;`` separator,
decimal comma, dates ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``, with the columns
``exercice;titre;date;montant`` and optionally ``budget`` (default: the main budget),
``titre_officiel`` (match by the finance suite's number instead of ours) and ``reference``.
A payment is identified by (exercice, budget, titre, date, montant, reference, its rank among
identical lines of the file): the same file imported again records nothing. A payment beyond
what remains is recorded, its excess flagged as trop-perçu, never a reason to refuse the file.

**States** (``importer_etats``): the finance suite's per-titre outcome,
``exercice;titre;etat;date;motif`` (``etat``: ``pris en charge`` or ``rejeté``; a rejection has
its reason), with the same optional columns.

**Acquittement** (``importer_acquittement``): the PES_Acquit file of one of our flows, validated
against the DGFiP schema (``PES_ACQUIT_SCHEMAS_DIR``) and matched to the bordereau by its file
name (``NomFic``): the flow received, or refused with the errors it reports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from lxml import etree

from tarification.models import (
    Acquittement,
    Bordereau,
    EvenementTitre,
    Paiement,
    Source,
    TitreDeRecettes,
)
from tarification.recouvrement import actes, restes
from tarification.titres import pes

BUDGET_PRINCIPAL = "Budget principal"
COLONNES_PAIEMENTS = ("exercice", "titre", "date", "montant")
COLONNES_ETATS = ("exercice", "titre", "etat", "date", "motif")
OPTIONNELLES = ("budget", "titre_officiel", "reference")
ETATS = {
    "pris en charge": EvenementTitre.Nature.PRIS_EN_CHARGE,
    "pris_en_charge": EvenementTitre.Nature.PRIS_EN_CHARGE,
    "prise en charge": EvenementTitre.Nature.PRIS_EN_CHARGE,
    "rejeté": EvenementTitre.Nature.REJETE,
    "rejete": EvenementTitre.Nature.REJETE,
    "rejet": EvenementTitre.Nature.REJETE,
}
MAX_ERREURS = 50  # beyond, the list says how many more


@dataclass(frozen=True)
class Resultat:
    lignes: int
    enregistres: int
    deja: int  # already recorded (idempotence)
    trop_percu: Decimal = Decimal("0.00")


def _lire(contenu: bytes, obligatoires, optionnelles) -> list[tuple[int, dict]]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError as erreur:
        raise ValidationError(
            "Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 »."
        ) from erreur
    lecteur = csv.reader(io.StringIO(texte), delimiter=";")
    entetes = [e.strip().lower() for e in next(lecteur, [])]
    manquantes = [c for c in obligatoires if c not in entetes]
    inconnues = [c for c in entetes if c not in obligatoires and c not in optionnelles]
    if manquantes or inconnues or len(set(entetes)) != len(entetes):
        raise ValidationError(
            f"Ligne 1 : colonnes attendues « {';'.join(obligatoires)} » (et facultatives "
            f"« {';'.join(optionnelles)} »), trouvées « {';'.join(entetes) or 'aucune'} »."
        )
    lignes = []
    for valeurs in lecteur:
        rang = lecteur.line_num
        if not any(v.strip() for v in valeurs):
            continue
        if len(valeurs) != len(entetes):
            lignes.append((rang, None))
            continue
        lignes.append((rang, {e: v.strip() for e, v in zip(entetes, valeurs, strict=True)}))
    if not lignes:
        raise ValidationError("Le fichier ne contient aucune ligne.")
    return lignes


def lire_date(texte: str) -> date:
    for motif in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(texte, motif).date()
        except ValueError:
            continue
    raise ValueError(f"date « {texte} » invalide (AAAA-MM-JJ ou JJ/MM/AAAA attendu)")


def lire_montant(texte: str) -> Decimal:
    propre = texte.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    if not re.fullmatch(r"-?\d+(,\d{1,2})?", propre):
        raise ValueError(
            f"montant « {texte} » invalide (virgule décimale, deux décimales au plus : 1234,50)"
        )
    try:
        return Decimal(propre.replace(",", "."))
    except InvalidOperation as erreur:  # pragma: no cover - the pattern above excludes it
        raise ValueError(f"montant « {texte} » invalide") from erreur


class _Titres:
    """The titres a file names, read in one query: by (exercice, budget, our number) and by
    (exercice, budget, official number)."""

    def __init__(self, lignes):
        exercices = set()
        for _, ligne in lignes:
            if ligne and ligne["exercice"].isdigit():
                exercices.add(int(ligne["exercice"]))
        self.par_numero: dict[tuple[int, str, int], TitreDeRecettes] = {}
        self.par_officiel: dict[tuple[int, str, str], TitreDeRecettes] = {}
        # Only the columns the checks read: a titre's row is wide (its issuer's snapshot).
        champs = ("exercice", "budget", "numero", "numero_officiel", "date_emission", "total")
        for titre in (
            restes.titres_suivis(TitreDeRecettes.objects.filter(exercice__in=exercices))
            .only(*champs, "statut", "nature")
            .select_for_update(of=("self",))
        ):
            self.par_numero[(titre.exercice, titre.budget, titre.numero)] = titre
            if titre.numero_officiel:
                self.par_officiel[(titre.exercice, titre.budget, titre.numero_officiel)] = titre

    def trouver(self, ligne: dict) -> tuple[TitreDeRecettes | None, str]:
        """The titre of a line, or the French reason it has none."""
        if not ligne["exercice"].isdigit():
            return None, f"exercice « {ligne['exercice']} » non numérique."
        exercice = int(ligne["exercice"])
        budget = ligne.get("budget") or BUDGET_PRINCIPAL
        officiel = ligne.get("titre_officiel", "")
        if officiel:
            titre = self.par_officiel.get((exercice, budget, officiel))
            if titre is None:
                return None, (
                    f"aucun titre de n° officiel {officiel} sur l'exercice {exercice} "
                    f"(budget « {budget} »)."
                )
            return titre, ""
        if not ligne["titre"].isdigit():
            return None, f"n° de titre « {ligne['titre']} » non numérique."
        titre = self.par_numero.get((exercice, budget, int(ligne["titre"])))
        if titre is None:
            return None, (
                f"aucun titre n° {ligne['titre']} émis sur l'exercice {exercice} "
                f"(budget « {budget} »), ou c'est une réduction."
            )
        return titre, ""


def _refuser(erreurs: list[str], quoi: str):
    if erreurs:
        plus = len(erreurs) - MAX_ERREURS
        messages = erreurs[:MAX_ERREURS]
        if plus > 0:
            messages.append(f"… et {plus} autre(s) erreur(s).")
        messages.append(
            f"Aucun{quoi} n'a été importé : corrigez le fichier et importez-le à nouveau."
        )
        raise ValidationError(messages)


@transaction.atomic
def importer_paiements(contenu: bytes, *, par=None) -> Resultat:
    """B11 — record the payments of ``contenu`` (CSV bytes), all or nothing, idempotent."""
    lignes = _lire(contenu, COLONNES_PAIEMENTS, OPTIONNELLES)
    titres = _Titres(lignes)
    erreurs: list[str] = []
    situations: dict[int, object] = {}
    rangs: Counter = Counter()
    prets: list[tuple[Paiement, object]] = []
    for rang, ligne in lignes:
        if ligne is None:
            erreurs.append(f"Ligne {rang} : nombre de colonnes incorrect.")
            continue
        titre, pourquoi = titres.trouver(ligne)
        if titre is None:
            erreurs.append(f"Ligne {rang} : {pourquoi}")
            continue
        try:
            le = lire_date(ligne["date"])
            montant = lire_montant(ligne["montant"])
        except ValueError as erreur:
            erreurs.append(f"Ligne {rang} : {erreur}.")
            continue
        reference = ligne.get("reference", "")
        if len(reference) > 100:
            erreurs.append(f"Ligne {rang} : la référence compte au plus 100 caractères.")
            continue
        sit = situations.get(titre.pk) or restes.situation(titre)
        if pourquoi := actes.verifier_paiement(titre, sit, le, montant):
            erreurs.append(f"Ligne {rang} : {pourquoi}")
            continue
        identite = (titre.pk, le, montant, reference)
        rangs[identite] += 1
        cle = actes.cle_paiement(titre, le, montant, reference, rangs[identite])
        prets.append(
            (
                actes.paiement(
                    titre=titre,
                    sit=sit,
                    le=le,
                    montant=montant,
                    reference=reference,
                    cle=cle,
                    source=Source.IMPORT,
                    par=par,
                ),
                sit,
            )
        )
        situations[titre.pk] = actes.apres_paiement(sit, montant)
    _refuser(erreurs, " paiement")
    existants = set(
        Paiement.objects.filter(cle__in=[p.cle for p, _ in prets]).values_list("cle", flat=True)
    )
    # A payment already recorded takes nothing from what the file's next payments find remaining:
    # figures are recomputed on the new ones only, from the titre as it stands.
    nouveaux: list[Paiement] = []
    en_cours: dict[int, object] = {}
    for paiement, _ in prets:
        if paiement.cle in existants:
            continue
        titre = paiement.titre
        sit = en_cours.get(titre.pk) or restes.situation(titre)
        paiement.trop_percu = max(paiement.montant - sit.reste, restes.ZERO)
        en_cours[titre.pk] = actes.apres_paiement(sit, paiement.montant)
        nouveaux.append(paiement)
    Paiement.objects.bulk_create(nouveaux, batch_size=1000)
    return Resultat(
        lignes=len(lignes),
        enregistres=len(nouveaux),
        deja=len(prets) - len(nouveaux),
        trop_percu=sum((p.trop_percu for p in nouveaux), restes.ZERO),
    )


@transaction.atomic
def importer_etats(contenu: bytes, *, par=None) -> Resultat:
    """B11 — record the comptable's per-titre outcomes of ``contenu`` (CSV bytes), all or
    nothing; an outcome already recorded changes nothing."""
    lignes = _lire(contenu, COLONNES_ETATS, OPTIONNELLES)
    titres = _Titres(lignes)
    erreurs: list[str] = []
    a_faire: list[EvenementTitre] = []
    vus: dict[tuple[int, str], tuple[int, date]] = {}
    existants = {
        (e.titre_id, e.nature): e.date
        for e in EvenementTitre.objects.filter(
            titre__in=[t.pk for t in titres.par_numero.values()]
        ).exclude(nature=EvenementTitre.Nature.NON_VALEUR)
    }
    deja = 0
    for rang, ligne in lignes:
        if ligne is None:
            erreurs.append(f"Ligne {rang} : nombre de colonnes incorrect.")
            continue
        titre, pourquoi = titres.trouver(ligne)
        if titre is None:
            erreurs.append(f"Ligne {rang} : {pourquoi}")
            continue
        nature = ETATS.get(ligne["etat"].strip().lower())
        if nature is None:
            erreurs.append(
                f"Ligne {rang} : état « {ligne['etat']} » inconnu (« pris en charge » ou "
                "« rejeté »)."
            )
            continue
        try:
            le = lire_date(ligne["date"])
        except ValueError as erreur:
            erreurs.append(f"Ligne {rang} : {erreur}.")
            continue
        cle = (titre.pk, nature)
        if cle in existants:
            if existants[cle] == le:
                deja += 1
                continue
            erreurs.append(
                f"Ligne {rang} : le titre n° {titre.numero} est déjà « "
                f"{EvenementTitre.Nature(nature).label} » depuis le {existants[cle]:%d/%m/%Y}."
            )
            continue
        autre = (
            EvenementTitre.Nature.REJETE
            if nature == EvenementTitre.Nature.PRIS_EN_CHARGE
            else EvenementTitre.Nature.PRIS_EN_CHARGE
        )
        if (titre.pk, autre) in vus:
            erreurs.append(
                f"Ligne {rang} : le titre n° {titre.numero} est déjà « "
                f"{EvenementTitre.Nature(autre).label} » ligne {vus[(titre.pk, autre)][0]}."
            )
            continue
        if cle in vus:
            if vus[cle][1] == le:
                deja += 1
                continue
            erreurs.append(
                f"Ligne {rang} : le titre n° {titre.numero} figure déjà ligne {vus[cle][0]}."
            )
            continue
        if pourquoi := actes.verifier_etat(
            titre, restes.situation(titre), nature, le, ligne["motif"]
        ):
            erreurs.append(f"Ligne {rang} : {pourquoi}")
            continue
        vus[cle] = (rang, le)
        a_faire.append(
            EvenementTitre(
                titre=titre,
                nature=nature,
                date=le,
                motif=ligne["motif"],
                source=Source.IMPORT,
                auteur=par,
            )
        )
    _refuser(erreurs, " état")
    EvenementTitre.objects.bulk_create(a_faire)
    return Resultat(lignes=len(lignes), enregistres=len(a_faire), deja=deja)


# --- PES_Acquit ------------------------------------------------------------------------------

SCHEMA_ACQUIT = Path("PES_V2") / "Rev0" / "PES_V2_Acquit_Autonome_V2.xsd"
_schema_acquit = None


def schema_acquit() -> etree.XMLSchema:
    global _schema_acquit
    if _schema_acquit is None:
        chemin = Path(settings.PES_ACQUIT_SCHEMAS_DIR) / SCHEMA_ACQUIT
        if not chemin.is_file():
            raise ValidationError(
                f"Schéma PES_Acquit introuvable ({chemin}) : installez le paquet de schémas de "
                "la DGFiP et renseignez PES_ACQUIT_SCHEMAS_DIR."
            )
        parseur = etree.XMLParser(no_network=True)
        _schema_acquit = etree.XMLSchema(etree.parse(str(chemin), parseur))
    return _schema_acquit


def _v(element, chemin: str) -> str:
    trouve = element.find(chemin)
    return (trouve.get("V") or "").strip() if trouve is not None else ""


def _erreurs(element) -> list[str]:
    messages = []
    for erreur in element.iter("Erreur"):
        code, libelle = _v(erreur, "NumAnoAck"), _v(erreur, "LibelleAnoAck")
        messages.append(" — ".join(x for x in (code, libelle) if x))
    return messages


@transaction.atomic
def importer_acquittement(contenu: bytes, *, par=None) -> Acquittement | None:
    """B11 — record the comptable's acknowledgement of one of our PES flows; ``None`` when it
    is already recorded (the same file)."""
    parseur = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        document = etree.parse(io.BytesIO(contenu), parseur)
    except etree.XMLSyntaxError as erreur:
        raise ValidationError(
            f"Ligne {erreur.lineno or 1} : XML illisible ({erreur.msg})."
        ) from erreur
    schema = schema_acquit()
    if not schema.validate(document):
        raise ValidationError(
            [f"Ligne {e.line} : {e.message}" for e in list(schema.error_log)[:MAX_ERREURS]]
            + ["Ce fichier n'est pas un acquittement PES valide : rien n'a été importé."]
        )
    racine = document.getroot()
    nom_fic = _v(racine, "Enveloppe/Parametres/NomFic")
    m = re.fullmatch(r"pes-(\d{4})-(\d+)\.xml", nom_fic)
    candidats = []
    if m:
        candidats = [
            b
            for b in Bordereau.objects.filter(exercice=int(m[1]), numero=int(m[2])).exclude(pes="")
            if pes.nom_fichier(b) == nom_fic
        ]
    if len(candidats) != 1:
        raise ValidationError(
            f"L'acquittement porte sur le flux « {nom_fic or '—'} », qui n'est aucun de nos "
            "fichiers PES produits (ou en désigne plusieurs) : rien n'a été importé."
        )
    bordereau = candidats[0]
    elements = racine.findall("ACQUIT/ElementACQUIT")
    accepte = all(_v(e, "EtatAck") in ("1", "true") for e in elements)
    erreurs = [m for e in elements for m in _erreurs(e)]
    empreinte = hashlib.sha256(contenu).hexdigest()
    if Acquittement.objects.filter(bordereau=bordereau, sha256=empreinte).exists():
        return None
    date_str = _v(racine, "EnTetePES/DteStr")
    try:
        le = date.fromisoformat(date_str) if date_str else timezone.localdate()
    except ValueError:
        le = timezone.localdate()
    return Acquittement.objects.create(
        bordereau=bordereau,
        nom_fichier=nom_fic,
        accepte=accepte,
        erreurs="\n".join(erreurs),
        date=le,
        sha256=empreinte,
        source=Source.IMPORT,
        auteur=par,
    )
