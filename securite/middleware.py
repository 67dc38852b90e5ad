"""Session rules for every page: staff sessions expire when idle, a second factor guards every
staff page, and no authenticated page or file is kept in a cache."""

from __future__ import annotations

import errno
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.db import DataError
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from securite.actes import a_un_second_facteur

logger = logging.getLogger(__name__)

CLE_ACTIVITE = "securite_activite"
CLE_SECOND_FACTEUR = "securite_second_facteur"  # set at login: the user has a device
# Pages an unverified user may open: logging in and out, the second factor itself, the
# password reset (public), and public pages.
PAGES_LIBRES = {
    "login",
    "logout",
    "accueil",
    "securite:verification",
    "securite:activation",
    "portail:mot_de_passe_oubli",
    "portail:mot_de_passe_envoye",
    "portail:mot_de_passe_nouveau",
    "portail:mot_de_passe_change",
    "tarification:simulateur",
}


class SessionInactiveMiddleware:
    """A staff session unused for STAFF_IDLE_MINUTES ends: the next request logs out and goes
    to the login page. (The activity time is written at most once a minute.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            maintenant = int(time.time())
            derniere = request.session.get(CLE_ACTIVITE)
            if derniere is not None and maintenant - derniere > settings.STAFF_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    f"Session fermée après {settings.STAFF_IDLE_MINUTES} minutes d'inactivité : "
                    "reconnectez-vous.",
                )
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if derniere is None or maintenant - derniere >= 60:
                request.session[CLE_ACTIVITE] = maintenant
        return self.get_response(request)


def doit_verifier(request) -> bool:
    """Production (STAFF_OTP_REQUIRED): staff, and any user who enrolled a device, must have
    verified this session with their second factor."""
    user = request.user
    if not (settings.STAFF_OTP_REQUIRED and user.is_authenticated):
        return False
    if user.is_verified():
        return False
    return user.is_staff or bool(request.session.get(CLE_SECOND_FACTEUR))


class SecondFacteurMiddleware:
    """Every page but PAGES_LIBRES sends a user who must verify to the verification page, or to
    enrolment when he has no device yet (first login)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not doit_verifier(request):
            return None
        correspondance = request.resolver_match
        if correspondance is not None and correspondance.view_name in PAGES_LIBRES:
            return None
        cible = (
            "securite:verification" if a_un_second_facteur(request.user) else "securite:activation"
        )
        return redirect_to_login(request.get_full_path(), reverse(cible), REDIRECT_FIELD_NAME)


class PasDeCacheMiddleware:
    """``Cache-Control: no-store`` on every response to a logged-in user (pages and files):
    neither the browser nor a proxy keeps a member's data or a titre once the page is left."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(reponse)
        return reponse


def noter_second_facteur(sender, request, user, **kwargs):
    """At login (user_logged_in), remember whether the user has a device: a member's user who
    enrolled one must use it too (one query per login, none per page)."""
    if request is not None and hasattr(request, "session"):
        request.session[CLE_SECOND_FACTEUR] = a_un_second_facteur(user)
        request.session[CLE_ACTIVITE] = int(time.time())


class EntetesMiddleware:
    """``Permissions-Policy`` on every response (the CSP is Django's own middleware), and a
    French 400 for a query string carrying NUL characters (PostgreSQL refuses them in any
    text, so a filter or a search would fail with a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in cle or "\x00" in "".join(valeurs) for cle, valeurs in request.GET.lists()):
            reponse = render(
                request,
                "400.html",
                {"message": "L'adresse contient des caractères invalides."},
                status=400,
            )
        else:
            reponse = self.get_response(request)
        reponse.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return reponse

    def process_exception(self, request, exception):
        """A value the database refuses in a page's filters (a bad regular expression, a
        number out of range in the admin's query string): the reader's input, so a 400."""
        if request.method not in ("GET", "HEAD") or not isinstance(exception, DataError):
            return None
        logger.warning("Filtre refusé par la base : %s (%s)", exception, request.get_full_path())
        return render(
            request, "400.html", {"message": "Une valeur de filtre est mal formée."}, status=400
        )


# What a full, read-only or refused storage raises when a file is written.
ERREURS_STOCKAGE = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO}


class ErreurStockageMiddleware:
    """A file the storage refuses (disk full, read-only, no right) while a page saves it: a
    French page of the site (503) instead of "Server Error"; nothing was recorded, as the row
    is written after its file (and forms save in one transaction)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OSError) or exception.errno not in ERREURS_STOCKAGE:
            return None
        logger.error("Stockage des fichiers : %s (%s)", exception, request.path)
        return render(
            request,
            "erreur_stockage.html",
            {"cause": cause_stockage(exception)},
            status=503,
        )


def cause_stockage(erreur: OSError) -> str:
    return {
        errno.EROFS: "l'espace de stockage des fichiers est en lecture seule",
        errno.ENOSPC: "l'espace de stockage des fichiers est plein",
        errno.EDQUOT: "le quota de l'espace de stockage des fichiers est atteint",
    }.get(erreur.errno, "l'espace de stockage des fichiers refuse l'écriture")


class TailleRequeteMiddleware:
    """A request body announced larger than the largest accepted file (plus the form's other
    fields) is refused at once, in French (413), before Django reads it: a 100 MB upload is
    not received in full to be refused afterwards. Bodies without Content-Length are bounded
    by the upload handler (``outils.televersements``) and, first, by the proxy
    (``client_max_body_size``, README)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            annoncee = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            annoncee = 0
        if annoncee > taille_maximale_requete():
            logger.warning("Requête de %s octets refusée (%s)", annoncee, request.path)
            reponse = render(
                request,
                "400.html",
                {
                    "titre": "Fichier trop volumineux",
                    "message": "L'envoi dépasse la taille maximale acceptée "
                    f"({settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} Mio par fichier) : "
                    "rien n'a été reçu ni enregistré.",
                },
                status=413,
            )
            reponse["Connection"] = "close"
            return reponse
        return self.get_response(request)


def taille_maximale_requete() -> int:
    return settings.DOCUMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
