"""E-mails to a member's contacts (M5): a titre issued, a groupement's needs due, a fiche
projet decided. Sent through the project's mailer (EMAIL_URL; the console in development).

Each act says what to tell which member with plain values (``Avis``: the commune, a subject,
a template of ``templates/notifications/`` and its context, the portal page to link to);
this module finds the recipients and sends. It knows nothing of titres or groupements.

Callers inside a transaction send after the commit
(``transaction.on_commit(lambda: envoyer(…))``) so that no mail announces a rolled-back act.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse

from membres.models import Commune, Contact


@dataclass(frozen=True)
class Avis:
    """One message to one member's contacts."""

    commune_id: int
    sujet: str
    gabarit: str  # a text template of templates/notifications/
    contexte: Mapping = field(default_factory=dict)
    page: str = ""  # the portal page linked in the message ("titres", "groupement"…)
    page_kwargs: Mapping = field(default_factory=dict)
    comptabilite: bool = False  # M5: to the contact comptabilité (else the décideur) only


def destinataires_par_commune(commune_ids, *, comptabilite: bool = False) -> dict[int, list[str]]:
    """The e-mail addresses of each member's contacts, once each (case-insensitively), in one
    query whatever the number of members: all its contacts (M5), or with ``comptabilite`` its
    contacts comptabilité — its décideurs when it named none (M5 revised)."""
    resultat: dict[int, list[str]] = {}
    vues: set[tuple[int, str]] = set()
    contacts = (
        Contact.objects.filter(commune_id__in=set(commune_ids))
        .exclude(email="")
        .order_by("commune_id", Lower("email"), "pk")
        .values_list("commune_id", "email", "comptabilite", "decideur")
    )
    if comptabilite:
        contacts = list(contacts)
        avec_comptabilite = {c for c, _, compta, _ in contacts if compta}
        contacts = [
            ligne for ligne in contacts if (ligne[2] if ligne[0] in avec_comptabilite else ligne[3])
        ]
    for commune_id, adresse, *_ in contacts:
        if (commune_id, adresse.lower()) not in vues:
            vues.add((commune_id, adresse.lower()))
            resultat.setdefault(commune_id, []).append(adresse)
    return resultat


def lien(page: str, commune: Commune, **kwargs) -> str:
    """Absolute link to a page of the member portal (SITE_URL + path)."""
    chemin = reverse(f"portail:{page}", kwargs={"code_insee": commune.code_insee, **kwargs})
    return settings.SITE_URL.rstrip("/") + chemin


def envoyer(avis: Iterable[Avis]) -> int:
    """Send each message to its member's contacts: the contacts and communes read in two
    queries, the messages through one connection. Returns the number sent (a member without
    a contact e-mail gets none)."""
    avis = list(avis)
    if not avis:
        return 0
    ids = {a.commune_id for a in avis}
    communes = Commune.objects.in_bulk(ids)
    tous = destinataires_par_commune(ids) if not all(a.comptabilite for a in avis) else {}
    compta = (
        destinataires_par_commune(ids, comptabilite=True)
        if any(a.comptabilite for a in avis)
        else {}
    )
    messages = []
    for a in avis:
        adresses = compta if a.comptabilite else tous
        if not adresses.get(a.commune_id):
            continue
        commune = communes[a.commune_id]
        contexte = {"commune": commune, **a.contexte}
        if a.page:
            contexte["lien"] = lien(a.page, commune, **a.page_kwargs)
        # One message per member, its contacts in To: they are colleagues of the same member.
        messages.append(
            EmailMessage(
                subject=f"[Service commun SI] {a.sujet}",
                body=render_to_string(a.gabarit, contexte),
                to=adresses[a.commune_id],
            )
        )
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0
