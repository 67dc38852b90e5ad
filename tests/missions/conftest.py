"""Fixtures of the niveau 1 tests: members with a population and a formula, signed missions,
and time recorded in half-days (one entry per day, as the model requires)."""

from datetime import date, timedelta

import pytest


@pytest.fixture
def agent(django_user_model):
    """A DSI agent who manages missions (the « DSI » role)."""
    from securite.roles import DSI
    from tests.conftest import avec_role

    user = django_user_model.objects.create_user(
        "agent-missions", is_staff=True, first_name="Agent", last_name="Missions"
    )
    return avec_role(user, DSI)


@pytest.fixture
def membre(commune_factory, adhesion_factory, population_factory):
    """A member with `population` inhabitants in force for `annees` and a formula from
    `date_effet` (socle complet by default)."""

    def creer(
        population,
        formule="socle_complet",
        annees=(2024, 2025, 2026),
        date_effet=date(2024, 1, 1),
        **kwargs,
    ):
        commune = commune_factory(**kwargs)
        adhesion_factory(commune, formule=formule, date_effet=date_effet)
        for annee in annees:
            population_factory(commune, annee, population)
        return commune

    return creer


@pytest.fixture
def mission_factory(db):
    from missions.models import Mission

    def creer(commune, debut=date(2025, 1, 1), fin=date(2025, 12, 31), **kwargs):
        valeurs = {
            "objet": "Assistance à maîtrise d'ouvrage",
            "statut": Mission.Statut.SIGNEE,
            "signee_le": debut - timedelta(days=7),
        }
        valeurs.update(kwargs)
        mission = Mission(commune=commune, debut=debut, fin=fin, **valeurs)
        mission.full_clean()
        mission.save()
        return mission

    return creer


@pytest.fixture
def saisir(mission_factory, agent):
    """Record `demi_journees` half-days for `commune` in `annee`, one entry per day (full days,
    a half-day last if odd), on a mission of that year. Returns the mission."""
    from missions.models import Intervention

    prochain_jour = {}  # (agent, year) → first day without an entry for that agent

    def creer(commune, annee, demi_journees, mission=None, par=None):
        par = par or agent
        mission = mission or mission_factory(
            commune, debut=date(annee, 1, 1), fin=date(annee, 12, 31)
        )
        entrees, reste = [], demi_journees
        jour = prochain_jour.get((par.pk, annee), max(date(annee, 1, 1), mission.debut))
        while reste > 0:
            quantite = min(2, reste)
            entrees.append(
                Intervention(mission=mission, date=jour, agent=par, demi_journees=quantite)
            )
            reste -= quantite
            jour += timedelta(days=1)
        prochain_jour[(par.pk, annee)] = jour
        for entree in entrees:
            entree.full_clean()
        Intervention.objects.bulk_create(entrees)
        return mission

    return creer
