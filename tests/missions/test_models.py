"""Lettres de mission (art. 3.2.3) and time entries: validation with clear French messages,
invariants held by the database, history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from missions.models import Intervention, Mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(membre):
    return membre(2355, nom="Sainte-Marie")


@pytest.fixture
def mission(commune, mission_factory):
    return mission_factory(commune, debut=date(2025, 3, 1), fin=date(2025, 3, 31))


def _erreurs(objet) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        objet.full_clean()
    return exc.value.message_dict


@pytest.mark.parametrize("demi_journees", [0, -1])
def test_T6_no_zero_or_negative_half_days(mission, agent, demi_journees):
    intervention = Intervention(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=demi_journees
    )
    assert "Une intervention compte au moins une demi-journée." in " ".join(
        _erreurs(intervention)["demi_journees"]
    )


def test_T6_one_entry_is_at_most_one_day(mission, agent):
    intervention = Intervention(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=3
    )
    assert _erreurs(intervention)["demi_journees"] == [
        "Une journée compte deux demi-journées : saisissez une intervention par jour."
    ]


@pytest.mark.parametrize("jour", [date(2025, 2, 28), date(2025, 4, 1)])
def test_no_entry_outside_the_missions_dates(mission, agent, jour):
    intervention = Intervention(mission=mission, date=jour, agent=agent, demi_journees=1)
    assert _erreurs(intervention)["date"] == [
        f"Le {jour:%d/%m/%Y} est hors des dates de la mission (du 01/03/2025 au 31/03/2025) : "
        "corrigez la date ou prolongez la mission."
    ]


def test_entries_on_the_first_and_last_day_are_accepted(mission, agent):
    for jour in [date(2025, 3, 1), date(2025, 3, 31)]:
        Intervention(mission=mission, date=jour, agent=agent, demi_journees=2).full_clean()


def test_open_ended_mission_accepts_any_later_date_of_a_member_year(
    commune, mission_factory, agent
):
    mission = mission_factory(commune, debut=date(2025, 3, 1), fin=None)
    Intervention(mission=mission, date=date(2026, 6, 1), agent=agent, demi_journees=1).full_clean()


def test_no_time_on_a_draft_lettre_de_mission(commune, mission_factory, agent):
    brouillon = mission_factory(commune, statut=Mission.Statut.BROUILLON, signee_le=None)
    intervention = Intervention(
        mission=brouillon, date=date(2025, 3, 3), agent=agent, demi_journees=1
    )
    assert _erreurs(intervention)["mission"] == [
        "La lettre de mission est encore un brouillon : faites-la signer avant d'y saisir du temps."
    ]


def test_no_time_in_a_year_without_adhesion(commune, mission_factory, agent):
    # The member joined on 01/01/2024: half-days of 2023 could never be billed.
    mission = mission_factory(commune, debut=date(2023, 6, 1), fin=date(2024, 6, 30))
    intervention = Intervention(
        mission=mission, date=date(2023, 9, 1), agent=agent, demi_journees=1
    )
    assert _erreurs(intervention)["date"] == [
        "Sainte-Marie n'a aucune adhésion en vigueur en 2023 : ces demi-journées ne pourraient "
        "pas être facturées."
    ]


def test_only_dsi_staff_record_time(mission, secretaire_a):
    intervention = Intervention(
        mission=mission, date=date(2025, 3, 3), agent=secretaire_a, demi_journees=1
    )
    errors = _erreurs(intervention)
    assert "agent" in errors


def test_an_agent_cannot_record_more_than_a_day_on_one_date(mission, agent):
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=1
    )
    intervention = Intervention(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=2
    )
    assert _erreurs(intervention)["demi_journees"] == [
        "Agent Missions a déjà 1 demi-journée(s) saisie(s) le 03/03/2025 : une journée n'en "
        "compte que deux."
    ]
    intervention.demi_journees = 1
    intervention.full_clean()


def test_database_refuses_zero_and_more_than_two_half_days(mission, agent):
    for valeur in [0, 3]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Intervention.objects.create(
                mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=valeur
            )


def test_signed_lettre_needs_its_signature_date(commune):
    mission = Mission(
        commune=commune,
        objet="Audit",
        debut=date(2025, 1, 1),
        statut=Mission.Statut.SIGNEE,
    )
    assert "signee_le" in _erreurs(mission)
    with pytest.raises(IntegrityError), transaction.atomic():
        mission.save()


def test_mission_end_before_start_is_refused(commune):
    mission = Mission(commune=commune, objet="Audit", debut=date(2025, 3, 1), fin=date(2025, 2, 1))
    assert _erreurs(mission)["fin"] == ["La fin de la mission ne peut précéder son début."]


def test_shortening_a_mission_cannot_strand_recorded_time(mission, agent):
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 20), agent=agent, demi_journees=2
    )
    mission.fin = date(2025, 3, 15)
    assert _erreurs(mission)["fin"] == [
        "Des demi-journées sont déjà saisies hors de ces dates (la première le 20/03/2025) : "
        "corrigez-les d'abord."
    ]


def test_mission_with_time_cannot_go_back_to_draft(mission, agent):
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=2
    )
    mission.statut = Mission.Statut.BROUILLON
    assert "statut" in _erreurs(mission)


def test_mission_with_time_cannot_change_member(mission, agent, commune_factory):
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=2
    )
    mission.commune = commune_factory()
    assert "commune" in _erreurs(mission)


def test_reference_and_total(mission, agent):
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=2
    )
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 4), agent=agent, demi_journees=1
    )
    assert mission.reference == f"LM-2025-{mission.pk:04d}"
    assert mission.demi_journees() == 3


def test_time_entries_keep_their_history(mission, agent):
    intervention = Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=1, note="Lancement"
    )
    intervention.demi_journees = 2
    intervention.save()
    assert [h.demi_journees for h in intervention.history.order_by("history_date")] == [1, 2]
