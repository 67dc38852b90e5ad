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
    "STAFF_OTP_REQUIRED": "on",
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


def test_migrations_check_runs_without_secret_key():
    """Checking the migration files needs no key: a throw-away one is used, ``check`` and
    serving still refuse (test above)."""
    resultat = lancer({"DEBUG": "off"}, "makemigrations", "--check", "--dry-run")
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "No changes detected" in resultat.stdout


def test_production_uses_smtp_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.MAILERS['default']['BACKEND'], s.MAILERS['default']['OPTIONS']['host'],"
        " s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.STAFF_OTP_REQUIRED, s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ)"
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


def test_files_on_an_s3_compatible_store_when_a_bucket_is_set():
    code = (
        "from django.conf import settings as s; d = s.STORAGES['default'];"
        "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['endpoint_url'],"
        " d['OPTIONS']['file_overwrite'], d['OPTIONS']['location'])"
    )
    s3 = {
        "S3_BUCKET": "titres",
        "S3_ENDPOINT_URL": "https://s3.example.fr",
        "S3_PREFIX": "production",
    }
    resultat = lancer({**PRODUCTION, **s3}, "shell", "--no-imports", "-c", code)
    assert resultat.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "titres",
        "https://s3.example.fr",
        "False",  # an issued titre's PDF is never overwritten
        "production",
    ], resultat.stderr
    sans = lancer(
        PRODUCTION,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.STORAGES['default']['BACKEND'])",
    )
    assert sans.stdout.strip() == "django.core.files.storage.FileSystemStorage", sans.stderr


def test_B11_recouvrement_delays_refuse_nonsense():
    resultat = lancer({"DEBUG": "on", "RECOUVREMENT_DELAI_RAPPEL": "0"}, "check")
    assert resultat.returncode != 0
    assert "RECOUVREMENT_DELAI_RAPPEL doit être un nombre de jours positif" in resultat.stderr


def test_the_demo_s_e_mails_are_written_as_files(tmp_path):
    """EMAIL_URL=filemail:// (the demo's .env): one readable file per sending in var/courriels/;
    filemail:///folder for another absolute folder."""
    code = (
        "from django.core.mail import mailers, send_mail;"
        "send_mail('Invitation', 'Bonjour Nadia', 'dsi@localhost', ['nadia@mairie.fr']);"
        "print(mailers.default.file_path)"
    )
    dossier = tmp_path / "courriels"
    resultat = lancer(
        {"DEBUG": "on", "EMAIL_URL": f"filemail://{dossier}"}, "shell", "--no-imports", "-c", code
    )
    assert resultat.stdout.strip() == str(dossier), resultat.stderr
    (fichier,) = dossier.iterdir()
    assert "Bonjour Nadia" in fichier.read_text()
    defaut = lancer(
        {"DEBUG": "on", "EMAIL_URL": "filemail://"},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.MAILERS['default']['OPTIONS']['file_path'])",
    )
    assert defaut.stdout.strip() == str(ROOT / "var" / "courriels"), defaut.stderr
