"""A PDF checked by its structure, not its first bytes: it must parse as a PDF (pypdf) and
carry no active content — JavaScript, embedded files, launch actions, rich media, XFA forms.
Such a file may become part of an official titre (embedded in its PDF/A-3), so it is refused
rather than cleaned."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Keys and action types that make a PDF do something when opened or clicked.
CLES_ACTIVES = {
    "/JS": "du JavaScript",
    "/JavaScript": "du JavaScript",
    "/EmbeddedFiles": "des fichiers incorporés",
    "/EmbeddedFile": "des fichiers incorporés",
    "/Launch": "une action de lancement de programme",
    "/RichMedia": "un contenu multimédia actif",
    "/XFA": "un formulaire XFA",
}
ACTIONS_ACTIVES = {
    "/JavaScript": "du JavaScript",
    "/Launch": "une action de lancement de programme",
    "/ImportData": "une action d'import de données",
    "/SubmitForm": "un envoi de formulaire",
}
MAX_OBJETS = 200_000  # a PDF of an invoice has hundreds; bounds the walk


class PdfRefuse(ValueError):
    """The reason, in French, why a file is not accepted as a PDF."""


def verifier_pdf(contenu: bytes) -> int:
    """Raise ``PdfRefuse`` unless ``contenu`` is a PDF with at least one page and no active
    content; return its number of pages."""
    try:
        lecteur = PdfReader(io.BytesIO(contenu), strict=False)
        if lecteur.is_encrypted:
            raise PdfRefuse("Le PDF est chiffré : déposez une version sans mot de passe.")
        pages = len(lecteur.pages)
        racine = lecteur.trailer["/Root"]
        raison = _contenu_actif(racine)
    except PdfRefuse:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as e:
        raise PdfRefuse("Le fichier n'est pas un PDF lisible.") from e
    if not pages:
        raise PdfRefuse("Le PDF ne contient aucune page.")
    if raison:
        raise PdfRefuse(f"Le PDF contient {raison} : ce contenu actif est refusé.")
    return pages


def _contenu_actif(racine) -> str | None:
    vus: set[tuple[int, int]] = set()
    pile = [racine]
    while pile:
        if len(vus) > MAX_OBJETS:
            raise PdfRefuse("Le PDF est trop complexe pour être vérifié.")
        objet = pile.pop()
        if isinstance(objet, IndirectObject):
            cle = (objet.idnum, objet.generation)
            if cle in vus:
                continue
            vus.add(cle)
            objet = objet.get_object()
        if isinstance(objet, DictionaryObject):
            for cle, valeur in objet.items():
                if cle in CLES_ACTIVES:
                    return CLES_ACTIVES[cle]
                if cle == "/S" and isinstance(valeur, NameObject) and valeur in ACTIONS_ACTIVES:
                    return ACTIONS_ACTIVES[valeur]
                pile.append(valeur)
        elif isinstance(objet, ArrayObject):
            pile.extend(objet)
    return None
