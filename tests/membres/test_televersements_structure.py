"""Uploads checked by content and structure, not by their first bytes: a PDF must parse and
carry no JavaScript, embedded file or launch action (it may be embedded into an official
titre); an office document must open as the archive it claims, without macros. A body larger
than accepted is refused before it is read (413), in French."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from membres.fichiers import verifier_fichier
from tests.conftest import pdf_minimal


def _pdf(modifier) -> bytes:
    ecrivain = PdfWriter()
    ecrivain.add_blank_page(width=595, height=842)
    modifier(ecrivain)
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()


def _lancement(ecrivain):
    ecrivain._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )


def _refus(nom, contenu) -> str:
    with pytest.raises(ValidationError) as erreur:
        verifier_fichier(SimpleUploadedFile(nom, contenu))
    return " ".join(erreur.value.messages)


def test_a_real_pdf_is_accepted():
    assert verifier_fichier(SimpleUploadedFile("f.pdf", pdf_minimal()))[0] == "application/pdf"


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "n'est pas un PDF lisible"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "n'est pas un PDF lisible"),
        (_pdf(lambda e: e.add_open_action(JavaScript("app.alert('x');"))), "du JavaScript"),
        (_pdf(lambda e: e.add_attachment("x.exe", b"MZ")), "contient des fichiers incorporés"),
        (_pdf(_lancement), "une action de lancement de programme"),
    ],
    ids=["html", "sans-page", "javascript", "fichier-incorpore", "lancement"],
)
def test_a_pdf_with_active_content_or_no_structure_is_refused(contenu, message):
    assert message in _refus("facture.pdf", contenu)


def _zip(**fichiers) -> bytes:
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as archive:
        for nom, contenu in fichiers.items():
            archive.writestr(nom.replace("__", "/"), contenu)
    return sortie.getvalue()


def test_office_documents_open_as_their_archive_without_macros():
    assert "endommagé" in _refus("a.docx", b"PK\x03\x04 not a zip")
    assert "ne correspond pas" in _refus("a.xlsx", _zip(autre="x"))
    macros = _zip(**{"[Content_Types].xml": "x", "xl__vbaProject.bin": "x"})
    assert "macros" in _refus("a.xlsx", macros)
    verifier_fichier(SimpleUploadedFile("a.xlsx", _zip(**{"[Content_Types].xml": "x"})))


@pytest.mark.django_db
def test_a_body_larger_than_accepted_is_refused_before_being_read(client, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    reponse = client.generic(
        "POST",
        "/connexion/",
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )
    assert reponse.status_code == 413
    page = reponse.content.decode()
    assert "Fichier trop volumineux" in page and "rien n&#x27;a été reçu" in page


@pytest.mark.django_db
def test_an_upload_is_cut_once_past_the_limit(rf, settings):
    from django.core.files.uploadhandler import StopUpload

    from outils.televersements import LimiteTailleHandler

    settings.DOCUMENT_MAX_BYTES = 100
    handler = LimiteTailleHandler(rf.post("/"))
    handler.new_file("fichier", "a.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60, 60)
