"""Accounts: login by username or e-mail, logout, password reset by e-mail, throttled logins
(django-axes), secure session cookie. The second factor and the throttling policy are tested
in tests/securite/."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse


@pytest.fixture
def secretaire(secretaire_a):
    secretaire_a.set_password("mot-de-passe-solide-2026")
    secretaire_a.save()
    return secretaire_a


def test_login_by_username_or_email_then_logout(client, secretaire):
    for identifiant in ["secretaire-a", "A@demo.invalid"]:
        reponse = client.post(
            reverse("login"), {"username": identifiant, "password": "mot-de-passe-solide-2026"}
        )
        assert reponse.status_code == 302, identifiant
        assert client.session["_auth_user_id"] == str(secretaire.pk)
        reponse = client.post(reverse("logout"))
        assert reponse.status_code == 302
        assert "_auth_user_id" not in client.session


def test_login_page_is_french_and_offers_password_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Identifiant ou adresse électronique" in page
    assert reverse("portail:mot_de_passe_oubli") in page


def test_wrong_password_is_refused_in_french(client, secretaire):
    reponse = client.post(reverse("login"), {"username": "secretaire-a", "password": "faux"})
    assert reponse.status_code == 200
    assert "un mot de passe valides" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_end_to_end(client, secretaire):
    reponse = client.post(reverse("portail:mot_de_passe_oubli"), {"email": "a@demo.invalid"})
    assert reponse["Location"] == reverse("portail:mot_de_passe_envoye")
    (message,) = mail.outbox
    assert message.to == ["a@demo.invalid"]
    assert "nouveau mot de passe" in message.subject
    lien = re.search(r"https?://[^/\s]+(/portail/mot-de-passe/[^\s]+/)", message.body).group(1)
    formulaire = client.get(lien, follow=True)
    assert "Choisir un nouveau mot de passe" in formulaire.content.decode()
    reponse = client.post(
        formulaire.redirect_chain[-1][0],
        {
            "new_password1": "Nouveau-mot-de-passe-2027",
            "new_password2": "Nouveau-mot-de-passe-2027",
        },
    )
    assert reponse["Location"] == reverse("portail:mot_de_passe_change")
    secretaire.refresh_from_db()
    assert secretaire.check_password("Nouveau-mot-de-passe-2027")
    # The link served once only.
    assert "Ce lien n'est plus valable" in client.get(lien, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_says_nothing_and_sends_nothing(client, db):
    reponse = client.post(reverse("portail:mot_de_passe_oubli"), {"email": "inconnu@demo.invalid"})
    assert reponse["Location"] == reverse("portail:mot_de_passe_envoye")
    assert mail.outbox == []


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_logins_are_throttled_after_repeated_failures(client, secretaire):
    from axes.utils import reset

    reset()
    for _ in range(3):
        client.post(reverse("login"), {"username": "secretaire-a", "password": "faux"})
    reponse = client.post(
        reverse("login"), {"username": "secretaire-a", "password": "mot-de-passe-solide-2026"}
    )
    assert reponse.status_code == 429
    assert "_auth_user_id" not in client.session
    reset()


def test_session_cookie_is_httponly_and_samesite_and_secure_when_debug_is_off(
    client, secretaire, settings
):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE is True
    reponse = client.post(
        reverse("login"), {"username": "secretaire-a", "password": "mot-de-passe-solide-2026"}
    )
    cookie = reponse.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
