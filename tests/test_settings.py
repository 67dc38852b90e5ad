"""The one settings module: production values pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lancer(env_extra, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "k" * 20 + "Zq8#pV!n2@Lr5^wT9&yB3*uE6(oI1)aS4",
    "ALLOWED_HOSTS": "servicecommun.example.fr",
    "EMAIL_URL": "smtp+tls://user:secret@smtp.example.fr:587",
    "ADMIN_OTP_REQUIRED": "on",
    "SECURE_SSL_REDIRECT": "on",
    "STATIC_MANIFEST": "on",
}


def test_production_settings_pass_the_deploy_check():
    resultat = lancer(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_secret_key_is_required_when_debug_is_off():
    resultat = lancer({"DEBUG": "off"}, "check")
    assert resultat.returncode != 0
    assert "SECRET_KEY est obligatoire" in resultat.stderr


def test_production_uses_smtp_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.MAILERS['default']['BACKEND'], s.MAILERS['default']['OPTIONS']['host'],"
        " s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.ADMIN_OTP_REQUIRED, s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ)"
    )
    resultat = lancer(PRODUCTION, "shell", "--no-imports", "-c", code)
    assert resultat.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.fr",
        "True",
        "True",
        "Lax",
        "True",
        "fr-fr",
        "Europe/Paris",
        "True",
    ], resultat.stderr
