"""The DSI's back office of audits, inventories and the register: every page opens, an audit is
recorded with its findings, its steps are not typed by hand, an état de sortie is read-only."""

from datetime import date

import pytest
from django.urls import reverse

from patrimoine.models import Audit

pytestmark = pytest.mark.django_db

MODELES = ["audit", "bien", "contrat", "transfertbien", "transfertcontrat", "etatdesortie"]


@pytest.fixture
def dsi(client, agent_dsi):
    client.force_login(agent_dsi)
    return client


@pytest.mark.parametrize("modele", MODELES)
def test_every_changelist_opens(dsi, modele):
    assert dsi.get(reverse(f"admin:patrimoine_{modele}_changelist")).status_code == 200


def test_an_audit_is_recorded_with_its_findings_and_its_steps_are_read_only(dsi, commune_a):
    reponse = dsi.post(
        reverse("admin:patrimoine_audit_add"),
        {
            "commune": commune_a.pk,
            "origine": "prealable",
            "demande_le": "2026-10-05",
            "demande_reference": "courrier du maire",
            "auditeur": "",
            "notes": "",
            "constats-TOTAL_FORMS": "1",
            "constats-INITIAL_FORMS": "0",
            "constats-0-axe": "organisation",
            "constats-0-ordre": "1",
            "constats-0-texte": "Pas de référent sécurité.",
            "preconisations-TOTAL_FORMS": "0",
            "preconisations-INITIAL_FORMS": "0",
            # A step typed here is ignored: only the acts record them.
            "livre_le": "2026-11-01",
        },
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    audit = Audit.objects.get()
    assert audit.livre_le is None and audit.statut == Audit.Statut.DEMANDE
    assert audit.constats.get().texte == "Pas de référent sécurité."
    page = dsi.get(reverse("admin:patrimoine_audit_change", args=[audit.pk])).content.decode()
    assert reverse("patrimoine:audit", args=[audit.pk]) in page


def test_an_etat_de_sortie_is_not_added_by_hand(dsi):
    assert dsi.get(reverse("admin:patrimoine_etatdesortie_add")).status_code == 403


def test_the_audit_search_by_adhesion_uses_autocomplete(dsi, membre):
    membre(formule="audit", date_effet=date(2026, 1, 1))
    page = dsi.get(reverse("admin:patrimoine_audit_add")).content.decode()
    assert "admin-autocomplete" in page
