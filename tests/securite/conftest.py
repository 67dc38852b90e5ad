"""Production settings for the security tests: DEBUG off (the suite's), the staff's second
factor required, login throttling on; the staff personas of the roles, with real passwords and
e-mail addresses, and helpers to pass the second factor."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

MOT_DE_PASSE = "Mot-de-passe-solide-2026"


@pytest.fixture
def production(settings):
    """What a production run has (DEBUG off is the suite's own setting)."""
    assert settings.DEBUG is False
    settings.STAFF_OTP_REQUIRED = True
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


def _staff(django_user_model, username, *roles):
    from securite.roles import synchroniser
    from tests.conftest import avec_role

    synchroniser()
    user = django_user_model.objects.create_user(
        username, email=f"{username}@demo.invalid", password=MOT_DE_PASSE, is_staff=True
    )
    return avec_role(user, *roles)


@pytest.fixture
def dsi(django_user_model):
    from securite.roles import DSI

    return _staff(django_user_model, "dsi", DSI)


@pytest.fixture
def finances(django_user_model):
    from securite.roles import FINANCES

    return _staff(django_user_model, "finances", FINANCES)


@pytest.fixture
def dsi_admin(django_user_model):
    from securite.roles import DSI_ADMINISTRATEUR

    return _staff(django_user_model, "dsi-admin", DSI_ADMINISTRATEUR)


def appli(user):
    """A confirmed authenticator app for ``user``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Application", confirmed=True)


def code_de(appareil) -> str:
    """The code the authenticator app shows now."""
    jeton = TOTP(appareil.bin_key, appareil.step, appareil.t0, appareil.digits, appareil.drift)
    return f"{jeton.token():0{appareil.digits}d}"


def connecte_verifie(client, user):
    """A session logged in and verified by the second factor, as after the two steps."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    appareil = TOTPDevice.objects.filter(user=user, confirmed=True).first() or appli(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = appareil.persistent_id
    session.save()
    return client
