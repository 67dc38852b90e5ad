"""Demo data of the groupements: built through the acts on membres/demo.py's adhésions."""

from decimal import Decimal

import pytest

from groupements.models import AdhesionGroupement, Besoin, Groupement
from membres.models import Adhesion

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    from demo import groupements as groupements_demo
    from demo import membres as membres_demo

    membres_demo.charger()
    groupements_demo.charger()
    return groupements_demo


def test_demo_idempotent_and_compliant_with_the_rules(demo):
    avant = (Groupement.objects.count(), AdhesionGroupement.objects.count(), Besoin.objects.count())
    demo.charger()
    assert (
        Groupement.objects.count(),
        AdhesionGroupement.objects.count(),
        Besoin.objects.count(),
    ) == avant
    assert avant[0] == 2

    telephonie = Groupement.objects.get(centrale_achat="RESAH")
    assert telephonie.etape == "execution"
    assert telephonie.marches.get().reference == "DEMO-2025-TEL"
    membres = {
        a.nom_membre for a in telephonie.adhesions.select_related("commune", "etablissement")
    }
    assert {"Redon", "CCAS de Redon (Redon)", "Pipriac", "Allaire"} <= membres
    # G1: every member had a formula allowing it on the day it joined.
    for adhesion in AdhesionGroupement.objects.all():
        formule = Adhesion.objects.formules_le([adhesion.commune_id], adhesion.adhere_le)[
            adhesion.commune_id
        ]
        assert formule in ("socle_complet", "groupement", "annexe_complet")
    redon = telephonie.adhesions.get(commune__code_insee="35236", etablissement__isnull=True)
    # 85 × 576 + 10 × 384 + 60 × 250 + 95 × 96 (indicative prices of the postes).
    assert redon.total_besoins() == Decimal("76920.00")

    gtc = Groupement.objects.get(categorie="gtc")
    assert gtc.etape == "recensement" and not gtc.est_lance
    assert gtc.adhesions.filter(besoins__isnull=True, besoins_qualitatifs="").count() == 2


def test_demo_dashboard(demo, client, agent_dsi):
    from django.urls import reverse

    client.force_login(agent_dsi)
    for groupement in Groupement.objects.all():
        reponse = client.get(reverse("groupements:tableau_de_bord", args=[groupement.pk]))
        assert reponse.status_code == 200
        assert "plus éligible" not in reponse.content.decode()
