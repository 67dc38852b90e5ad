"""The demo accounts use the whole portal on the demo data (membres, missions, groupements,
tarification, portail), and the portal's demo data loads twice without change."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo import portail as demo
from portail.models import DemandeModification, FicheProjet

SECTIONS = [
    "accueil",
    "contribution",
    "titres",
    "groupements",
    "niveau1",
    "fiches",
    "contacts",
    "audit",
    "sortie",
    "documents",
]


def connecter(client, compte):
    """Through the login form (django-axes needs the request): the demo password works."""
    reponse = client.post(reverse("login"), {"username": compte, "password": "demo-servicecommun"})
    assert reponse.status_code == 302, compte


@pytest.fixture
def donnees_demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("charger_demo")


def test_demo_accounts_open_every_section_of_their_communes(client, donnees_demo):
    for compte, communes in [("mairie-redon", ["35236"]), ("mairie-allaire", ["56001", "56223"])]:
        connecter(client, compte)
        for insee in communes:
            for section in SECTIONS:
                url = reverse(f"portail:{section}", kwargs={"code_insee": insee})
                assert client.get(url).status_code == 200, (compte, url)
        assert (
            client.get(reverse("portail:accueil", kwargs={"code_insee": "44057"})).status_code
            == 404
        )
        client.logout()


def test_demo_portal_data_is_there_once(donnees_demo):
    assert FicheProjet.objects.count() == len(demo.FICHES)
    assert FicheProjet.objects.filter(statut="acceptee", decidee_le__isnull=False).count() == 1
    assert DemandeModification.objects.filter(statut="en_attente").count() == 1
    demo.charger()
    assert FicheProjet.objects.count() == len(demo.FICHES)
    assert DemandeModification.objects.count() == 1


def test_demo_deliberation_is_a_pdf_its_commune_downloads(client, donnees_demo):
    from membres.models import Document

    document = Document.objects.get(commune__code_insee="35236", type="deliberation")
    connecter(client, "mairie-redon")
    reponse = client.get(
        reverse("portail:document", kwargs={"code_insee": "35236", "pk": document.pk})
    )
    assert b"".join(reponse.streaming_content).startswith(b"%PDF-1.4")
    assert document.type_mime == "application/pdf"
