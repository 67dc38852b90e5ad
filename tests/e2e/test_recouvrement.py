"""B11 in a real browser: the finance officer records a payment by hand on a titre and finds it
in the restes à recouvrer; the commune's secretary then sees the titre partly paid and what
remains. The finance pages pass axe-core (WCAG 2 A/AA)."""

import re
from decimal import Decimal

import pytest

from tests.e2e import test_portail
from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_portail import MOT_DE_PASSE

monde = test_portail.monde  # the portal tests' world (a fixture)
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]


def connecter(onglet, identifiant):
    onglet.goto("/connexion/")
    onglet.get_by_label("Identifiant ou adresse électronique").fill(identifiant)
    onglet.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    onglet.get_by_role("button", name="Se connecter").click()
    onglet.wait_for_load_state()


def test_B11_finance_records_a_payment_the_secretary_sees_what_remains(
    navigateur,
    live_server,
    monde,
    responsable_financier,
):
    responsable_financier.set_password(MOT_DE_PASSE)
    responsable_financier.save()
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR")
    onglet = contexte.new_page()
    connecter(onglet, "finances")
    onglet.goto(f"/tarification/titres/{monde.titre.pk}/")
    onglet.get_by_role("link", name="Enregistrer un paiement").click()
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_label("Date du paiement").fill(monde.titre.date_emission.isoformat())
    onglet.get_by_label("Montant (€)").fill("1 000,00")
    onglet.get_by_role("button", name="Enregistrer le paiement").click()
    onglet.wait_for_url(re.compile(rf"/tarification/titres/{monde.titre.pk}/$"))
    reste = monde.titre.total - Decimal("1000.00")
    texte = onglet.inner_text("main")
    assert "partiellement payé" in texte
    assert f"{reste:,.2f}".replace(",", "\u202f").replace(".", ",") in texte.replace(
        "\u00a0", "\u202f"
    ).replace(" ", "\u202f")
    onglet.get_by_role("link", name="Restes à recouvrer").click()
    assert verifier_accessibilite(onglet) == []
    assert "partiellement payé" in onglet.inner_text("main")
    contexte.close()

    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR")
    onglet = contexte.new_page()
    connecter(onglet, "a@demo.invalid")
    onglet.goto(f"/portail/{monde.commune.code_insee}/titres/")
    assert "Partiellement payé" in onglet.inner_text("main")
    assert verifier_accessibilite(onglet) == []
    contexte.close()
