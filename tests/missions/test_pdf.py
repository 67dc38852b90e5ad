"""The lettre de mission as a PDF (art. 3.2.3): its text read back, who may download it, and
the restricted resource fetcher."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from missions.models import Mission
from missions.pdf import rendre_lettre_mission
from outils.pdf import FetcherStatique

pytestmark = pytest.mark.django_db


def _texte(pdf: bytes) -> str:
    texte = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # Lines broken after a hyphen ("demi-" / "journée") are joined back.
    return " ".join(texte.replace("\u00a0", " ").split()).replace("demi- ", "demi-")


@pytest.fixture
def mission_a(commune_a, adhesion_factory, population_factory, mission_factory):
    adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    population_factory(commune_a, 2025, 2355)
    return mission_factory(
        commune_a,
        debut=date(2025, 3, 3),
        fin=date(2025, 6, 27),
        objet="Renouvellement du logiciel de gestion financière",
        objectifs="Choisir un progiciel conforme à la M57.",
        enjeux="Passage à la M57.",
        risques="Reprise des données.",
        intervenants_dsi="Jeanne Martin, cheffe de projet",
        intervenants_membre="Paul Durand, secrétaire de mairie",
        duree_prevue="4 mois",
        jours_prevus=Decimal("6.5"),
        organisation_calendrier="Une journée par semaine sur site.",
        livrables="Cahier des charges ; analyse des offres.",
        statut=Mission.Statut.EN_COURS,
        signee_le=date(2025, 2, 20),
    )


def test_lettre_de_mission_pdf_carries_every_part_of_art_3_2_3(mission_a):
    texte = _texte(rendre_lettre_mission(mission_a, edite_le=date(2025, 3, 1)))
    for attendu in [
        "LETTRE DE MISSION",
        f"LM-2025-{mission_a.pk:04d}",
        "Allaire",
        "Renouvellement du logiciel de gestion financière",
        "Objectifs Choisir un progiciel conforme à la M57.",
        "Enjeux Passage à la M57.",
        "Risques éventuels Reprise des données.",
        "Jeanne Martin, cheffe de projet",
        "Paul Durand, secrétaire de mairie",
        "Début de la mission 03/03/2025",
        "Fin prévue 27/06/2025",
        "Durée totale 4 mois",
        "Jours de travail prévus 6,5 jours",
        "Une journée par semaine sur site.",
        "Cahier des charges ; analyse des offres.",
        "Signée le 20/02/2025",
        "Édition 01/03/2025",
        "Statut en cours",
        # T6: the allowance of its bracket, 200 € beyond.
        "4,5 jours, soit 9 demi-journées en 2025",
        "117 jours ouvrés",
        "200,00 € HT",
        "page 1 / ",
    ]:
        assert attendu in texte, attendu
    assert "PROJET" not in texte


def test_T6_lettre_for_a_member_without_socle_complet_says_billed_from_the_first(
    membre, mission_factory
):
    commune = membre(2283, formule="annexe_complet", nom="Fégréac")
    mission = mission_factory(
        commune,
        debut=date(2026, 2, 2),
        fin=date(2026, 3, 13),
        objet="Complément de diagnostic",
        diagnostic=True,
        jours_prevus=Decimal("2"),
    )
    texte = _texte(rendre_lettre_mission(mission))
    assert "complément de diagnostic (art. 4.1)" in texte
    assert "n'adhère pas au socle complet en 2026" in texte
    assert "Chaque demi-journée est facturée 200,00 € HT dès la première" in texte
    assert "4 demi-journées × 200,00 € = 800,00 € HT" in texte


def test_draft_lettre_is_marked_as_a_draft(commune_a, adhesion_factory, mission_factory):
    adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    mission = mission_factory(commune_a, statut=Mission.Statut.BROUILLON, signee_le=None)
    texte = _texte(rendre_lettre_mission(mission))
    assert "PROJET" in texte
    assert "Statut brouillon" in texte
    # No population recorded for the year: said plainly, no internal anomaly code.
    assert "population municipale en vigueur au 1er janvier 2025" in texte


def test_pdf_view_access(client, mission_a, agent, secretaire_a, secretaire_b, mission_factory):
    url = reverse("missions:lettre_pdf", args=[mission_a.pk])
    assert client.get(url).status_code == 302  # anonymous → login

    client.force_login(agent)
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert "Allaire" in _texte(reponse.content)

    client.force_login(secretaire_a)  # the member's own signed lettre
    assert client.get(url).status_code == 200
    brouillon = mission_factory(mission_a.commune, statut=Mission.Statut.BROUILLON, signee_le=None)
    assert client.get(reverse("missions:lettre_pdf", args=[brouillon.pk])).status_code == 404

    client.force_login(secretaire_b)  # another member: not even its existence
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "https://example.org/logo.png", "file:///work/main/manage.py"],
)
def test_pdf_fetcher_refuses_anything_outside_static(url):
    with pytest.raises(FatalURLFetchingError):
        FetcherStatique().fetch(url)


def test_pdf_fetcher_serves_static_files():
    from django.conf import settings

    chemin = settings.BASE_DIR / "static" / "css" / "lettre_mission.css"
    reponse = FetcherStatique().fetch(chemin.as_uri())
    assert b"@page" in reponse.read()
