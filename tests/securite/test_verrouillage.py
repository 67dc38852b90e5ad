"""Login throttling (README, "Connexion et sécurité des comptes"), with production settings.

Findings reproduced: a lock bypassed by another spelling of the account (the e-mail address in
any letter case); failures counted per spelling; behind the proxy, every client sharing one
address and each failure restarting the hour; a 300-character username answered by a 500;
password reset not throttled."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from securite.limitation import NOM_INCONNU
from tests.securite.conftest import MOT_DE_PASSE

pytestmark = pytest.mark.usefixtures("production")

ORTHOGRAPHES = [
    "finances",
    "FINANCES",
    "Finances",
    "finances@demo.invalid",
    "FINANCES@DEMO.INVALID",
    "Finances@Demo.Invalid",
]


def _connexion(client, identifiant, mot_de_passe=MOT_DE_PASSE, **entetes):
    return client.post(
        reverse("login"), {"username": identifiant, "password": mot_de_passe}, **entetes
    )


def _connecte(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_failures_no_spelling_of_the_account_logs_in(client, finances):
    reponses = [_connexion(client, "finances", "faux").status_code for _ in range(5)]
    assert reponses == [200] * 4 + [429]  # the fifth failure locks
    for identifiant in ORTHOGRAPHES:
        reponse = _connexion(client, identifiant)
        assert reponse.status_code == 429, identifiant
        assert not _connecte(client), identifiant
        assert "Connexion suspendue" in reponse.content.decode()
    # From another address too: the lock is the account's.
    autre = Client(REMOTE_ADDR="198.51.100.7")
    assert _connexion(autre, "FINANCES@demo.invalid").status_code == 429


def test_guesses_spread_over_spellings_count_against_one_account(client, finances):
    """24 guesses over 6 spellings of one address were never blocked: now the sixth is."""
    reponses = [
        _connexion(client, ORTHOGRAPHES[i % 6], f"essai-{i}").status_code for i in range(24)
    ]
    assert reponses[:4] == [200] * 4
    assert set(reponses[4:]) == {429}
    assert (
        AccessAttempt.objects.filter(username="finances").values_list(
            "failures_since_start", flat=True
        )
    ).get() == 5  # refused attempts during the lock are not counted


def test_every_spelling_of_the_account_logs_in_when_not_locked(client, finances):
    for identifiant in ORTHOGRAPHES:
        assert _connexion(client, identifiant).status_code == 302, identifiant
        assert client.session["_auth_user_id"] == str(finances.pk)
        client.post(reverse("logout"))


def test_attempts_during_a_lock_do_not_extend_it(client, finances):
    for _ in range(5):
        _connexion(client, "finances", "faux")
    tentative = AccessAttempt.objects.get(username="finances")
    debut = tentative.attempt_time
    for _ in range(10):
        assert _connexion(client, "finances", "faux").status_code == 429
    tentative.refresh_from_db()
    assert tentative.attempt_time == debut and tentative.failures_since_start == 5
    # An hour after the fifth failure the account logs in again.
    AccessAttempt.objects.update(attempt_time=debut - timedelta(hours=1, seconds=1))
    assert _connexion(client, "finances").status_code == 302


def test_a_password_reset_by_email_lifts_the_lock(client, finances):
    """Whoever locks an account out (five bad passwords, from anywhere) does not keep its
    owner out: the e-mailed link gives a new password and lifts the lock."""
    attaquant = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        _connexion(attaquant, "finances@demo.invalid", "faux")
    assert _connexion(client, "finances").status_code == 429

    client.post(reverse("portail:mot_de_passe_oubli"), {"email": "FINANCES@demo.invalid"})
    (message,) = mail.outbox
    lien = re.search(r"https?://[^/\s]+(/portail/mot-de-passe/[^\s]+/)", message.body).group(1)
    formulaire = client.get(lien, follow=True)
    client.post(
        formulaire.redirect_chain[-1][0],
        {"new_password1": "Nouveau-secret-2027", "new_password2": "Nouveau-secret-2027"},
    )
    assert not AccessAttempt.objects.filter(username="finances").exists()
    assert _connexion(client, "finances", "Nouveau-secret-2027").status_code == 302
    assert _connecte(client)


def test_the_address_counted_is_the_one_the_trusted_proxy_reports(settings, finances, dsi):
    """Behind the proxy every client used to share its address, so that anonymous failures
    locked real users out. With TRUSTED_PROXY_COUNT the client's own address is counted, and
    what the client writes itself in X-Forwarded-For is ignored."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    attaquant = Client(**proxy)
    for i in range(20):
        # The client forges a left-most entry; the proxy appends the address it saw.
        _connexion(
            attaquant,
            f"inconnu-{i}",
            "faux",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # That address is now stopped, for every account …
    reponse = _connexion(attaquant, "dsi", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert reponse.status_code == 429
    # … while the users behind the same proxy log in, and no account is locked.
    collegue = Client(**proxy)
    assert _connexion(collegue, "finances", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    assert (
        _connexion(Client(**proxy), "dsi", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302
    )


def test_without_a_proxy_setting_the_header_is_ignored(client, finances):
    for i in range(5):
        _connexion(client, "inconnu", "faux", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_failures_against_unknown_names_lock_no_account_and_add_one_row_per_address(
    client, finances
):
    for i in range(15):
        reponse = _connexion(
            client, f"personne-{i}@exemple.invalid", "faux", HTTP_USER_AGENT=f"robot/{i}"
        )
        assert reponse.status_code == 200
    assert AccessAttempt.objects.count() == 1
    assert AccessAttempt.objects.get().username == NOM_INCONNU
    assert _connexion(client, "finances").status_code == 302  # 15 < the address's limit


def test_an_ipv6_client_counts_as_its_64_network(finances):
    for i in range(3):
        _connexion(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1}"), "inconnu", "faux")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["2001:db8:1:2::"]


def test_a_300_character_username_is_answered_400_in_french(client, db):
    reponse = _connexion(client, "x" * 300, "faux")
    assert reponse.status_code == 400
    assert "Identifiant trop long : 254 caractères au plus." in reponse.content.decode()
    assert not AccessAttempt.objects.exists()


def test_over_long_inputs_elsewhere_get_a_french_error_not_a_500(client, finances):
    reponse = client.post(reverse("portail:mot_de_passe_oubli"), {"email": "x" * 300 + "@a.fr"})
    assert reponse.status_code == 200
    assert "au plus 254 caractères" in reponse.content.decode()
    assert _connexion(client, "finances", "y" * 5000).status_code == 400


def test_password_reset_requests_are_throttled_per_address(client, settings, finances):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 5
    url = reverse("portail:mot_de_passe_oubli")
    for i in range(5):
        assert client.post(url, {"email": f"n{i}@demo.invalid"}).status_code == 302
    reponse = client.post(url, {"email": "finances@demo.invalid"})
    assert reponse.status_code == 429
    assert "Trop de demandes de réinitialisation" in reponse.content.decode()
    assert mail.outbox == []
    assert Client(REMOTE_ADDR="198.51.100.7").post(url, {"email": "finances@demo.invalid"})[
        "Location"
    ] == reverse("portail:mot_de_passe_envoye")
    assert len(mail.outbox) == 1


def test_password_reset_emails_are_throttled_per_account(settings, finances):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 3
    url = reverse("portail:mot_de_passe_oubli")
    for i in range(6):
        reponse = Client(REMOTE_ADDR=f"198.51.100.{i}").post(
            url, {"email": "finances@demo.invalid"}
        )
        # The page never tells whether an e-mail was sent.
        assert reponse["Location"] == reverse("portail:mot_de_passe_envoye")
    assert len(mail.outbox) == 3
