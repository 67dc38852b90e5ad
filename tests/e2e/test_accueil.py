"""Each role at home in a real browser: the DSI invites a secretary for her commune from the
access pages, logs out (and is told so), the new secretary chooses her password through the
invitation's link and lands on her commune's « à faire »; each role's home and the access
pages pass axe-core (no serious or critical WCAG 2 A/AA violation) at 1280 and 390 px wide,
with nothing wider than a phone's screen."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from securite.roles import DSI, DSI_ADMINISTRATEUR, FINANCES
from tests.conftest import avec_role, construire
from tests.e2e.conftest import capturer, verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]

MOT_DE_PASSE = "x-motdepasse-2026"
LARGEURS = [1280, 390]


@pytest.fixture
def monde(commune_a, secretaire_a, agent_dsi, responsable_financier):
    monde = construire(
        commune_a,
        formule="socle_complet",
        population=2355,
        numero_titre=1,
        agent=agent_dsi,
        utilisateur=secretaire_a,
    )
    avec_role(agent_dsi, DSI, DSI_ADMINISTRATEUR)
    avec_role(responsable_financier, FINANCES)
    for user in (agent_dsi, responsable_financier, secretaire_a):
        user.set_password(MOT_DE_PASSE)
        user.save()
    return monde


def connecter(onglet, identifiant, mot_de_passe=MOT_DE_PASSE):
    onglet.goto("/connexion/")
    onglet.get_by_label("Identifiant ou adresse électronique").fill(identifiant)
    onglet.get_by_label("Mot de passe").fill(mot_de_passe)
    onglet.get_by_role("button", name="Se connecter").click()
    onglet.wait_for_load_state()


def _verifier(onglet, nom, largeur):
    capturer(onglet, f"accueil-{nom}-{largeur}")
    assert verifier_accessibilite(onglet) == [], (nom, largeur)
    deborde = onglet.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not deborde, (nom, largeur)


def _onglet(navigateur, live_server, largeur):
    contexte = navigateur.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": largeur, "height": 900 if largeur > 500 else 844},
    )
    contexte.set_default_timeout(20_000)
    return contexte


@pytest.mark.parametrize("largeur", LARGEURS)
def test_the_dsi_invites_a_secretary_who_logs_in_through_the_invitation(
    navigateur, live_server, monde, largeur
):
    contexte = _onglet(navigateur, live_server, largeur)
    onglet = contexte.new_page()
    try:
        connecter(onglet, "agent-dsi")
        assert onglet.get_by_role("heading", name="À traiter par la DSI").is_visible()
        _verifier(onglet, "dsi", largeur)

        onglet.get_by_role("link", name="Accès au portail", exact=True).click()
        assert onglet.get_by_role("heading", level=1).inner_text() == (
            "Accès au portail des membres"
        )
        _verifier(onglet, "acces", largeur)
        onglet.get_by_label("Commune").select_option(label=f"Allaire ({monde.commune.code_insee})")
        onglet.get_by_role("button", name="Gérer les accès de cette commune").click()
        onglet.get_by_label("Adresse électronique").fill("nadia.nouvelle@mairie-allaire.fr")
        onglet.get_by_label("Prénom").fill("Nadia")
        onglet.get_by_label("Nom", exact=True).fill("Nouvelle")
        onglet.get_by_role("button", name="Envoyer l'invitation").click()
        assert "l'invitation lui a été envoyée" in onglet.locator(".messages").inner_text()
        assert "nadia.nouvelle@mairie-allaire.fr" in onglet.locator("table").inner_text()
        _verifier(onglet, "acces-commune", largeur)

        (message,) = [m for m in mail.outbox if m.to == ["nadia.nouvelle@mairie-allaire.fr"]]
        lien = re.search(r"https?://[^/\s]+(/portail/mot-de-passe/\S+/)", message.body).group(1)
        onglet.get_by_role("button", name=re.compile("Se déconnecter")).click()
        onglet.wait_for_url(re.compile(r"/connexion/"))
        assert "Vous êtes déconnecté" in onglet.locator(".messages").inner_text()

        onglet.goto(lien)
        assert onglet.get_by_role("heading", name="Choisir un nouveau mot de passe").is_visible()
        onglet.locator("#id_new_password1").fill("Budget-primitif-2027")
        onglet.locator("#id_new_password2").fill("Budget-primitif-2027")
        onglet.get_by_role("button", name="Enregistrer le mot de passe").click()
        onglet.wait_for_url(re.compile(r"/mot-de-passe/change/"))
        connecter(onglet, "nadia.nouvelle@mairie-allaire.fr", "Budget-primitif-2027")
        onglet.wait_for_url(re.compile(rf"/portail/{monde.commune.code_insee}/$"))
        assert onglet.get_by_role("heading", name="À faire et à prévoir").is_visible()
        assert f"Budget {timezone.localdate().year + 1}" in onglet.locator("main").inner_text()
        _verifier(onglet, "secretaire", largeur)
    finally:
        contexte.close()


@pytest.mark.parametrize("largeur", LARGEURS)
def test_the_finance_home_and_the_read_only_portal_pass_axe(
    navigateur, live_server, monde, largeur
):
    contexte = _onglet(navigateur, live_server, largeur)
    onglet = contexte.new_page()
    try:
        connecter(onglet, "finances")
        assert onglet.get_by_role("heading", name="Titres de recettes").is_visible()
        _verifier(onglet, "finances", largeur)
        connecter(onglet, "agent-dsi")
        onglet.goto(f"/membres/acces/{monde.commune.code_insee}/")
        onglet.get_by_role("button", name=re.compile("Voir l'espace de Allaire")).click()
        assert "Lecture seule." in onglet.locator("main").inner_text()
        _verifier(onglet, "voir-comme", largeur)
    finally:
        contexte.close()
