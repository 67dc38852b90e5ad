"""T5, A1 — the reminder that the audit's deduction window is closing.

A member that bought the audit (socle annexe) gets its price deducted from its first socle
complet year if that adhesion takes effect within six months of the report's delivery (T5).
One month before the window closes, its contacts are told by e-mail, once: the daily command
``rappeler_fenetre_t5`` calls ``envoyer_rappels_t5``, which marks each audit it reminds and
never reminds it again. A member already in (or about to join) the socle complet is not
reminded; a window already closed is never reminded late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from membres import notifications
from membres.models import Adhesion, Formule
from outils.dates import ajouter_mois
from patrimoine.models import Audit
from tarification.contribution import prix_audits_retenus


@dataclass
class Rapport:
    envoyes: list[Audit] = field(default_factory=list)
    sans_destinataire: list[Audit] = field(default_factory=list)
    echecs: list[tuple[Audit, str]] = field(default_factory=list)


def audits_a_rappeler(jour: date) -> list[Audit]:
    """Audits of the socle annexe whose T5 window closes within a month of ``jour`` (and is
    not closed yet), not reminded yet, of a member with no socle complet current or to come."""
    socle = Adhesion.objects.filter(
        commune_id=OuterRef("commune_id"), formule=Formule.SOCLE_COMPLET
    ).filter(Q(dernier_jour__isnull=True) | Q(dernier_jour__gte=jour))
    # The window closes 6 months after delivery: only the deliveries of the last 7 months
    # can be in their last month (the exact test is on each audit's own dates).
    candidats = (
        Audit.objects.filter(
            origine=Audit.Origine.ANNEXE,
            livre_le__isnull=False,
            livre_le__gte=ajouter_mois(jour, -7),
            livre_le__lte=jour,
            rappel_t5_envoye_le__isnull=True,
        )
        .exclude(Exists(socle))
        .select_related("commune", "adhesion")
        .order_by("livre_le", "pk")
    )
    return [a for a in candidats if a.debut_rappel_t5 <= jour <= a.fin_fenetre_t5]


def avis_rappel_t5(audit: Audit, prix) -> notifications.Avis:
    return notifications.Avis(
        commune_id=audit.commune_id,
        sujet=f"Audit : déduction possible jusqu'au {audit.fin_fenetre_t5:%d/%m/%Y}",
        gabarit="notifications/rappel_t5.txt",
        contexte={
            "livre_le": audit.livre_le,
            "fin_fenetre": audit.fin_fenetre_t5,
            "prix": prix,
        },
        page="audit",
    )


def envoyer_rappels_t5(*, jour: date) -> Rapport:
    """Remind each audit due on ``jour``, once. Each audit is marked in its own transaction
    under a row lock, and its message is sent after the commit: two runs at the same time
    never send it twice. A message that fails to go is unmarked, to be sent on the next run;
    a member without any contact e-mail is not marked either (a contact added before the
    window closes still gets it)."""
    rapport = Rapport()
    audits = audits_a_rappeler(jour)
    prix = prix_audits_retenus([a.adhesion for a in audits]) if audits else {}
    for candidat in audits:
        with transaction.atomic():
            audit = (
                Audit.objects.select_for_update(skip_locked=True)
                .filter(pk=candidat.pk, rappel_t5_envoye_le__isnull=True)
                .first()
            )
            if audit is None:
                continue  # reminded meanwhile by another run
            audit.rappel_t5_envoye_le = jour
            audit.save(update_fields=["rappel_t5_envoye_le"])
        try:
            envoyes = notifications.envoyer([avis_rappel_t5(candidat, prix.get(audit.adhesion_id))])
        except OSError as erreur:  # SMTP failures are OSErrors: the next run tries again
            Audit.objects.filter(pk=audit.pk).update(rappel_t5_envoye_le=None)
            rapport.echecs.append((candidat, str(erreur)))
            continue
        if envoyes:
            rapport.envoyes.append(candidat)
        else:
            Audit.objects.filter(pk=audit.pk).update(rappel_t5_envoye_le=None)
            rapport.sans_destinataire.append(candidat)
    return rapport
