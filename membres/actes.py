"""Business acts on adhésions (keyword-only functions named after the act, one transaction)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from membres.models import Adhesion, Population
from outils.dates import veille
from outils.historique import autoriser_correction


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


def _corriger(objet, *, motif: str, par, valeurs: dict):
    """A correction act (P1 revised): the only way to change the priced fields of a row that
    priced issued titres. The reason and the author are kept in the row's history; the next
    campaign bills the difference (titre complémentaire or réduction, B4); issued titres keep
    their own snapshot of the bases."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Indiquez le motif de la correction."})
    if par is None:
        raise ValidationError("Une correction a un auteur.")
    for champ, valeur in valeurs.items():
        if champ not in {c.removesuffix("_id") for c in type(objet).CHAMPS_FIGES}:
            raise ValueError(f"{champ} n'est pas corrigé par cet acte")
        setattr(objet, champ, valeur)
    objet.full_clean()
    objet._acte_correction = True
    objet._change_reason = f"Correction : {motif}"
    objet._history_user = par
    with autoriser_correction():
        objet.save()
    return objet


@transaction.atomic
def corriger_population(*, population: Population, motif: str, par, **valeurs) -> Population:
    """P1 (revised): correct a population (``valeur``, ``millesime``, ``nature``), with its
    reason and author."""
    population = Population.objects.select_for_update().get(pk=population.pk)
    return _corriger(population, motif=motif, par=par, valeurs=valeurs)


@transaction.atomic
def corriger_adhesion(*, adhesion: Adhesion, motif: str, par, **valeurs) -> Adhesion:
    """P1, M2: correct the priced facts of an adhésion (``formule``, ``date_effet``), with its
    reason and author."""
    adhesion = Adhesion.objects.select_for_update().get(pk=adhesion.pk)
    return _corriger(adhesion, motif=motif, par=par, valeurs=valeurs)
