"""E-mails to a member's contacts (M5): a titre issued, a groupement's needs due, a fiche
projet decided. Sent through the project's mailer (EMAIL_URL; the console in development).

Callers inside a transaction should send after the commit
(`transaction.on_commit(lambda: notifier_…(…))`) so that no mail announces a rolled-back act.
Each function returns the number of messages sent (0 when the member has no contact e-mail).
"""

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse

from membres.models import Commune, Contact


def destinataires_par_commune(commune_ids) -> dict[int, list[str]]:
    """The e-mail addresses of each member's contacts (M5: décideur and technique), once each
    (case-insensitively), in one query whatever the number of members."""
    resultat: dict[int, list[str]] = {}
    vues: set[tuple[int, str]] = set()
    contacts = (
        Contact.objects.filter(commune_id__in=set(commune_ids))
        .exclude(email="")
        .order_by("commune_id", Lower("email"), "pk")
        .values_list("commune_id", "email")
    )
    for commune_id, adresse in contacts:
        if (commune_id, adresse.lower()) not in vues:
            vues.add((commune_id, adresse.lower()))
            resultat.setdefault(commune_id, []).append(adresse)
    return resultat


def destinataires(commune: Commune) -> list[str]:
    return destinataires_par_commune([commune.pk]).get(commune.pk, [])


def lien(nom: str, commune: Commune, **kwargs) -> str:
    """Absolute link to a portal page (SITE_URL + path), for the e-mail bodies."""
    chemin = reverse(f"portail:{nom}", kwargs={"code_insee": commune.code_insee, **kwargs})
    return settings.SITE_URL.rstrip("/") + chemin


def _message(*, commune, adresses, sujet: str, gabarit: str, contexte: dict) -> EmailMessage:
    corps = render_to_string(gabarit, {"commune": commune, **contexte})
    # One message per member, its contacts in To: they are colleagues of the same member.
    return EmailMessage(subject=f"[Service commun SI] {sujet}", body=corps, to=adresses)


def _envoyer(messages: list[EmailMessage]) -> int:
    """Send through the project's mailer (MAILERS, from EMAIL_URL), one connection for all."""
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0


def _notifier(*, commune, sujet: str, gabarit: str, contexte: dict) -> int:
    adresses = destinataires(commune)
    if not adresses:
        return 0
    return _envoyer(
        [
            _message(
                commune=commune, adresses=adresses, sujet=sujet, gabarit=gabarit, contexte=contexte
            )
        ]
    )


def notifier_titres_emis(titres) -> int:
    """Titres de recettes were issued (B1): each debtor member's contacts are told where to
    read and download theirs. For a whole campaign: the contacts are read in one query and
    the messages leave through one connection. Call after the commit (and, ideally, once the
    PDFs are rendered, so that the link finds them)."""
    titres = list(titres)
    ids = {t.commune_id for t in titres}
    communes = Commune.objects.in_bulk(ids)
    adresses = destinataires_par_commune(ids)
    messages = [
        _message(
            commune=communes[titre.commune_id],
            adresses=adresses[titre.commune_id],
            sujet=f"Titre de recettes n° {titre.numero} — exercice {titre.exercice}",
            gabarit="portail/emails/titre_emis.txt",
            contexte={"titre": titre, "lien": lien("titres", communes[titre.commune_id])},
        )
        for titre in titres
        if adresses.get(titre.commune_id)
    ]
    return _envoyer(messages)


def notifier_titre_emis(titre) -> int:
    """One titre issued (an audit, a refacturation, an appel de fonds…)."""
    return notifier_titres_emis([titre])


def notifier_besoins_a_declarer(*, groupement, commune: Commune, date_limite=None) -> int:
    """A groupement the member belongs to is in its recensement des besoins (G3): the member
    declares its needs in the portal before the consultation freezes them (G8)."""
    return _notifier(
        commune=commune,
        sujet=f"Groupement « {groupement} » : déclarez vos besoins",
        gabarit="portail/emails/besoins_a_declarer.txt",
        contexte={
            "groupement": groupement,
            "date_limite": date_limite,
            "lien": lien("groupement", commune, pk=groupement.pk),
        },
    )


def notifier_fiche_decidee(fiche) -> int:
    """The comité de pilotage decided on a fiche projet (R3)."""
    commune = fiche.commune
    return _notifier(
        commune=commune,
        sujet=f"Fiche projet « {fiche.intitule} » : {fiche.get_statut_display()}",
        gabarit="portail/emails/fiche_decidee.txt",
        contexte={"fiche": fiche, "lien": lien("fiche", commune, pk=fiche.pk)},
    )


def notifier_recensement_ouvert(groupement) -> int:
    """G3: the recensement des besoins is open — one e-mail to each commune with an active
    membership (its own or one of its établissements'), with the groupement's deadline. For
    the act that opens the recensement, after its commit."""
    communes = {
        adhesion.commune_id: adhesion.commune
        for adhesion in groupement.adhesions.actives().select_related("commune")
    }
    return sum(
        notifier_besoins_a_declarer(
            groupement=groupement, commune=commune, date_limite=groupement.date_limite_besoins
        )
        for commune in communes.values()
    )
