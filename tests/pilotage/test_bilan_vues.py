"""The steering dashboard, the bilan PDF and XLSX (R1, R2): who may see them, the figures they
show tied back to the bilan (itself tied to the calculator and the titres, test_bilan.py),
the "what if" panel, and a query count that does not grow with the number of members."""

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from membres.models import Commune, Population
from outils.formats import formater_euros
from pilotage import bilan as module_bilan
from tests.pilotage.test_bilan_jeu import ANNEE, construire

D = Decimal
CENT = D("0.01")


def _texte(contenu: str) -> str:
    return re.sub(r"\s+", " ", contenu.replace("\u00a0", " "))


def _euros(montant) -> str:
    return formater_euros(montant).replace("\u00a0", " ")


@pytest.fixture
def jeu(emetteur, agent_dsi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return construire(1, par=agent_dsi)


def _url(nom="bilan", annee=ANNEE):
    return reverse(f"pilotage:{nom}", args=[annee])


# =============================================================================================
# Access
# =============================================================================================


@pytest.mark.django_db
@pytest.mark.parametrize("nom", ["bilan", "bilan_pdf", "bilan_xlsx"])
def test_anonymous_sent_to_the_login_page(client, nom):
    reponse = client.get(_url(nom))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.django_db
@pytest.mark.parametrize("nom", ["bilan", "bilan_pdf", "bilan_xlsx", None])
def test_commune_secretary_refused(client, secretaire_a, nom):
    client.force_login(secretaire_a)
    url = reverse("pilotage:bilan_choix") if nom is None else _url(nom)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_agent_without_a_right_on_titres_refused(client, django_user_model):
    agent = django_user_model.objects.create_user("agent-sans-droit", is_staff=True)
    agent.user_permissions.set(Permission.objects.filter(content_type__app_label="membres"))
    client.force_login(agent)
    assert client.get(_url()).status_code == 403


@pytest.mark.django_db
def test_non_staff_refused_even_with_the_permission(client, django_user_model):
    utilisateur = django_user_model.objects.create_user("pas-staff")
    utilisateur.user_permissions.add(Permission.objects.get(codename="view_titrederecettes"))
    client.force_login(utilisateur)
    assert client.get(_url()).status_code == 403


@pytest.mark.django_db
def test_finance_officer_and_dsi_agent_see_the_bilan(client, agent_dsi, responsable_financier):
    for utilisateur in (agent_dsi, responsable_financier):
        client.force_login(utilisateur)
        assert client.get(_url()).status_code == 200


@pytest.mark.django_db
def test_year_outside_the_period_not_found(client, agent_dsi):
    client.force_login(agent_dsi)
    assert client.get(_url(annee=1999)).status_code == 404


@pytest.mark.django_db
def test_choosing_the_year_redirects(client, agent_dsi, adhesion_factory, commune_a):
    adhesion_factory(commune_a)
    client.force_login(agent_dsi)
    reponse = client.get(reverse("pilotage:bilan_choix"), {"annee": 2024})
    assert reponse["Location"] == _url(annee=2024)
    reponse = client.get(reverse("pilotage:bilan_choix"))
    assert reponse.status_code == 302 and "/bilan/20" in reponse["Location"]
    # A year not offered falls back to the default year rather than failing.
    reponse = client.get(reverse("pilotage:bilan_choix"), {"annee": "abc"})
    assert reponse.status_code == 302


# =============================================================================================
# The page: figures, charts with their table
# =============================================================================================


@pytest.mark.django_db
def test_R1_dashboard_shows_the_bilan_figures(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    page = _texte(client.get(_url()).content.decode())
    bilan = module_bilan.bilan_annuel(ANNEE)
    assert f'id="total-estime">{_euros(bilan.total_estime)}<' in page
    assert f'id="total-emis">{_euros(bilan.total_emis)}<' in page
    assert f'id="titres-net">{_euros(bilan.total_titres.net)}<' in page
    assert 'id="cible-etp">1 ETP<' in page
    assert "la campagne 2024 est émise" in page
    assert "exercice 2025, bordereau n° 1" in page
    for membre in bilan.membres:
        assert membre.commune.nom in page
    assert "revue des moyens manquante" in page  # E is blocked, and the page says why
    # Every chart is an accessible SVG followed by its data as a table.
    for ident in ("graphique-cible", "graphique-formules", "graphique-prestations"):
        assert f'aria-labelledby="{ident}-t {ident}-d"' in page
    assert "Données du graphique" in page
    assert 'id="total-besoins">5 500,00 €<' in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


@pytest.mark.django_db
def test_R1_before_the_campagne_estimated_amounts(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    page = _texte(client.get(_url(annee=2025)).content.decode())
    assert "Montants estimés par le calculateur" in page
    assert "Campagne 2025 : pas encore émise" in page
    bilan = module_bilan.bilan_annuel(2025)
    assert f'id="total-estime">{_euros(bilan.total_estime)}<' in page
    assert 'id="total-emis">—<' in page


# =============================================================================================
# The "what if" panel
# =============================================================================================


@pytest.mark.django_db
def test_R2_simulation_from_the_page(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    b = jeu["blocs"][0]["B"]
    page = _texte(client.get(_url(), {"rejoignent": [b.pk]}).content.decode())
    simulation = module_bilan.bilan_annuel(ANNEE).simuler(rejoignent=[b.pk])
    assert f'id="simulation-total-apres">{_euros(simulation.total_apres)}<' in page
    assert "rejoint le socle complet" in page
    assert 'aria-labelledby="graphique-simulation-t' in page


@pytest.mark.django_db
def test_R2_simulation_inconsistent_input_clear_message(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    a = jeu["blocs"][0]["A"]
    reponse = client.get(_url(), {"rejoignent": [a.pk]})  # A already has the socle complet
    assert reponse.status_code == 200
    page = _texte(reponse.content.decode())
    assert "n'est pas un choix valide" in page or "Sélectionnez un choix valide" in page
    assert 'id="resultat-simulation"' not in page
    reponse = client.get(_url(), {"rejoignent": ["x"]})
    assert reponse.status_code == 200 and 'id="resultat-simulation"' not in reponse.content.decode()


# =============================================================================================
# Query count: constant whatever the number of members
# =============================================================================================

# A ceiling against a gross regression; the test proper is that the count does not grow.
REQUETES_MAX = 55  # the pool's entries and use (T6), the bordereaux of each run


@pytest.mark.django_db
def test_R1_dashboard_queries_do_not_grow_with_the_members(
    client, agent_dsi, emetteur, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The page and the "what if" panel, measured on 5 members, then on 25 members of the same
    kinds (titres, corrections, audits, niveau 1, groupement): the same number of queries."""
    candidate = Commune.objects.create(code_insee="35999", nom="Candidate", departement="35")
    Population.objects.create(commune=candidate, annee=ANNEE, valeur=900, millesime=2021)

    def simulation(jeu):
        # A member and a commune outside the service join, a member leaves.
        return {
            "rejoignent": [jeu["blocs"][-1]["B"].pk, candidate.pk],
            "quittent": [jeu["blocs"][-1]["E"].pk],
        }

    with django_capture_on_commit_callbacks(execute=False):
        jeu = construire(1, par=agent_dsi)
    client.force_login(agent_dsi)
    with CaptureQueriesContext(connection) as page_petite:
        assert client.get(_url()).status_code == 200
    with CaptureQueriesContext(connection) as simulation_petite:
        reponse = client.get(_url(), simulation(jeu))
    assert 'id="resultat-simulation"' in reponse.content.decode()
    assert len(page_petite) <= REQUETES_MAX and len(simulation_petite) <= REQUETES_MAX

    with django_capture_on_commit_callbacks(execute=False):
        jeu = construire(4, par=agent_dsi, premier=1)
    assert module_bilan.bilan_annuel(ANNEE).nb_membres == 25
    with django_assert_num_queries(len(page_petite)):
        assert client.get(_url()).status_code == 200
    with django_assert_num_queries(len(simulation_petite)):
        reponse = client.get(_url(), simulation(jeu))
    assert 'id="resultat-simulation"' in reponse.content.decode()


# =============================================================================================
# PDF and XLSX
# =============================================================================================


@pytest.mark.django_db
def test_R1_bilan_pdf_read_back(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    reponse = client.get(_url("bilan_pdf"))
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    assert 'filename="bilan-annuel-2024.pdf"' in reponse["Content-Disposition"]
    lecteur = PdfReader(io.BytesIO(reponse.content))
    texte = _texte(" ".join(page.extract_text() for page in lecteur.pages))
    bilan = module_bilan.bilan_annuel(ANNEE)
    assert "Bilan annuel 2024" in lecteur.metadata.title
    for attendu in (
        "BILAN ANNUEL 2024",
        f"Contributions estimées (calculateur) {_euros(bilan.total_estime)}",
        f"Contributions émises (titres nets des réductions et annulations) {_euros(bilan.total_emis)}",
        "Cible de personnel (art. 7) 1 ETP — 40 000,00 €",
        "Redon Agglomération — bilan annuel 2024",
        "page 1 /",
    ):
        assert attendu in texte, attendu
    for membre in bilan.membres:
        assert membre.commune.nom in texte
    # The titres' visual family: their own fonts, shipped in static/fonts.
    polices = {
        str(police.get_object()["/BaseFont"])
        for page in lecteur.pages
        for police in page["/Resources"]["/Font"].values()
    }
    assert any("Titre-Sans" in p for p in polices)


def _valeurs(feuille) -> dict:
    return {ligne[0]: ligne[1] for ligne in feuille.iter_rows(values_only=True) if ligne[0]}


def _montant(valeur) -> Decimal:
    return D(str(valeur)).quantize(CENT)


@pytest.mark.django_db
def test_R1_bilan_xlsx_read_back(client, agent_dsi, jeu):
    client.force_login(agent_dsi)
    reponse = client.get(_url("bilan_xlsx"))
    assert reponse.status_code == 200
    classeur = load_workbook(io.BytesIO(reponse.content))
    assert classeur.sheetnames == [
        "Synthèse",
        "Cible ETP",
        "Formules",
        "Prestations",
        "Membres",
        "Niveau 1",
        "Groupements",
        "Titres",
    ]
    bilan = module_bilan.bilan_annuel(ANNEE)
    synthese = _valeurs(classeur["Synthèse"])
    assert _montant(synthese["Contributions estimées (calculateur)"]) == bilan.total_estime
    cle = "Contributions émises (titres nets des réductions et annulations)"
    assert _montant(synthese[cle]) == bilan.total_emis
    assert synthese["Cible de personnel (ETP)"] == 1
    assert synthese["Communes au socle complet"] == 4
    membres = list(classeur["Membres"].iter_rows(values_only=True))
    assert len(membres) == 1 + len(bilan.membres) + 1
    assert sum(_montant(ligne[6]) for ligne in membres[1:-1] if ligne[6] is not None) == (
        bilan.total_emis
    )
    assert _montant(membres[-1][5]) == bilan.total_estime
    titres = list(classeur["Titres"].iter_rows(values_only=True))
    assert _montant(titres[-1][9]) == bilan.total_titres.net
    assert len(titres) == 2 + len(bilan.titres)
    assert classeur["Membres"]["F2"].number_format == '#,##0.00 "€"'


@pytest.mark.django_db
def test_bilan_xlsx_neutralises_the_formulas(
    client, agent_dsi, emetteur, commune_factory, adhesion_factory
):
    commune = commune_factory(nom='=HYPERLINK("http://exemple.invalid")')
    adhesion_factory(commune, formule="groupement")
    client.force_login(agent_dsi)
    classeur = load_workbook(io.BytesIO(client.get(_url("bilan_xlsx")).content))
    cellule = classeur["Membres"]["A2"]
    assert cellule.data_type == "s" and cellule.value.startswith("'=")


@pytest.mark.django_db
def test_without_bareme_in_force_the_page_says_so_without_error(
    client, agent_dsi, commune_a, adhesion_factory, population_factory
):
    from tarification.models import VersionBareme

    adhesion_factory(commune_a)
    population_factory(commune_a, ANNEE, 2355)
    VersionBareme.objects.all().delete()
    client.force_login(agent_dsi)
    for nom in ("bilan", "bilan_pdf", "bilan_xlsx"):
        assert client.get(_url(nom)).status_code == 200
    page = _texte(client.get(_url()).content.decode())
    assert "Aucune version du barème n'est en vigueur au 1er janvier 2024" in page
    assert 'id="total-estime">0,00 €<' in page
    assert "bloqué" in page
