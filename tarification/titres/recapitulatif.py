"""B10 — the bordereau récapitulatif: the one document signed (CGCT L. 1617-5, 4°), naming its
signatory — the ordonnateur or the délégataire recorded for that date in the delegation
register — optionally signed electronically (PAdES).

Produced once, in the titres' visual family (one engine, ``outils/pdf.py``), from the titres as
issued; kept with its hash and never produced again, like the titres' PDFs. When a certificate
is configured (``RECAPITULATIF_CERTIFICAT``, a PKCS#12 file), the PDF is signed PAdES B-B with
pyHanko: no timestamp or revocation service is reachable here; a qualified signature through
the EPCI's parapheur remains the usual route for Hélios.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from num2words import num2words
from weasyprint.pdf.metadata import DocumentMetadata

from outils.pdf import moteur
from tarification.models import Bordereau, Signataire, TitreDeRecettes
from tarification.titres.lettres import montant_en_lettres
from tarification.titres.mentions import copie_emetteur

GABARIT = "tarification/recapitulatif_pdf.html"


def nom_fichier(bordereau: Bordereau) -> str:
    return f"recapitulatif-{bordereau.exercice}-{bordereau.numero:04d}.pdf"


def signataires_possibles(bordereau: Bordereau, le: date):
    """B10 — who may sign this bordereau on ``le``: in force on its date and on ``le``."""
    return (
        Signataire.objects.en_vigueur_le(bordereau.date_emission)
        .en_vigueur_le(le)
        .order_by("role", "nom")
    )


def choisir_signataire(bordereau: Bordereau, le: date, signataire: Signataire | None) -> Signataire:
    """The signatory of ``bordereau`` signing on ``le``: the one given, who must hold the power
    on both dates, else the ordonnateur in force, else the only délégataire in force. None in
    force blocks the bordereau (B10)."""
    if le > timezone.localdate():
        raise ValidationError("Un bordereau ne se signe pas à une date future.")
    if le < bordereau.date_emission:
        raise ValidationError(
            f"Le bordereau n° {bordereau.numero} ne peut être signé avant son émission "
            f"({bordereau.date_emission:%d/%m/%Y})."
        )
    if signataire is not None:
        for jour, quoi in [(bordereau.date_emission, "à la date du bordereau"), (le, "ce jour-là")]:
            if not signataire.en_vigueur_le(jour):
                raise ValidationError(
                    f"{signataire.prenom} {signataire.nom} n'a pas le pouvoir de signer {quoi} "
                    f"({jour:%d/%m/%Y}) : {signataire.get_role_display()} {signataire.periode} "
                    "(B10)."
                )
        return signataire
    possibles = list(signataires_possibles(bordereau, le))
    ordonnateurs = [s for s in possibles if s.role == Signataire.Role.ORDONNATEUR]
    if ordonnateurs:
        return ordonnateurs[0]
    if len(possibles) == 1:
        return possibles[0]
    if not possibles:
        raise ValidationError(
            f"Aucun signataire en vigueur le {bordereau.date_emission:%d/%m/%Y} (date du "
            f"bordereau) et le {le:%d/%m/%Y} : enregistrez l'ordonnateur ou la délégation de "
            "signature dans le registre (administration › registre des délégations) (B10)."
        )
    raise ValidationError("Plusieurs délégataires sont en vigueur : choisissez le signataire.")


def _nombre_en_lettres(nombre: int) -> str:
    return num2words(nombre, lang="fr")


def html(bordereau: Bordereau, signataire: Signataire, le: date) -> str:
    titres = list(TitreDeRecettes.objects.filter(bordereau=bordereau).order_by("numero"))
    total = sum((t.total for t in titres), Decimal("0.00"))
    correctif = bool(titres) and all(t.corrige_id for t in titres)
    emetteur = titres[0].emetteur if titres else copie_emetteur()
    return render_to_string(
        GABARIT,
        {
            "b": bordereau,
            "e": emetteur,
            "type": "annulation / réduction" if correctif else "ordinaire",
            "correctif": correctif,
            "titres": titres,
            "nombre": len(titres),
            "nombre_lettres": _nombre_en_lettres(len(titres)),
            "total": total,
            "total_lettres": montant_en_lettres(abs(total)),
            "signataire": signataire,
            "signe_le": le,
        },
    )


def rendre(bordereau: Bordereau, signataire: Signataire, le: date) -> bytes:
    document = moteur().document(html(bordereau, signataire, le), ["titre.css"])
    document.metadata = DocumentMetadata(
        title=f"Bordereau récapitulatif n° {bordereau.numero} — exercice {bordereau.exercice}",
        authors=[f"{signataire.prenom} {signataire.nom}"],
        description=bordereau.libelle,
        lang="fr",
    )
    return document.write_pdf()


def signer(contenu: bytes, signataire: Signataire) -> bytes:
    """PAdES B-B with the configured certificate (PKCS#12), or the PDF as it is."""
    chemin = settings.RECAPITULATIF_CERTIFICAT
    if not chemin:
        return contenu
    # Imported here: pyHanko loads crypto back-ends that only signing needs.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signataire_pkcs12 = signers.SimpleSigner.load_pkcs12(
        pfx_file=Path(chemin), passphrase=settings.RECAPITULATIF_CERTIFICAT_MOT_DE_PASSE.encode()
    )
    if signataire_pkcs12 is None:
        raise ValidationError(
            "Le certificat de signature du récapitulatif est illisible (RECAPITULATIF_CERTIFICAT "
            "ou son mot de passe)."
        )
    sortie = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(contenu)),
        signers.PdfSignatureMetadata(
            field_name="Signature",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=f"{signataire.prenom} {signataire.nom}",
            reason="Bordereau de titres de recettes (CGCT L. 1617-5, 4°)",
        ),
        signer=signataire_pkcs12,
    )
    return sortie.getvalue()


@transaction.atomic
def produire(
    *, bordereau: Bordereau, par, signataire: Signataire | None = None, le: date | None = None
) -> Bordereau:
    """B10 — the bordereau's récapitulatif, produced once and kept (never produced again)."""
    bordereau = Bordereau.objects.select_for_update().get(pk=bordereau.pk)
    if bordereau.recapitulatif:
        raise ValidationError(
            f"Le récapitulatif du bordereau n° {bordereau.numero} est déjà signé le "
            f"{bordereau.signe_le:%d/%m/%Y} : il ne se refait pas."
        )
    le = le or timezone.localdate()
    signataire = choisir_signataire(bordereau, le, signataire)
    contenu = signer(rendre(bordereau, signataire, le), signataire)
    bordereau.recapitulatif.save(nom_fichier(bordereau), ContentFile(contenu), save=False)
    bordereau.recapitulatif_sha256 = hashlib.sha256(contenu).hexdigest()
    bordereau.recapitulatif_signe = bool(settings.RECAPITULATIF_CERTIFICAT)
    bordereau.signataire = signataire
    bordereau.signe_le = le
    bordereau.save(
        update_fields=[
            "recapitulatif",
            "recapitulatif_sha256",
            "recapitulatif_signe",
            "signataire",
            "signe_le",
        ]
    )
    return bordereau


def verifier_signature(contenu: bytes) -> str | None:
    """The reason the récapitulatif's PAdES signature does not hold (altered after signing,
    or not made with the configured certificate), or None when it does."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(contenu)).embedded_signatures
    except Exception as erreur:  # noqa: BLE001 — an unreadable file is the answer
        return f"PDF illisible : {erreur}"
    if not signatures:
        return "aucune signature électronique"
    signataire = signers.SimpleSigner.load_pkcs12(
        pfx_file=Path(settings.RECAPITULATIF_CERTIFICAT),
        passphrase=settings.RECAPITULATIF_CERTIFICAT_MOT_DE_PASSE.encode(),
    )
    racines = [signataire.signing_cert] if signataire else []
    if settings.RECAPITULATIF_CERTIFICAT_RACINE:
        racines.append(load_cert_from_pemder(settings.RECAPITULATIF_CERTIFICAT_RACINE))
    statut = validate_pdf_signature(signatures[0], ValidationContext(trust_roots=racines))
    if not statut.intact:
        return "document modifié après la signature"
    if not statut.valid:
        return "signature invalide"
    if not statut.trusted:
        return "certificat non reconnu"
    return None
