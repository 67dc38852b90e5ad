"""Checks on uploaded files: type read from the content (not the name) and size."""

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

from outils.fichiers_pdf import PdfRefuse, verifier_pdf

# extension → (MIME type, magic bytes at offset 0). Office documents are ZIP (OOXML, ODF)
# or OLE2 (legacy .doc/.xls) containers.
TYPES_ACCEPTES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
}


def verifier_fichier(fichier, types=None) -> tuple[str, int]:
    """Return (MIME type, size) of an uploaded file, or raise a French ValidationError."""
    types = types or TYPES_ACCEPTES
    extension = PurePath(fichier.name).suffix.lower()
    if extension not in types:
        acceptes = ", ".join(sorted(e.lstrip(".").upper() for e in types))
        raise ValidationError(
            {
                "fichier": f"Type de fichier refusé ({extension or 'sans extension'}) : formats acceptés {acceptes}."
            }
        )
    taille = fichier.size
    maximum = settings.DOCUMENT_MAX_BYTES
    if taille == 0:
        raise ValidationError({"fichier": "Le fichier est vide."})
    if taille > maximum:
        raise ValidationError(
            {
                "fichier": f"Fichier trop volumineux ({taille // 1024} Kio) : {maximum // (1024 * 1024)} Mio au plus."
            }
        )
    mime, signatures = types[extension]
    fichier.seek(0)
    debut = fichier.read(16)
    fichier.seek(0)
    if not any(debut.startswith(s) for s in signatures):
        raise ValidationError(
            {"fichier": f"Le contenu du fichier ne correspond pas à son extension {extension}."}
        )
    _verifier_structure(fichier, extension)
    return mime, taille


def _verifier_structure(fichier, extension: str) -> None:
    """The content read as its type: a PDF parses and has no active content (it may end up
    embedded in an official titre); an office document opens as the archive it claims."""
    fichier.seek(0)
    try:
        if extension == ".pdf":
            try:
                verifier_pdf(fichier.read())
            except PdfRefuse as refus:
                raise ValidationError({"fichier": str(refus)}) from refus
        elif extension in (".docx", ".xlsx", ".odt", ".ods"):
            try:
                with zipfile.ZipFile(fichier) as archive:
                    noms = set(archive.namelist())
            except zipfile.BadZipFile as erreur:
                raise ValidationError(
                    {"fichier": f"Le fichier {extension} est endommagé ou n'en est pas un."}
                ) from erreur
            attendu = "mimetype" if extension in (".odt", ".ods") else "[Content_Types].xml"
            if attendu not in noms:
                raise ValidationError(
                    {
                        "fichier": f"Le contenu du fichier ne correspond pas à son extension {extension}."
                    }
                )
            if any(n.lower().endswith("vbaproject.bin") for n in noms):
                raise ValidationError(
                    {"fichier": "Les documents contenant des macros sont refusés."}
                )
    finally:
        fichier.seek(0)
