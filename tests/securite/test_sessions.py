"""Sessions and requests, with production settings. Findings reproduced: an unvalidated
redirect in "Relancer"'s ``suivant``; 14-day staff sessions without idle timeout; pages and
files that a browser or proxy could keep."""

import html
import time

import pytest
from django.test import Client
from django.urls import reverse

from securite.middleware import CLE_ACTIVITE
from tests.securite.conftest import connecte_verifie

pytestmark = pytest.mark.usefixtures("production")


@pytest.mark.parametrize(
    "suivant",
    ["https://attaquant.example/", "//attaquant.example/chemin", "http:\\\\attaquant.example"],
)
def test_relancer_redirects_only_to_a_local_path(client, finances, monde_a, suivant):
    connecte_verifie(client, finances)
    url = reverse("tarification:bordereau_relancer", args=[monde_a.titre.bordereau_id])
    reponse = client.post(url, {"suivant": suivant})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("tarification:campagnes")
    local = reverse("tarification:titres") + "?page=2"
    assert client.post(url, {"suivant": local})["Location"] == local


def test_the_login_and_second_factor_never_send_elsewhere(client, finances):
    from securite.views import destination_sure

    class Requete:
        def get_host(self):
            return "servicecommun.example.fr"

        def is_secure(self):
            return True

    for url in ["https://attaquant.example/", "//attaquant.example", "javascript:alert(1)"]:
        assert destination_sure(Requete(), url, "/defaut/") == "/defaut/"
    assert destination_sure(Requete(), "/portail/", "/defaut/") == "/portail/"
    connecte_verifie(client, finances)
    reponse = client.get(reverse("securite:verification"), {"next": "https://attaquant.example/"})
    assert reponse["Location"] == reverse("accueil")


def test_an_idle_staff_session_ends(client, settings, dsi):
    settings.STAFF_IDLE_MINUTES = 30
    connecte_verifie(client, dsi)
    url = reverse("groupements:liste")
    assert client.get(url).status_code == 200
    session = client.session
    session[CLE_ACTIVITE] = int(time.time()) - 31 * 60
    session.save()
    reponse = client.get(url)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = html.unescape(client.get(reponse["Location"]).content.decode())
    assert "Session fermée après 30 minutes d'inactivité" in page


def test_an_active_staff_session_goes_on_and_a_members_session_has_no_idle_limit(
    client, settings, dsi, secretaire_a, monde_a
):
    settings.STAFF_IDLE_MINUTES = 30
    connecte_verifie(client, dsi)
    session = client.session
    session[CLE_ACTIVITE] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("groupements:liste")).status_code == 200
    assert client.session[CLE_ACTIVITE] >= int(time.time()) - 5  # activity recorded

    membre = Client()
    membre.force_login(secretaire_a)
    session = membre.session
    session[CLE_ACTIVITE] = int(time.time()) - 24 * 3600
    session.save()
    accueil = reverse("portail:accueil", kwargs={"code_insee": monde_a.commune.code_insee})
    assert membre.get(accueil).status_code == 200


def test_authenticated_pages_and_files_are_never_stored(client, finances, secretaire_a, monde_a):
    connecte_verifie(client, finances)
    for url in [
        reverse("tarification:titres"),
        reverse("tarification:titre_pdf", args=[monde_a.titre.pk]),
        reverse("tarification:bordereau_zip", args=[monde_a.titre.bordereau_id]),
        reverse("document", args=[monde_a.document.pk]),
    ]:
        reponse = client.get(url)
        assert reponse.status_code == 200, url
        assert "no-store" in reponse["Cache-Control"], url
        assert "private" in reponse["Cache-Control"], url
    membre = Client()
    membre.force_login(secretaire_a)
    code = monde_a.commune.code_insee
    for url in [
        reverse("portail:titres", kwargs={"code_insee": code}),
        reverse("portail:document", kwargs={"code_insee": code, "pk": monde_a.document.pk}),
    ]:
        assert "no-store" in membre.get(url)["Cache-Control"], url


def test_public_pages_may_be_cached(client, db):
    assert "no-store" not in client.get(reverse("tarification:simulateur")).get("Cache-Control", "")


def test_an_error_page_is_french(client, dsi):
    connecte_verifie(client, dsi)
    reponse = client.get(reverse("tarification:campagnes"))
    assert reponse.status_code == 403
    assert "Accès refusé" in reponse.content.decode()
    assert "Page réservée au responsable financier." in reponse.content.decode()
    introuvable = client.get("/nulle-part/")
    assert introuvable.status_code == 404
    assert "Page introuvable" in introuvable.content.decode()
