"""What a member should put in next year's budget (art. 4.2.3: « inscrire le montant … dans le
budget »): its contribution of year N+1, computed by the campaign's own code path. The
population of N+1 is often not published yet when budgets are prepared (P1 never replaces it
by another year's for billing): the estimate then prices N+1's grid with this year's
population, and says so. An estimate, never a basis for a titre."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tarification import simulateur
from tarification.contribution import contributions

POPULATION_MANQUANTE = "population_manquante"


@dataclass(frozen=True)
class Estimation:
    annee: int
    total: Decimal | None  # None: no estimate (the reason is ``message``)
    message: str  # how it was obtained, or why there is none


def estimer_annee_suivante(commune, annee: int, courante=None) -> Estimation:
    """Next year's (``annee`` + 1) contribution of ``commune``: a fixed number of queries.
    ``courante``: this year's contribution when the caller has it already (saves its queries)."""
    suivante = annee + 1
    calcul = contributions(suivante, [commune]).get(commune.pk)
    if calcul is None or not calcul.adhesions:
        return Estimation(suivante, None, f"Aucune adhésion n'est en vigueur en {suivante}.")
    resultat = calcul.resultat
    if resultat.total is not None:
        return Estimation(
            suivante,
            resultat.total,
            f"Calculée selon le barème et la population en vigueur au 1er janvier {suivante}.",
        )
    bloquantes = [a for a in resultat.anomalies if a.bloquante]
    if {a.code for a in bloquantes} != {POPULATION_MANQUANTE}:
        return Estimation(suivante, None, " ".join(a.message for a in bloquantes))
    if courante is None:
        courante = contributions(annee, [commune]).get(commune.pk)
    if courante is None or courante.faits is None or courante.faits.population is None:
        return Estimation(
            suivante,
            None,
            f"Les populations {annee} et {suivante} manquent : la DSI les enregistre.",
        )
    formule = calcul.adhesions[-1].formule
    try:
        simulation = simulateur.simuler(
            population=courante.faits.population, formule=formule, annee=suivante
        )
    except (simulateur.BaremeManquant, ValueError) as exc:
        return Estimation(suivante, None, str(exc))
    return Estimation(
        suivante,
        simulation.resultat.total,
        f"À population {annee} constante ({courante.faits.population.valeur} hab.) : la "
        f"population {suivante} n'est pas encore connue.",
    )
