"""Who a login names, and where a request comes from: the two keys of login throttling."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

# Longest login accepted: an e-mail address is at most 254 characters (RFC 5321); a username
# is at most 150. Anything longer is refused before any query.
LONGUEUR_MAX_IDENTIFIANT = 254


def compte_vise(identifiant: str | None):
    """The account a typed login names, whatever its spelling: the username as typed, else the
    one account with that e-mail address in any letter case, else the one account whose
    username matches in any letter case; None when it names no account or several (an
    address shared by two accounts logs in neither). One query."""
    if not identifiant or len(identifiant) > LONGUEUR_MAX_IDENTIFIANT:
        return None
    identifiant = identifiant.strip()
    User = get_user_model()
    champ = User.USERNAME_FIELD
    candidats = list(
        User._default_manager.filter(
            Q(**{champ: identifiant})
            | Q(**{f"{champ}__iexact": identifiant})
            | Q(email__iexact=identifiant)
        )[:10]
    )
    for correspond in (
        lambda u: u.get_username() == identifiant,
        lambda u: (u.email or "").casefold() == identifiant.casefold(),
        lambda u: u.get_username().casefold() == identifiant.casefold(),
    ):
        trouves = [u for u in candidats if correspond(u)]
        if len(trouves) == 1:
            return trouves[0]
        if trouves:
            return None
    return None


def adresse_client(request) -> str | None:
    """The client's address as the trusted proxies report it.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default: no proxy) it is the connection's address.
    Behind N trusted proxies, each appends the address it received the request from to the
    header (``X-Forwarded-For``), so the client's address is the N-th entry from the right;
    the entries to its left were written by the client and are never trusted. Written here
    rather than with django-ipware: the rule is these few lines and the project does not
    otherwise need that dependency.

    For throttling, an IPv6 address counts as its /64 network: one subscriber usually holds a
    whole /64 and could otherwise change address at every attempt.
    """
    adresse = request.META.get("REMOTE_ADDR")
    nombre = settings.TRUSTED_PROXY_COUNT
    if nombre:
        entete = request.META.get(settings.TRUSTED_PROXY_HEADER, "")
        adresses = [a.strip() for a in entete.split(",") if a.strip()]
        if len(adresses) >= nombre:
            adresse = adresses[-nombre]
    try:
        ip = ipaddress.ip_address((adresse or "").strip())
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
