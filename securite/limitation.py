"""Login and password-reset throttling.

The policy (README, "Connexion et sécurité des comptes"):
- Failed logins are counted against the ACCOUNT the typed login names, whatever its spelling
  (username, e-mail address in any letter case: ``identification.compte_vise``), from any
  address: after ``AXES_FAILURE_LIMIT`` (5) failures within ``AXES_COOLOFF_TIME`` (1 hour),
  no spelling of that account logs in, even with the right password, until the hour after
  the fifth failure is over. Attempts during the lock are refused without being counted, so
  they do not extend it. A password reset by e-mail lifts the lock at once: a locked-out
  user is never stuck, and whoever locks an account out gains nothing.
- They are also counted against the client ADDRESS (as the trusted proxies report it,
  ``identification.adresse_client``), over all accounts and unknown names: after
  ``AXES_ADDRESS_FAILURE_LIMIT`` (20) failures within the hour, that address logs in to no
  account. This bounds password spraying over many accounts from one place.
- Failures against a name that is no account are all recorded under one name, so they add
  at most one row per address; rows older than the hour are purged by django-axes.
- Password-reset e-mails: at most ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` requests per address
  and ``PASSWORD_RESET_LIMIT_PER_ACCOUNT`` e-mails per account per hour (``Compteur``).
"""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from securite.identification import adresse_client, compte_vise
from securite.models import Compteur

# The one name under which failures against names that are no account are recorded.
NOM_INCONNU = "(compte inconnu)"


def cle_compte(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the account's username, whatever was typed."""
    champ = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(champ) is not None:
        saisi = credentials.get(champ)
    else:
        saisi = getattr(request, "POST", {}).get(champ)
    compte = compte_vise(saisi)
    return compte.get_username() if compte is not None else NOM_INCONNU


def adresse(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE."""
    return adresse_client(request)


class Gestionnaire(AxesDatabaseHandler):
    """django-axes' database handler with the account and the address held to their own
    limits (django-axes has one limit for every parameter)."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            # One row per account and address: the user agent is the client's to vary.
            request.axes_user_agent = ""
        return super().user_login_failed(sender, credentials, request=request, **kwargs)

    def get_failures(self, request, credentials=None) -> int:
        """The failures that count, on the account's scale: the account's (none for unknown
        names), or the limit itself once the address reached its own limit."""
        par_compte, par_adresse = (
            qs.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        if get_client_username(request, credentials) == NOM_INCONNU:
            par_compte = 0  # names that are no account are never locked as an account
        if par_adresse >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(par_compte, get_failure_limit(request, credentials))
        return par_compte


def lever_verrou(user) -> int:
    """Lift an account's lock (after a password reset): its failures from every address."""
    from axes.utils import reset

    return reset(username=user.get_username())


# --- Password-reset requests -----------------------------------------------------------------


@transaction.atomic
def compter(cle: str, *, limite: int, fenetre: timedelta = timedelta(hours=1)) -> bool:
    """Count one request under ``cle``; True while the key stays within ``limite`` requests
    per ``fenetre``. Rows whose window is over are deleted first (the table stays small)."""
    maintenant = timezone.now()
    Compteur.objects.filter(depuis__lt=maintenant - fenetre).delete()
    compteur, cree = Compteur.objects.select_for_update().get_or_create(
        cle=cle[:100], defaults={"nombre": 1, "depuis": maintenant}
    )
    if cree:
        return limite >= 1
    Compteur.objects.filter(pk=compteur.pk).update(nombre=F("nombre") + 1)
    return compteur.nombre + 1 <= limite


def reinitialisation_permise_depuis(request) -> bool:
    return compter(
        f"reinit:adresse:{adresse_client(request)}",
        limite=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
    )


def reinitialisation_permise_pour(user) -> bool:
    return compter(f"reinit:compte:{user.pk}", limite=settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT)
