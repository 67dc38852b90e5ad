"""B11 — friendly reminders of unpaid titres. Recovery belongs to the comptable public; the
ordonnateur may still remind: ``RECOUVREMENT_DELAI_RAPPEL`` days past the due date, then after
each further delay, at most ``RECOUVREMENT_RAPPELS_MAX`` times, a *lettre de rappel* (PDF, in the
titres' style) goes by e-mail to the member's contact comptabilité (else its décideur, M5).

Never two reminders for one titre within one delay: each reminder has its rank, unique per
titre (a constraint), taken under a row lock; a second run the same day, or two machines
running it, find it taken. A reminder whose e-mail fails is removed, so that the next run sends
it; a member without a contact e-mail gets its reminder recorded (the letter can be printed
from the titre's page) but no e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from membres import notifications
from outils.formats import formater_euros
from outils.pdf import moteur
from tarification.models import Rappel, TitreDeRecettes
from tarification.recouvrement import calcul, restes


@dataclass
class Bilan:
    envoyes: int = 0
    sans_adresse: int = 0
    echecs: int = 0


def rappels_dus(jour: date) -> list[tuple[restes.Reste, int]]:
    """The unpaid titres due a reminder on ``jour``, each with the rank of that reminder. Two
    queries whatever the number of titres."""
    lignes = [
        ligne
        for ligne in restes.restes(jour=jour, complets=True)
        if ligne.situation.reste > 0 and ligne.etat in calcul.A_RECOUVRER
    ]
    deja: dict[int, int] = {}
    for titre_id in Rappel.objects.filter(
        titre__in=[ligne.titre.pk for ligne in lignes]
    ).values_list("titre_id", flat=True):
        deja[titre_id] = deja.get(titre_id, 0) + 1
    dus = []
    for ligne in lignes:
        rang = calcul.rang_du_rappel_du(
            echeance=ligne.echeance,
            jour=jour,
            delai_jours=settings.RECOUVREMENT_DELAI_RAPPEL,
            deja=deja.get(ligne.titre.pk, 0),
            maximum=settings.RECOUVREMENT_RAPPELS_MAX,
        )
        if rang is not None:
            dus.append((ligne, rang))
    return dus


def html_lettre(titre: TitreDeRecettes, situation: calcul.Situation, le: date, rang: int) -> str:
    return render_to_string(
        "tarification/lettre_rappel_pdf.html",
        {
            "titre": titre,
            "e": titre.emetteur,
            "situation": situation,
            "echeance": restes.echeance(titre),
            "le": le,
            "rang": rang,
        },
    )


def lettre_pdf(titre: TitreDeRecettes, situation: calcul.Situation, le: date, rang: int) -> bytes:
    """The lettre de rappel of ``titre`` as a PDF (rendered on demand: its figures are those
    of the day, recorded with the reminder)."""
    return moteur().document(html_lettre(titre, situation, le, rang), ["titre.css"]).write_pdf()


def nom_lettre(titre: TitreDeRecettes, rang: int) -> str:
    return f"rappel-{titre.reference}-{rang}.pdf"


def envoyer_rappels(*, jour: date | None = None, par=None) -> Bilan:
    """Send every reminder due on ``jour`` (today), once."""
    jour = jour or timezone.localdate()
    bilan = Bilan()
    dus = rappels_dus(jour)
    adresses = notifications.destinataires_par_commune(
        {ligne.titre.commune_id for ligne, _ in dus}, comptabilite=True
    )
    for ligne, rang in dus:
        titre = ligne.titre
        destinataires = adresses.get(titre.commune_id, [])
        try:
            with transaction.atomic():
                TitreDeRecettes.objects.select_for_update().filter(pk=titre.pk).first()
                rappel = Rappel.objects.create(
                    titre=titre,
                    date=jour,
                    rang=rang,
                    reste=ligne.situation.reste,
                    destinataire=", ".join(destinataires)[:254],
                    envoye=bool(destinataires),
                    auteur=par,
                )
        except IntegrityError:
            continue  # taken meanwhile by another run
        if not destinataires:
            bilan.sans_adresse += 1
            continue
        message = EmailMessage(
            subject=(
                f"[Service commun SI] Rappel : titre n° {titre.numero} — exercice "
                f"{titre.exercice}, reste {formater_euros(ligne.situation.reste)}"
            ),
            body=render_to_string(
                "notifications/rappel_titre.txt",
                {
                    "titre": titre,
                    "situation": ligne.situation,
                    "echeance": ligne.echeance,
                    "lien": notifications.lien("titres", titre.commune),
                },
            ),
            to=destinataires,
        )
        message.attach(
            nom_lettre(titre, rang),
            lettre_pdf(titre, ligne.situation, jour, rang),
            "application/pdf",
        )
        try:
            mailers.default.send_messages([message])
        except OSError:  # SMTP failures are OSErrors: the next run sends it
            rappel.delete()
            bilan.echecs += 1
            continue
        bilan.envoyes += 1
    return bilan
