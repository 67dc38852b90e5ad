"""Each role's home: its counters in a constant number of queries, the secretary's next-year
estimate for the budget (art. 4.2.3), the login page for everyone and the logout message."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portail.models import DemandeModification, FicheProjet
from securite.roles import DSI, DSI_ADMINISTRATEUR, FINANCES
from tarification.estimation import estimer_annee_suivante
from tests.conftest import avec_role
from tests.securite.conftest import connecte_verifie


@pytest.fixture
def personnel(agent_dsi, responsable_financier, settings):
    settings.STAFF_OTP_REQUIRED = True
    avec_role(agent_dsi, DSI, DSI_ADMINISTRATEUR)
    avec_role(responsable_financier, FINANCES)
    return {
        "dsi": connecte_verifie(Client(), agent_dsi),
        "finances": connecte_verifie(Client(), responsable_financier),
    }


def _requetes(client, url) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_staff_homes_keep_a_constant_number_of_queries(
    personnel, monde_a, monde_b, commune_factory, adhesion_factory, agent_dsi, secretaire_a
):
    """More members, pending requests, fiches and groupements: the same queries."""
    avant = {role: _requetes(client, "/") for role, client in personnel.items()}
    for n in range(4):
        commune = commune_factory(code_insee=f"3500{n}", nom=f"Commune {n}", departement="35")
        adhesion_factory(commune)  # no population: a gap the DSI sees
        FicheProjet.objects.create(
            commune=commune, intitule=f"Projet {n}", cree_par=secretaire_a, statut="soumise"
        )
        DemandeModification.objects.create(
            commune=commune, demandee_par=secretaire_a, siret="", statut="en_attente"
        )
    apres = {role: _requetes(client, "/") for role, client in personnel.items()}
    assert apres == avant
    assert avant["dsi"] <= 25 and avant["finances"] <= 20, avant


def test_the_dsi_home_lists_pending_items_with_filtered_links(personnel, monde_a, monde_b):
    page = personnel["dsi"].get("/").content.decode()
    assert "À traiter par la DSI" in page
    assert "/admin/portail/demandemodification/?statut__exact=en_attente" in page
    assert "/admin/portail/ficheprojet/?statut__in=soumise,a_l_etude" in page
    assert "Comptes du personnel" in page  # also a DSI administrator
    assert "Titres de recettes</h2>" not in page  # not the finance officer


def test_the_finance_home_shows_the_next_campaign(personnel, monde_a):
    page = personnel["finances"].get("/").content.decode()
    annee = timezone.localdate().year - 1
    assert f"Campagne {annee}" in page or f"campagne {annee}" in page
    assert "À traiter par la DSI" not in page


def test_a_secretary_lands_on_her_commune_s_home_with_what_to_do(client_a, monde_a):
    reponse = client_a.get("/", follow=True)
    assert reponse.redirect_chain[-1][0] == reverse(
        "portail:accueil", args=[monde_a.commune.code_insee]
    )
    page = reponse.content.decode()
    assert "À faire et à prévoir" in page
    assert f"Budget {timezone.localdate().year + 1}" in page


def test_the_secretary_s_home_keeps_a_constant_number_of_queries(
    client_a, monde_a, secretaire_a, agent_dsi
):
    url = reverse("portail:accueil", args=[monde_a.commune.code_insee])
    avant = _requetes(client_a, url)
    for n in range(3):
        FicheProjet.objects.create(commune=monde_a.commune, intitule=f"P{n}", cree_par=secretaire_a)
    assert _requetes(client_a, url) == avant


def test_next_year_estimate_uses_next_year_s_population_when_known(
    membre, population_factory, bareme_article_7
):
    commune = membre(population=2355)
    annee = timezone.localdate().year
    population_factory(commune, annee + 1, 3000)
    estimation = estimer_annee_suivante(commune, annee)
    # Priced at 3 000 hab. (article 7's grid), not at this year's 2 355 (5 532,50 €).
    assert estimation.total == Decimal("7000.00")
    assert "population en vigueur au 1er janvier" in estimation.message


def test_next_year_estimate_falls_back_to_this_year_s_population(
    membre, population_factory, bareme_article_7
):
    commune = membre(population=2355)
    annee = timezone.localdate().year
    estimation = estimer_annee_suivante(commune, annee)
    assert estimation.total == Decimal("5532.50")
    assert f"population {annee} constante" in estimation.message


def test_the_login_page_speaks_to_everyone_and_logout_says_so(client, secretaire_a):
    page = client.get(reverse("login")).content.decode()
    assert "<h1>Connexion</h1>" in page
    assert "agents de la DSI et le responsable financier" in page
    client.force_login(secretaire_a)
    reponse = client.post(reverse("logout"), follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("login")
    assert "Vous êtes déconnecté" in reponse.content.decode()
