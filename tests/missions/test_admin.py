"""The DSI's back office for missions: time recorded inline, clear messages, warnings when a
member goes beyond its allowance (T6), list pages with a fixed number of queries."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from missions.models import Intervention, Mission

# T6 in *dotation individuelle* (allowances bill); volume partagé: tests/missions/test_volume.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dotation_individuelle")]


@pytest.fixture
def mission(membre, mission_factory):
    commune = membre(1200, nom="Saint-Perreux")  # allowance: 5 half-days
    return mission_factory(commune, debut=date(2025, 3, 1), fin=date(2025, 3, 31))


def _donnees_mission(mission, lignes):
    donnees = {
        "commune": mission.commune_id,
        "statut": mission.statut,
        "signee_le": mission.signee_le.isoformat(),
        "objet": mission.objet,
        "debut": mission.debut.isoformat(),
        "fin": mission.fin.isoformat(),
        "interventions-TOTAL_FORMS": str(len(lignes)),
        "interventions-INITIAL_FORMS": "0",
        "interventions-MIN_NUM_FORMS": "0",
        "interventions-MAX_NUM_FORMS": "1000",
    }
    for i, (jour, agent, demi_journees) in enumerate(lignes):
        donnees.update(
            {
                f"interventions-{i}-date": jour.isoformat(),
                f"interventions-{i}-agent": str(agent.pk),
                f"interventions-{i}-demi_journees": str(demi_journees),
                f"interventions-{i}-note": "",
            }
        )
    return donnees


def test_T6_recording_time_beyond_the_allowance_warns_at_once(client, agent, mission):
    client.force_login(agent)
    url = reverse("admin:missions_mission_change", args=[mission.pk])
    lignes = [(date(2025, 3, d), agent, 2) for d in (3, 4, 5)]  # 6 half-days for 5
    reponse = client.post(url, _donnees_mission(mission, lignes))
    assert reponse.status_code == 302, reponse.context["errors"] if reponse.context else ""
    assert Intervention.objects.filter(mission=mission).count() == 3
    messages = [str(m) for m in get_messages(reponse.wsgi_request)]
    assert any(
        m.startswith("Saint-Perreux a dépassé sa dotation 2025 : 6 demi-journées utilisées pour 5")
        for m in messages
    ), messages


def test_inline_refuses_more_than_a_day_for_one_agent_on_one_date(client, agent, mission):
    client.force_login(agent)
    url = reverse("admin:missions_mission_change", args=[mission.pk])
    lignes = [(date(2025, 3, 3), agent, 2), (date(2025, 3, 3), agent, 1)]
    reponse = client.post(url, _donnees_mission(mission, lignes))
    assert reponse.status_code == 200
    assert "Agent Missions : 3 demi-journées le 03/03/2025" in reponse.content.decode()
    assert not Intervention.objects.exists()


def test_inline_refuses_a_date_outside_the_mission_in_french(client, agent, mission):
    client.force_login(agent)
    url = reverse("admin:missions_mission_change", args=[mission.pk])
    reponse = client.post(url, _donnees_mission(mission, [(date(2025, 4, 2), agent, 1)]))
    assert reponse.status_code == 200
    assert "Le 02/04/2025 est hors des dates de la mission (du 01/03/2025 au 31/03/2025)" in (
        reponse.content.decode()
    )
    assert not Intervention.objects.exists()


def test_new_mission_with_time_in_one_go_is_validated_against_its_own_dates(client, agent, mission):
    client.force_login(agent)
    nouvelle = Mission(
        commune=mission.commune,
        objet="Audit de sécurité",
        debut=date(2025, 5, 1),
        fin=date(2025, 5, 31),
        statut=Mission.Statut.SIGNEE,
        signee_le=date(2025, 4, 20),
    )
    donnees = _donnees_mission(nouvelle, [(date(2025, 6, 2), agent, 1)])
    reponse = client.post(reverse("admin:missions_mission_add"), donnees)
    assert reponse.status_code == 200
    assert "est hors des dates de la mission (du 01/05/2025 au 31/05/2025)" in (
        reponse.content.decode()
    )
    assert Mission.objects.count() == 1


def test_intervention_admin_warns_when_the_allowance_is_used_up(client, agent, mission):
    client.force_login(agent)
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 3), agent=agent, demi_journees=2
    )
    Intervention.objects.create(
        mission=mission, date=date(2025, 3, 4), agent=agent, demi_journees=2
    )
    reponse = client.post(
        reverse("admin:missions_intervention_add"),
        {"mission": mission.pk, "date": "2025-03-05", "agent": agent.pk, "demi_journees": 1},
    )
    assert reponse.status_code == 302
    messages = [str(m) for m in get_messages(reponse.wsgi_request)]
    assert any(
        "Saint-Perreux a utilisé toute sa dotation 2025 (5 demi-journées)" in m for m in messages
    )


@pytest.mark.parametrize("nombre", [2, 30])
def test_admin_lists_query_count_does_not_grow(
    client, agent, membre, saisir, django_assert_num_queries, nombre
):
    for _ in range(nombre):
        saisir(membre(1200), 2025, 3)
    client.force_login(agent)
    # (12: the agent's permissions come from his role's group, one query more than his own)
    for nom, attendu in [("mission", 12), ("intervention", 12)]:
        url = reverse(f"admin:missions_{nom}_changelist")
        client.get(url)
        with django_assert_num_queries(attendu):
            assert client.get(url).status_code == 200


def test_mission_admin_links_to_the_pdf(client, agent, mission):
    client.force_login(agent)
    reponse = client.get(reverse("admin:missions_mission_change", args=[mission.pk]))
    assert reverse("missions:lettre_pdf", args=[mission.pk]) in reponse.content.decode()
