"""A2 — importing a member's inventory (assets or contracts) from a spreadsheet: CSV (UTF-8,
with or without BOM, ``;`` separator, decimal comma, dates JJ/MM/AAAA) or XLSX (first sheet,
read with openpyxl; real dates and numbers accepted). Every line is checked first, each error
named with its line number as the spreadsheet shows it (header = line 1), in French; one
error and nothing is recorded.

Written here rather than with django-import-export: the rows are checked by the models' own
validation (``full_clean``, constraints included, so that a line already in the inventory is
refused like in the admin), attached to the member and its audit, and the errors speak the
DSI's words; the project's population import follows the same pattern.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from membres.fichiers import TYPES_ACCEPTES, verifier_fichier
from membres.models import Commune
from patrimoine.models import Audit, Bien, Contrat, NiveauService

# A spreadsheet cell read as it comes: text from a CSV, typed values from an XLSX.
Cellule = str | int | float | Decimal | date | datetime | None


class ImportInvalide(ValidationError):
    """The file is refused: ``messages`` lists every error, line by line."""


VIDE = "Le fichier est vide : la ligne 1 porte les intitulés des colonnes."


def _normaliser(texte: str) -> str:
    """« Coût annuel HT (€) » → « cout annuel ht »: no accents, case or punctuation."""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", sans_accents.lower()).strip()


# --- Values --------------------------------------------------------------------------------


def _texte(valeur: Cellule) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur).strip()


def _date(valeur: Cellule) -> date | None:
    if valeur in (None, ""):
        return None
    if isinstance(valeur, datetime):
        return valeur.date()
    if isinstance(valeur, date):
        return valeur
    texte = _texte(valeur)
    for format_ in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(texte, format_).date()
        except ValueError:
            continue
    raise ValueError(f"« {texte} » n'est pas une date (JJ/MM/AAAA attendu)")


def _montant(valeur: Cellule) -> Decimal | None:
    if valeur in (None, ""):
        return None
    if isinstance(valeur, float):
        # An XLSX number cell is a binary float: its shortest decimal writing is what the
        # spreadsheet shows (never computed with as a float).
        valeur = repr(valeur)
    texte = re.sub(r"[\s\u00a0\u202f€]", "", str(valeur)).replace(",", ".")
    try:
        montant = Decimal(texte)
    except InvalidOperation:
        raise ValueError(f"« {valeur} » n'est pas un montant (ex. 1 250,50)") from None
    if not montant.is_finite() or montant < 0:
        raise ValueError(f"« {valeur} » n'est pas un montant positif")
    if montant != montant.quantize(Decimal("0.01")):
        raise ValueError(f"« {valeur} » a plus de deux décimales")
    return montant.quantize(Decimal("0.01"))


def _entier(valeur: Cellule) -> int | None:
    texte = _texte(valeur)
    if not texte:
        return None
    if not texte.isdigit():
        raise ValueError(f"« {texte} » n'est pas un nombre entier positif")
    return int(texte)


OUI = {"oui", "o", "x", "1", "vrai"}
NON = {"non", "n", "0", "faux", ""}


def _booleen(valeur: Cellule) -> bool:
    if isinstance(valeur, bool):
        return valeur
    texte = _normaliser(_texte(valeur))
    if texte in OUI:
        return True
    if texte in NON:
        return False
    raise ValueError(f"« {_texte(valeur)} » : oui ou non attendu")


def _choix(libelles: dict[str, str], attendu: str) -> Callable[[Cellule], str]:
    def lire(valeur: Cellule) -> str:
        texte = _normaliser(_texte(valeur))
        if texte in libelles:
            return libelles[texte]
        raise ValueError(f"« {_texte(valeur)} » inconnu ({attendu} attendu)")

    return lire


_NIVEAUX = {
    "2": NiveauService.NIVEAU2,
    "niveau 2": NiveauService.NIVEAU2,
    "3": NiveauService.NIVEAU3,
    "niveau 3": NiveauService.NIVEAU3,
    "4": NiveauService.NIVEAU4,
    "niveau 4": NiveauService.NIVEAU4,
    "hors socle": NiveauService.HORS_SOCLE,
    "aucun": NiveauService.HORS_SOCLE,
}
_NIVEAUX.update({_normaliser(c.label): c.value for c in NiveauService})
_CATEGORIES = {_normaliser(c.label): c.value for c in Bien.Categorie}
_RECONDUCTIONS = {_normaliser(c.label): c.value for c in Contrat.Reconduction}
_RECONDUCTIONS.update(
    {"tacite": "tacite", "expresse": "expresse", "aucune": "aucune", "": "aucune"}
)
_RECONDUCTIONS.update({"sans": "aucune", "non": "aucune"})


@dataclass(frozen=True)
class Colonne:
    champ: str
    entete: str  # as the model documents it (and the template files show it)
    lire: Callable[[Cellule], object]
    obligatoire: bool = False


COLONNES_BIENS = [
    Colonne(
        "categorie",
        "catégorie",
        _choix(_CATEGORIES, "matériel, logiciel ou immatériel"),
        obligatoire=True,
    ),
    Colonne("designation", "désignation", _texte, obligatoire=True),
    Colonne("reference", "référence", _texte),
    Colonne("emplacement", "emplacement", _texte),
    Colonne("quantite", "quantité", _entier),
    Colonne(
        "niveau_service",
        "niveau de service",
        _choix(_NIVEAUX, "2, 3, 4 ou hors socle"),
        obligatoire=True,
    ),
    Colonne("mutualisable", "mutualisable", _booleen, obligatoire=True),
    Colonne("acquis_le", "acquis le", _date),
    Colonne("valeur_acquisition", "valeur d'acquisition", _montant),
]
COLONNES_CONTRATS = [
    Colonne("fournisseur", "fournisseur", _texte, obligatoire=True),
    Colonne("objet", "objet", _texte, obligatoire=True),
    Colonne("reference", "référence", _texte),
    Colonne("debut", "début", _date, obligatoire=True),
    Colonne("fin", "fin", _date),
    Colonne("preavis_mois", "préavis", _entier),
    Colonne("cout_annuel", "coût annuel", _montant, obligatoire=True),
    Colonne(
        "reconduction",
        "reconduction",
        _choix(_RECONDUCTIONS, "tacite, expresse ou aucune"),
    ),
    Colonne("reconduction_details", "modalités de reconduction", _texte),
    Colonne(
        "niveau_service",
        "niveau de service",
        _choix(_NIVEAUX, "2, 3, 4 ou hors socle"),
        obligatoire=True,
    ),
    Colonne("mutualisable", "mutualisable", _booleen, obligatoire=True),
]
GENRES = {"biens": (Bien, COLONNES_BIENS), "contrats": (Contrat, COLONNES_CONTRATS)}


# --- Files ---------------------------------------------------------------------------------


def _lignes_csv(contenu: bytes) -> list[list[Cellule]]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInvalide(
            "Le fichier CSV n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 »."
        ) from None
    if not texte.strip():
        raise ImportInvalide(VIDE)
    premiere = texte.split("\n", 1)[0]
    if ";" not in premiere:
        raise ImportInvalide(
            "Ligne 1 : séparateur « ; » attendu entre les colonnes (CSV à la française)."
        )
    return list(csv.reader(io.StringIO(texte), delimiter=";"))


def _lignes_xlsx(contenu: bytes) -> list[list[Cellule]]:
    from openpyxl import load_workbook

    try:
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise ImportInvalide("Le fichier XLSX est illisible (classeur endommagé ?).") from None
    try:
        feuille = classeur.worksheets[0]
        return [list(ligne) for ligne in feuille.iter_rows(values_only=True)]
    finally:
        classeur.close()


def lire_fichier(fichier) -> list[list[Cellule]]:
    """The rows of an uploaded CSV or XLSX file (size and type checked)."""
    extension = PurePath(fichier.name).suffix.lower()
    if extension == ".xlsx":
        try:
            verifier_fichier(fichier, {".xlsx": TYPES_ACCEPTES[".xlsx"]})
        except ValidationError as erreur:
            raise ImportInvalide(erreur.messages) from None
        return _lignes_xlsx(fichier.read())
    if extension == ".csv":
        if fichier.size > settings.DOCUMENT_MAX_BYTES:
            raise ImportInvalide(
                f"Fichier trop volumineux : {settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} Mio "
                "au plus."
            )
        return _lignes_csv(fichier.read())
    raise ImportInvalide(
        f"Format refusé ({extension or 'sans extension'}) : CSV (séparateur « ; ») ou XLSX."
    )


def _colonnes(entetes: list[Cellule], colonnes: list[Colonne]) -> dict[str, int]:
    """The index of each column, found by its header (accents, case and units ignored)."""
    normalises = [_normaliser(_texte(e)) for e in entetes]
    index, manquantes = {}, []
    for colonne in colonnes:
        cle = _normaliser(colonne.entete)
        trouve = next(
            (i for i, e in enumerate(normalises) if e == cle or e.startswith(cle + " ")), None
        )
        if trouve is not None:
            index[colonne.champ] = trouve
        elif colonne.obligatoire:
            manquantes.append(colonne.entete)
    if manquantes:
        raise ImportInvalide("Ligne 1 : colonne(s) manquante(s) : " + ", ".join(manquantes) + ".")
    return index


def _vide(ligne: Iterable[Cellule]) -> bool:
    return all(_texte(v) == "" for v in ligne)


@dataclass
class Import:
    genre: str
    objets: list  # the unsaved Bien or Contrat, in the file's order


def preparer(
    lignes: list[list[Cellule]], *, genre: str, commune: Commune, audit: Audit | None
) -> Import:
    """Check every line; return the objects to record, or raise ``ImportInvalide`` with every
    error of the file."""
    modele, colonnes = GENRES[genre]
    if not lignes or _vide(lignes[0]):
        raise ImportInvalide(VIDE)
    index = _colonnes(lignes[0], colonnes)
    erreurs: list[str] = []
    objets = []
    vues: dict[tuple, int] = {}
    for numero, ligne in enumerate(lignes[1:], start=2):
        if _vide(ligne):
            continue
        valeurs, problemes = {}, []
        for colonne in colonnes:
            if colonne.champ not in index:
                continue
            i = index[colonne.champ]
            brut = ligne[i] if i < len(ligne) else None
            if colonne.obligatoire and _texte(brut) == "" and colonne.lire is not _booleen:
                problemes.append(f"{colonne.entete} : valeur manquante")
                continue
            try:
                valeur = colonne.lire(brut)
            except ValueError as erreur:
                problemes.append(f"{colonne.entete} : {erreur}")
                continue
            if valeur is not None:
                valeurs[colonne.champ] = valeur
        if not problemes:
            objet = modele(commune=commune, audit=audit, **valeurs)
            cle = _cle(objet)
            if cle in vues:
                problemes.append(f"déjà présent ligne {vues[cle]}")
            vues.setdefault(cle, numero)
            try:
                objet.full_clean()
            except ValidationError as erreur:
                problemes += [
                    _message(modele, champ, messages)
                    for champ, messages in erreur.message_dict.items()
                ]
            objets.append(objet)
        if problemes:
            erreurs.append(f"Ligne {numero} : " + " ; ".join(problemes) + ".")
    if erreurs:
        raise ImportInvalide(erreurs)
    if not objets:
        raise ImportInvalide("Aucune ligne à importer après les intitulés.")
    return Import(genre, objets)


def _cle(objet) -> tuple:
    if isinstance(objet, Bien):
        return (objet.categorie, objet.designation.casefold(), objet.reference.casefold())
    return (objet.fournisseur.casefold(), objet.objet.casefold(), objet.debut)


def _message(modele, champ: str, messages: list[str]) -> str:
    """A model's validation error, prefixed with the field's name unless it is general."""
    texte = " ".join(m.rstrip(".") for m in messages)
    if champ == "__all__":
        return texte
    return f"{modele._meta.get_field(champ).verbose_name} : {texte}"


@transaction.atomic
def importer(*, fichier, genre: str, commune: Commune, audit: Audit | None = None, par) -> Import:
    """A2 — import the assets or the contracts of a member's inventory, all or nothing."""
    if genre not in GENRES:
        raise ImportInvalide("Indiquez ce que contient le fichier : des biens ou des contrats.")
    if audit is not None and audit.commune_id != commune.pk:
        raise ImportInvalide("Cet audit n'est pas celui de cette commune.")
    resultat = preparer(lire_fichier(fichier), genre=genre, commune=commune, audit=audit)
    for objet in resultat.objets:
        objet.save()
    return resultat
