"""The one settings module of servicecommun, read from the environment with django-environ.

Every variable is listed, with its default, in `.env.example`. A `.env` file at the project
root is read when present (the demo setup writes one); ``ENV_FILE`` names another file, or none
when empty (the test suite sets it empty: its settings never depend on a developer's `.env`).
Bad values fail loudly at start-up.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
FICHIER_ENV = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if FICHIER_ENV and Path(FICHIER_ENV).is_file():
    env.read_env(FICHIER_ENV, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire quand DEBUG est désactivé.")
    SECRET_KEY = "django-insecure-dev-only-key-never-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "simple_history",
    "django_tables2",
    "django_filters",
    "django_tasks_db",
    "outils",
    "securite",
    "membres",
    "tarification",
    "groupements",
    "patrimoine",
    "missions",
    "pilotage",
    "portail",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "securite.middleware.TailleRequeteMiddleware",  # bodies over the limit refused unread
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "securite.middleware.EntetesMiddleware",  # Permissions-Policy
    "securite.middleware.ErreurStockageMiddleware",  # storage full or read-only: French page
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "securite.middleware.SessionInactiveMiddleware",  # staff: idle sessions end
    "securite.middleware.SecondFacteurMiddleware",  # staff: every page after a second factor
    "securite.middleware.PasDeCacheMiddleware",  # no-store on every authenticated response
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# A strict Content-Security-Policy (Django's own middleware): our pages load scripts, styles,
# fonts and images from the site only, with no inline script or style (the admin's scripts
# carry the request's nonce); nothing may frame them, forms post to the site only.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Browser features no page uses, refused to every page and frame.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
    "sync-xhr=(), usb=(), xr-spatial-tracking=()"
)

ROOT_URLCONF = "servicecommun.urls"
WSGI_APPLICATION = "servicecommun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: an SQLite file by default (first run, demo); PostgreSQL in CI and production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work (PDF rendering of campaigns): Django's tasks on the database.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# How many tasks share one bordereau's PDFs: set it to the number of db_worker processes.
PDF_TACHES_PAR_BORDEREAU = env.int("PDF_TACHES_PAR_BORDEREAU", default=2)

# --- PES V2 (B9): the titres' XML files for the comptable public (Hélios, Chorus Pro).
# The DGFiP's schemas are not shipped: point to the official package (folder holding
# PES_V2/Rev0/PES_Aller.xsd); in development and CI, the copy beside the repository.
PES_SCHEMAS_DIR = env.path(
    "PES_SCHEMAS_DIR", default=BASE_DIR.parent / "shared" / "schemas" / "pes-v2-5.30"
)
# On once the issuer's PES data are filled in (admin › émetteur des titres): a public debtor
# without a valid SIRET then blocks its titre (B2), and titres to public debtors go to Chorus
# Pro (Edition 02).
PES_EXPORT = env.bool("PES_EXPORT", default=False)
# The acquittement schema (PES_Acquit) is only in the older package: folder holding
# PES_V2/Rev0/PES_V2_Acquit_Autonome_V2.xsd.
PES_ACQUIT_SCHEMAS_DIR = env.path(
    "PES_ACQUIT_SCHEMAS_DIR", default=BASE_DIR.parent / "shared" / "schemas" / "pes-v2"
)

# --- B11: recouvrement. A titre is due this many days after its issue; an unpaid titre gets a
# friendly reminder this many days past its due date, then again after each further delay, at
# most RECOUVREMENT_RAPPELS_MAX times.
RECOUVREMENT_DELAI_PAIEMENT = env.int("RECOUVREMENT_DELAI_PAIEMENT", default=30)
RECOUVREMENT_DELAI_RAPPEL = env.int("RECOUVREMENT_DELAI_RAPPEL", default=30)
RECOUVREMENT_RAPPELS_MAX = env.int("RECOUVREMENT_RAPPELS_MAX", default=3)
for _reglage in ("RECOUVREMENT_DELAI_PAIEMENT", "RECOUVREMENT_DELAI_RAPPEL"):
    if globals()[_reglage] < 1:
        raise ImproperlyConfigured(f"{_reglage} doit être un nombre de jours positif.")
if RECOUVREMENT_RAPPELS_MAX < 0:
    raise ImproperlyConfigured("RECOUVREMENT_RAPPELS_MAX ne peut être négatif.")

# --- B10: the bordereau récapitulatif may be signed electronically (PAdES B-B) with a
# certificate: a PKCS#12 file and its password; optionally the PEM certificate of the
# authority that issued it (trusted when checking the signature).
RECAPITULATIF_CERTIFICAT = env.str("RECAPITULATIF_CERTIFICAT", default="")
RECAPITULATIF_CERTIFICAT_MOT_DE_PASSE = env.str("RECAPITULATIF_CERTIFICAT_MOT_DE_PASSE", default="")
RECAPITULATIF_CERTIFICAT_RACINE = env.str("RECAPITULATIF_CERTIFICAT_RACINE", default="")

# --- Authentication (README, "Connexion et sécurité des comptes")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses throttled logins
    "securite.auth.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accueil"  # each role's home (members: on to their commune's space)
LOGOUT_REDIRECT_URL = "login"
# Behind N reverse proxies that each append the client's address to this header, the address
# login throttling counts is the N-th from the right (securite/identification.py). 0: the
# application is reached directly (REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_HEADER = "HTTP_" + env.str(
    "TRUSTED_PROXY_HEADER", default="X-Forwarded-For"
).upper().replace("-", "_")
# Login throttling (django-axes, securite/limitation.py): failures are counted per account
# (any spelling) and per client address, each against its own limit, within the cool-off.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "securite.limitation.cle_compte"
AXES_CLIENT_IP_CALLABLE = "securite.limitation.adresse"
AXES_HANDLER = "securite.limitation.Gestionnaire"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts during a lock don't extend it
AXES_RESET_ON_SUCCESS = False  # a valid login elsewhere must not wipe an address's failures
AXES_LOCKOUT_TEMPLATE = "securite/verrouille.html"
# Password-reset requests per hour: per client address (then 429), e-mails per account.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=5)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
# Staff (and any user who enrolled a device) need a second factor (TOTP or a backup code) on
# every page, unless explicitly switched off (the local demo only). ADMIN_OTP_REQUIRED is its
# former name, still read.
STAFF_OTP_REQUIRED = env.bool(
    "STAFF_OTP_REQUIRED", default=env.bool("ADMIN_OTP_REQUIRED", default=not DEBUG)
)
ADMIN_OTP_REQUIRED = STAFF_OTP_REQUIRED
OTP_LOGIN_URL = "securite:verification"
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="servicecommun Redon Agglomération")
# A staff session unused for this many minutes ends (members keep Django's 2-week session).
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)

# --- Internationalisation: the UI speaks French (fr-FR), times are Paris time.
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
# A few of Django's admin phrases reworded (locale/fr: no « Ajout de adhésion »).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media files
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"  # never served directly: documents go through permission-checked views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Files (documents, titres PDFs) go through the storage API: on one machine the local
# MEDIA_ROOT; on several, an S3-compatible store (django-storages, ``pip install -e ".[s3]"``)
# when S3_BUCKET is set. Never overwrite a file: an issued titre's PDF is kept as issued.
S3_BUCKET = env.str("S3_BUCKET", default="")
STOCKAGE_FICHIERS = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "file_overwrite": False,
            "default_acl": None,  # the bucket's own (private): files are served by our views
            "querystring_auth": True,
        },
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": STOCKAGE_FICHIERS,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)  # needs collectstatic first
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Uploaded files are streamed to disk and counted as they come: past DOCUMENT_MAX_BYTES the
# upload stops (a body without Content-Length; one with it is refused before being read).
FILE_UPLOAD_HANDLERS = [
    "outils.televersements.LimiteTailleHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail: the console in development (files in the demo), SMTP in production
# (EMAIL_URL=smtp+tls://…).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_options = (
    {
        option: _email[cle]
        for cle, option in [
            ("EMAIL_HOST", "host"),
            ("EMAIL_PORT", "port"),
            ("EMAIL_HOST_USER", "username"),
            ("EMAIL_HOST_PASSWORD", "password"),
            ("EMAIL_USE_TLS", "use_tls"),
            ("EMAIL_USE_SSL", "use_ssl"),
        ]
        if _email.get(cle) not in (None, "")
    }
    if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    else {}
)
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # filemail:///absolute/folder, or filemail:// for var/courriels (the demo's): one file per
    # sending, readable, never in the terminal.
    _options = {
        "file_path": urlsplit(env.str("EMAIL_URL")).path or str(BASE_DIR / "var" / "courriels")
    }
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="servicecommun <dsi@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production values follow from DEBUG off; each can be overridden)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Domain settings (the issuer's own details live in the database, editable by DSI staff)
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
