"""Documents of members: type and size checked on upload, served only to those allowed."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from membres.models import Document
from tests.conftest import pdf_minimal

PDF = pdf_minimal()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def deposer(commune, nom="deliberation.pdf", contenu=PDF):
    document = Document(
        commune=commune,
        type="deliberation",
        titre="Délibération",
        fichier=SimpleUploadedFile(nom, contenu),
    )
    document.full_clean()
    document.save()
    return document


def test_a_pdf_is_accepted_and_its_type_recorded(commune_a):
    document = deposer(commune_a)
    assert document.type_mime == "application/pdf"
    assert document.taille == len(PDF)


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Type de fichier refusé"),
        ("faux.pdf", b"<html>not a pdf</html>", "ne correspond pas"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_bad_uploads_are_refused_in_french(commune_a, nom, contenu, message):
    with pytest.raises(ValidationError) as exc:
        deposer(commune_a, nom, contenu)
    assert message in str(exc.value)
    assert Document.objects.count() == 0


def test_too_large_an_upload_is_refused(commune_a, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="trop volumineux"):
        deposer(commune_a)


def test_document_is_served_to_its_commune_and_staff_only(
    client, commune_a, secretaire_a, secretaire_b, agent_dsi
):
    document = deposer(commune_a)
    url = reverse("document", args=[document.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(secretaire_b)
    assert client.get(url).status_code == 404
    client.force_login(secretaire_a)
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == PDF
    client.force_login(agent_dsi)
    assert client.get(url).status_code == 200
