"""Business acts on adhésions (keyword-only functions named after the act, one transaction)."""

from datetime import date

from django.db import transaction

from membres.models import Adhesion
from outils.dates import veille


@transaction.atomic
def changer_formule(
    *, adhesion: Adhesion, formule: str, date_effet: date, decision_numero: str, decision_date: date
) -> Adhesion:
    """M2: a change of choice is a simple décision and a NEW adhesion record; the previous one
    ends the day before (its history is kept, never overwritten)."""
    adhesion = Adhesion.objects.select_for_update().get(pk=adhesion.pk)
    adhesion.dernier_jour = veille(date_effet)
    adhesion.motif_fin = Adhesion.MotifFin.CHANGEMENT
    adhesion.full_clean()
    adhesion.save()
    nouvelle = Adhesion(
        commune=adhesion.commune,
        formule=formule,
        deliberation_numero=adhesion.deliberation_numero,
        deliberation_date=adhesion.deliberation_date,
        signature_membre_le=adhesion.signature_membre_le,
        signature_epci_le=adhesion.signature_epci_le,
        decision_numero=decision_numero,
        decision_date=decision_date,
        precedente=adhesion,
        date_effet=date_effet,
    )
    nouvelle.full_clean()
    nouvelle.save()
    return nouvelle


@transaction.atomic
def resilier(
    *, adhesion: Adhesion, notifiee_le: date, date_convenue: date | None = None
) -> Adhesion:
    """M4: résiliation notified by registered letter; the last day is computed by the model
    (notification + 12 months − 1 day, or the date agreed in writing)."""
    adhesion = Adhesion.objects.select_for_update().get(pk=adhesion.pk)
    adhesion.resiliation_notifiee_le = notifiee_le
    adhesion.resiliation_date_convenue = date_convenue
    adhesion.full_clean()
    adhesion.save()
    return adhesion
