"""The exit in a real browser (A4): the DSI agent asks what a member in préavis owes, computes
its état de sortie from the register, adds a penalty and validates it; the finance officer
issues it as the frais de sortie titre. The DSI's pages pass axe-core (WCAG 2 A/AA)."""

import re
from datetime import date
from decimal import Decimal

import pytest

from patrimoine.models import Audit, EtatDeSortie
from tarification.models import TitreDeRecettes
from tests.e2e.conftest import capturer, verifier_accessibilite
from tests.patrimoine.test_sortie import registre

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]

MOT_DE_PASSE = "x-motdepasse"


@pytest.fixture
def sortant(membre, emetteur, agent_dsi, responsable_financier):
    commune = membre(
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
        nom="Théhillac",
    )
    registre(commune)
    Audit.objects.create(
        commune=commune,
        origine=Audit.Origine.PREALABLE,
        demande_le=date(2022, 6, 1),
        demande_reference="courrier du maire",
        commence_le=date(2022, 9, 12),
        livre_le=date(2022, 11, 10),
    )
    for user in (agent_dsi, responsable_financier):
        user.set_password(MOT_DE_PASSE)
        user.save()
    return commune


def connecter(onglet, identifiant):
    onglet.goto("/connexion/")
    onglet.get_by_label("Identifiant ou adresse électronique").fill(identifiant)
    onglet.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    onglet.get_by_role("button", name="Se connecter").click()
    onglet.wait_for_load_state()


def test_A4_the_dsi_computes_and_validates_the_etat_finance_issues_it(onglet, sortant):
    connecter(onglet, "agent-dsi")
    onglet.goto("/patrimoine/")
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_role("link", name="Théhillac").first.click()
    # The answer before anything is stored: the register at the last day.
    assert onglet.get_by_text("dernier jour le 09/03/2027").is_visible()
    assert "4\u00a0217,48\u00a0€" in onglet.inner_text("body")
    capturer(onglet, "patrimoine-membre")
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_role("button", name=re.compile("Calculer l'état de sortie")).click()
    onglet.wait_for_url(re.compile(r"/patrimoine/sorties/\d+/"))
    onglet.get_by_label("Libellé").fill("Frais de cession du contrat de téléphonie")
    onglet.get_by_label("Montant HT (€)").fill("350,00")
    onglet.get_by_label(re.compile("^Base")).fill("art. 9 du contrat de l'opérateur")
    onglet.get_by_role("button", name="Ajouter la ligne").click()
    assert "4\u00a0567,48\u00a0€" in onglet.inner_text("body")
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_label(re.compile("je valide cet état de sortie")).check()
    onglet.get_by_role("button", name=re.compile("Valider l'état de sortie")).click()
    onglet.wait_for_load_state()
    assert onglet.get_by_text("validé par la DSI").first.is_visible()
    capturer(onglet, "patrimoine-sortie-validee")
    url = onglet.url

    onglet.context.clear_cookies()
    connecter(onglet, "finances")
    onglet.goto(url)
    onglet.get_by_role("button", name=re.compile("Vérifier et émettre le titre de frais")).click()
    onglet.wait_for_load_state()
    assert onglet.get_by_role("heading", name="Vérifier avant d'émettre").is_visible()
    capturer(onglet, "patrimoine-sortie-recapitulatif")
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_role("button", name="Émettre le titre de frais de sortie").click()
    onglet.wait_for_load_state()
    etat = EtatDeSortie.objects.get()
    titre = TitreDeRecettes.objects.get(nature="frais_sortie")
    assert etat.titre == titre and titre.total == etat.total == Decimal("4567.48")
    assert onglet.get_by_role(
        "link", name=f"titre de frais de sortie n° {titre.numero}"
    ).is_visible()
    assert verifier_accessibilite(onglet) == []


def test_the_audit_page_passes_axe(onglet, sortant):
    connecter(onglet, "agent-dsi")
    onglet.goto(f"/patrimoine/audits/{Audit.objects.get().pk}/")
    capturer(onglet, "patrimoine-audit")
    assert verifier_accessibilite(onglet) == []
