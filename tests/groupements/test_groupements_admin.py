"""The back office of the groupements: pages, inlines frozen after the launch, step actions."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from groupements.models import AdhesionGroupement, Groupement

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_dsi(client, agent_dsi):
    client.force_login(agent_dsi)
    return client


def test_admin_pages(groupement_lance, admin_client_dsi, agent_dsi):
    groupement, (redon, *_) = groupement_lance
    for url in [
        reverse("admin:groupements_groupement_changelist"),
        reverse("admin:groupements_groupement_change", args=[groupement.pk]),
        reverse("admin:groupements_groupement_add"),
        reverse("admin:groupements_adhesiongroupement_changelist"),
        reverse("admin:groupements_adhesiongroupement_change", args=[redon.pk]),
        reverse("admin:groupements_besoin_changelist"),
        reverse("admin:groupements_repartition_changelist"),
        reverse("admin:groupements_groupement_history", args=[groupement.pk]),
    ]:
        assert admin_client_dsi.get(url).status_code == 200, url


def test_G8_needs_read_only_after_launch(groupement_lance, admin_client_dsi):
    _, (redon, *_) = groupement_lance
    page = admin_client_dsi.get(
        reverse("admin:groupements_adhesiongroupement_change", args=[redon.pk])
    )
    formset = page.context["inline_admin_formsets"][0]
    assert not formset.has_add_permission and not formset.has_change_permission
    assert not formset.has_delete_permission


def test_G4_admin_action_with_a_date(groupement_factory, membre_eligible, agir, admin_client_dsi):
    groupement = groupement_factory()
    agir.besoins(agir.adherer(groupement, membre_eligible()), D("10.00"))
    url = reverse("admin:groupements_groupement_changelist")
    donnees = {"action": "passer_recensement", ACTION_CHECKBOX_NAME: [groupement.pk]}
    page = admin_client_dsi.post(url, donnees)
    assert page.status_code == 200 and "Ouvrir le recensement des besoins" in page.content.decode()
    admin_client_dsi.post(url, {**donnees, "appliquer": "1", "le": "2025-02-01"})
    groupement.refresh_from_db()
    assert (groupement.etape, groupement.recensement_ouvert_le) == ("recensement", date(2025, 2, 1))

    # A refused step shows the rule's message, nothing changes.
    reponse = admin_client_dsi.post(
        url,
        {
            "action": "passer_attribution",
            ACTION_CHECKBOX_NAME: [groupement.pk],
            "appliquer": "1",
            "le": "2025-03-01",
        },
        follow=True,
    )
    assert "l&#x27;étape suivante ne peut être que" in reponse.content.decode()
    assert Groupement.objects.get().etape == "recensement"


def test_G1_adding_a_member_in_the_admin_checks_eligibility(
    groupement_factory, membre_eligible, admin_client_dsi
):
    groupement = groupement_factory(objet="GTC")
    commune = membre_eligible(formule="audit", nom="Les Fougerêts")
    url = reverse("admin:groupements_adhesiongroupement_add")
    reponse = admin_client_dsi.post(
        url, {"groupement": groupement.pk, "commune": commune.pk, "adhere_le": "2025-02-01"}
    )
    assert reponse.status_code == 200
    assert "Les Fougerêts ne peut pas adhérer" in reponse.content.decode()
    assert not AdhesionGroupement.objects.exists()
