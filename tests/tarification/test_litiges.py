"""A4 (art. 2.5) — a dispute on a member or one of its titres goes first to conciliation or
mediation, recorded with its steps; it is shown on the titre's page."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tarification import litiges
from tarification.models import Litige
from tests.conftest import emettre_titre

pytestmark = pytest.mark.django_db


@pytest.fixture
def titre(commune_a):
    return emettre_titre(commune_a, numero=1)


@pytest.fixture
def litige(commune_a, titre):
    return litiges.ouvrir_litige(
        commune=commune_a,
        titre=titre,
        objet="Contestation de la population retenue",
        ouvert_le=date(2026, 3, 1),
        par=None,
    )


def test_A4_a_dispute_fails_only_after_a_conciliation_or_mediation(litige):
    with pytest.raises(ValidationError, match="qu'après une conciliation ou une médiation"):
        litiges.clore_litige(litige=litige, issue=Litige.Issue.ECHEC, le=date(2026, 4, 1), par=None)
    litiges.ajouter_etape(
        litige=litige,
        nature="conciliation",
        le=date(2026, 3, 15),
        intervenant="Conciliateur de justice (démo)",
        par=None,
    )
    litige = litiges.clore_litige(
        litige=litige, issue=Litige.Issue.ECHEC, le=date(2026, 4, 1), par=None
    )
    assert not litige.en_cours and litige.statut.startswith("échec de la conciliation")
    with pytest.raises(ValidationError, match="clos"):
        litiges.ajouter_etape(litige=litige, nature="mediation", le=date(2026, 4, 2), par=None)


def test_A4_an_amicable_agreement_needs_no_step_and_dates_hold(litige):
    with pytest.raises(ValidationError, match="précède l'ouverture"):
        litiges.ajouter_etape(litige=litige, nature="mediation", le=date(2026, 2, 1), par=None)
    with pytest.raises(ValidationError, match="avant d'être ouvert"):
        litiges.clore_litige(litige=litige, issue="accord", le=date(2026, 2, 1), par=None)
    litige = litiges.clore_litige(litige=litige, issue="accord", le=date(2026, 3, 2), par=None)
    assert litige.get_issue_display() == "accord amiable"


def test_A4_a_dispute_is_on_the_members_own_titre(commune_b, titre):
    with pytest.raises(ValidationError, match="n'est pas à l'ordre de ce membre"):
        litiges.ouvrir_litige(
            commune=commune_b, titre=titre, objet="x", ouvert_le=date(2026, 3, 1), par=None
        )


def test_A4_the_titre_page_shows_its_disputes_and_their_steps(
    client, responsable_financier, litige, titre
):
    litiges.ajouter_etape(
        litige=litige,
        nature="mediation",
        le=date(2026, 3, 20),
        intervenant="Médiateur des entreprises (démo)",
        compte_rendu="Réunion tenue en mairie.",
        par=None,
    )
    client.force_login(responsable_financier)
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert "Litiges (art. 2.5 de la convention)" in page
    assert "Contestation de la population retenue" in page and "en cours" in page
    assert "Médiation du 20/03/2026 (Médiateur des entreprises (démo))" in page


def test_A4_the_admin_refuses_a_failure_without_a_step(client, agent_dsi, commune_a):
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("admin:tarification_litige_add"),
        {
            "commune": commune_a.pk,
            "objet": "Transfert du serveur",
            "souleve_par": "membre",
            "ouvert_le": "2026-03-01",
            "clos_le": "2026-04-01",
            "issue": "echec",
            "etapes-TOTAL_FORMS": "0",
            "etapes-INITIAL_FORMS": "0",
            "etapes-MIN_NUM_FORMS": "0",
            "etapes-MAX_NUM_FORMS": "1000",
        },
    )
    assert reponse.status_code == 200
    assert "qu&#x27;après une conciliation ou une médiation" in reponse.content.decode()
    assert not Litige.objects.exists()
