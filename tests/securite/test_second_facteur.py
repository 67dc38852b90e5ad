"""The second factor (django-otp: TOTP app and backup codes), with production settings.

Findings reproduced: with a password alone, staff issued and cancelled titres, downloaded the
ZIP of every titre and any member's documents (the second factor guarded only /admin/); staff
could not enrol their device as the README said; a lost device needed a superuser."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from securite.models import ReinitialisationSecondFacteur
from tarification.models import TitreDeRecettes
from tests.securite.conftest import MOT_DE_PASSE, appli, code_de, connecte_verifie

pytestmark = pytest.mark.usefixtures("production")


def _connexion(client, identifiant):
    reponse = client.post(reverse("login"), {"username": identifiant, "password": MOT_DE_PASSE})
    assert reponse.status_code == 302
    return reponse


def test_with_a_password_alone_staff_reach_no_staff_page_and_issue_nothing(
    client, finances, monde_a, emetteur
):
    _connexion(client, "finances")
    titre = monde_a.titre
    for url in [
        reverse("tarification:titres"),
        reverse("tarification:bordereau_zip", args=[titre.bordereau_id]),
        reverse("document", args=[monde_a.document.pk]),
        reverse("admin:index"),
    ]:
        reponse = client.get(url)
        assert reponse.status_code == 302, url
        assert reponse["Location"].startswith(reverse("securite:activation")), url
    reponse = client.post(
        reverse("tarification:titre_annuler", args=[titre.pk]),
        {"motif": "Sans second facteur", "confirme": "1"},
    )
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("securite:activation"))
    assert TitreDeRecettes.objects.count() == 1  # nothing issued


def test_staff_enrol_their_app_at_first_login_then_verify_at_each_login(client, finances):
    _connexion(client, "finances")
    url = reverse("tarification:titres")
    activation = client.get(url, follow=True)
    assert activation.redirect_chain[-1][0].startswith(reverse("securite:activation"))
    page = activation.content.decode()
    assert "<svg" in page and "Activer la vérification en deux étapes" in page
    appareil = TOTPDevice.objects.get(user=finances, confirmed=False)
    secret = re.search(r'<code class="cle">([A-Z2-7 ]+)</code>', page).group(1)
    assert secret.replace(" ", "").encode() == __import__("base64").b32encode(appareil.bin_key)

    faux = client.post(activation.redirect_chain[-1][0], {"code": "000000", "next": url})
    assert "Code incorrect" in faux.content.decode()
    reponse = client.post(
        activation.redirect_chain[-1][0], {"code": code_de(appareil), "next": url}, follow=True
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", reponse.content.decode())
    assert len(codes) == 10
    assert "ils ne seront plus affichés" in reponse.content.decode()
    assert client.get(url).status_code == 200
    # Shown once only.
    assert client.get(reverse("securite:codes"))["Location"] == reverse("securite:compte")

    # Next login: the second step, with a backup code (each works once).
    client.post(reverse("logout"))
    _connexion(client, "finances@demo.invalid")
    verification = client.get(url)
    assert verification["Location"].startswith(reverse("securite:verification"))
    secours = StaticDevice.objects.get(user=finances)
    formulaire = {"otp_device": secours.persistent_id, "next": url}
    refus = client.post(reverse("securite:verification"), {**formulaire, "otp_token": "faux"})
    assert "Code incorrect" in refus.content.decode()
    # django-otp slows guessing down: right after a failure, even a good code waits.
    suspendu = client.post(reverse("securite:verification"), {**formulaire, "otp_token": codes[0]})
    assert "Vérification suspendue" in suspendu.content.decode()
    StaticDevice.objects.filter(pk=secours.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    reponse = client.post(reverse("securite:verification"), {**formulaire, "otp_token": codes[0]})
    assert reponse["Location"] == url
    assert client.get(url).status_code == 200
    assert StaticToken.objects.filter(device=secours).count() == 9


def test_enrolment_is_refused_once_a_device_exists(client, finances):
    """A password alone never replaces a device: changing it takes a DSI administrator."""
    appli(finances)
    _connexion(client, "finances")
    reponse = client.get(reverse("securite:activation"))
    assert reponse["Location"].startswith(reverse("securite:verification"))
    assert TOTPDevice.objects.filter(user=finances).count() == 1


def test_a_dsi_administrator_resets_a_colleagues_lost_device_and_it_is_recorded(
    client, django_user_model, finances, dsi, dsi_admin
):
    from django.test import Client

    appareil = appli(finances)
    collegue = connecte_verifie(Client(), finances)
    assert collegue.get(reverse("tarification:titres")).status_code == 200

    # A DSI agent who is not an administrator cannot.
    connecte_verifie(client, dsi)
    url = reverse("securite:reinitialiser", args=[finances.pk])
    assert client.post(url, {"motif": "Téléphone perdu"}).status_code == 403

    connecte_verifie(client, dsi_admin)
    liste = client.get(reverse("securite:reinitialisations")).content.decode()
    assert "finances" in liste
    assert client.post(url, {"motif": ""})["Location"] == reverse("securite:reinitialisations")
    assert TOTPDevice.objects.filter(pk=appareil.pk).exists()  # no motif, nothing done
    client.post(url, {"motif": "Téléphone perdu"})
    trace = ReinitialisationSecondFacteur.objects.get()
    assert (trace.utilisateur, trace.par, trace.motif) == (finances, dsi_admin, "Téléphone perdu")
    assert trace.le is not None
    assert not TOTPDevice.objects.filter(user=finances).exists()
    assert "Téléphone perdu" in client.get(reverse("securite:reinitialisations")).content.decode()
    # The colleague's open session lost its verification: enrolment again.
    assert collegue.get(reverse("tarification:titres"))["Location"].startswith(
        reverse("securite:activation")
    )
    # Nobody resets his own device.
    appli(dsi_admin)
    client.post(reverse("securite:reinitialiser", args=[dsi_admin.pk]), {"motif": "Moi"})
    assert ReinitialisationSecondFacteur.objects.count() == 1


def test_secretaries_keep_password_login_and_may_add_a_second_factor(client, monde_a, secretaire_a):
    secretaire_a.set_password(MOT_DE_PASSE)
    secretaire_a.save()
    _connexion(client, "secretaire-a")
    accueil = reverse("portail:accueil", kwargs={"code_insee": monde_a.commune.code_insee})
    assert client.get(accueil).status_code == 200
    assert (
        "Activer la vérification en deux étapes"
        in client.get(reverse("securite:compte")).content.decode()
    )
    # She enrols (optional): from then on, her logins need it too.
    client.get(reverse("securite:activation"))
    appareil = TOTPDevice.objects.get(user=secretaire_a)
    client.post(reverse("securite:activation"), {"code": code_de(appareil)})
    assert client.get(accueil).status_code == 200
    client.post(reverse("logout"))
    _connexion(client, "a@demo.invalid")
    assert client.get(accueil)["Location"].startswith(reverse("securite:verification"))


def test_the_requirement_switched_off_lets_staff_in_with_a_password_only(
    client, settings, finances
):
    """The local demo (its .env: STAFF_OTP_REQUIRED=off, or the former ADMIN_OTP_REQUIRED)."""
    settings.STAFF_OTP_REQUIRED = False
    _connexion(client, "finances")
    assert client.get(reverse("tarification:titres")).status_code == 200


@pytest.mark.parametrize(
    ("environnement", "attendu"),
    [
        ({}, "True"),  # production default: DEBUG off
        ({"ADMIN_OTP_REQUIRED": "off"}, "False"),  # the former name, still read
        ({"STAFF_OTP_REQUIRED": "off", "ADMIN_OTP_REQUIRED": "on"}, "False"),
        ({"DEBUG": "on"}, "False"),
    ],
)
def test_the_setting_defaults_to_on_in_production(environnement, attendu):
    import os
    import subprocess
    import sys

    from tests.test_settings import PRODUCTION, ROOT

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "STAFF_OTP_REQUIRED", "ADMIN_OTP_REQUIRED"}
    }
    env.update({k: v for k, v in PRODUCTION.items() if k != "STAFF_OTP_REQUIRED"})
    env.update(environnement)
    code = "from django.conf import settings as s; print(s.STAFF_OTP_REQUIRED)"
    resultat = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert resultat.stdout.strip() == attendu, resultat.stderr
