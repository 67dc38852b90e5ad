"""« Voir comme la commune »: DSI staff and the finance officer read a commune's portal as the
commune sees it; every use is recorded (who, when, which commune); nothing can be written
through it; a member's user cannot use it."""

import pytest
from django.test import Client
from django.urls import reverse

from portail.models import ConsultationCommeLaCommune, FicheProjet
from securite.roles import FINANCES
from tests.conftest import avec_role
from tests.portail.test_acces import CAS, _objet, _url
from tests.securite.conftest import connecte_verifie


@pytest.fixture
def client_dsi(agent_dsi, settings):
    settings.STAFF_OTP_REQUIRED = True
    return connecte_verifie(Client(), agent_dsi)


def _voir(client, commune):
    return client.post(reverse("portail:voir_comme", args=[commune.code_insee]))


def test_staff_see_the_commune_s_portal_and_the_use_is_recorded(client_dsi, agent_dsi, monde_a):
    reponse = _voir(client_dsi, monde_a.commune)
    assert reponse["Location"] == reverse("portail:accueil", args=[monde_a.commune.code_insee])
    (consultation,) = ConsultationCommeLaCommune.objects.all()
    assert (consultation.par, consultation.commune) == (agent_dsi, monde_a.commune)
    assert consultation.le is not None
    page = client_dsi.get(reponse["Location"]).content.decode()
    assert "Lecture seule." in page
    assert "Notre adhésion au service commun" in page
    # Every reading page of the space opens.
    for nom, (methode, _) in CAS.items():
        if methode == "get" and nom != "choisir":
            url = _url(nom, monde_a.commune, _objet(monde_a, nom))
            reponse = client_dsi.get(url)
            assert reponse.status_code in (200, 302), nom
            if reponse.status_code == 302:  # a page closed at this step sends back within
                assert reponse["Location"].startswith(f"/portail/{monde_a.commune.code_insee}/")


def test_the_finance_officer_may_use_it_too(responsable_financier, monde_a, settings):
    settings.STAFF_OTP_REQUIRED = True
    client = connecte_verifie(Client(), avec_role(responsable_financier, FINANCES))
    _voir(client, monde_a.commune)
    assert (
        client.get(reverse("portail:titres", args=[monde_a.commune.code_insee])).status_code == 200
    )


def test_no_write_is_possible_in_read_only_mode(client_dsi, monde_a, monde_b):
    _voir(client_dsi, monde_a.commune)
    fiches = FicheProjet.objects.count()
    for nom in CAS:
        if nom == "choisir":
            continue
        url = _url(nom, monde_a.commune, _objet(monde_a, nom))
        reponse = client_dsi.post(url, {"intitule": "Essai", "email": "x@demo.invalid"})
        assert reponse.status_code == 403, (nom, reponse.status_code)
    assert FicheProjet.objects.count() == fiches
    monde_a.contact.refresh_from_db()
    assert monde_a.contact.email != "x@demo.invalid"


def test_the_read_only_view_covers_the_chosen_commune_only(client_dsi, monde_a, monde_b):
    _voir(client_dsi, monde_a.commune)
    url_b = reverse("portail:accueil", args=[monde_b.commune.code_insee])
    assert client_dsi.get(url_b).status_code == 404
    client_dsi.post(reverse("portail:voir_comme_quitter"))
    url_a = reverse("portail:accueil", args=[monde_a.commune.code_insee])
    assert client_dsi.get(url_a).status_code == 404


def test_a_secretary_cannot_see_another_commune_even_with_the_session_key(client_a, monde_b):
    from portail.views import CLE_VOIR_COMME

    session = client_a.session
    session[CLE_VOIR_COMME] = monde_b.commune.code_insee
    session.save()
    assert (
        client_a.post(reverse("portail:voir_comme", args=[monde_b.commune.code_insee])).status_code
        == 403
    )
    assert (
        client_a.get(reverse("portail:accueil", args=[monde_b.commune.code_insee])).status_code
        == 404
    )
    assert not ConsultationCommeLaCommune.objects.exists()
