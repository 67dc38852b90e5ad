"""R1 — the bilan shows each member's inventory in figures with its transfers by the year's end
(A2, A3), and the disputes open during the year (art. 2.5)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from pilotage.bilan import bilan_annuel
from tarification import litiges
from tests.patrimoine import fabrique

pytestmark = pytest.mark.django_db


def test_R1_the_inventory_in_figures_and_the_transfers_by_the_years_end(membre):
    commune = membre(formule="socle_complet", date_effet=date(2023, 1, 1))
    fabrique.porter(
        fabrique.contrat(commune),
        debut=date(2024, 1, 1),
        fin=date(2024, 12, 31),
        montant=Decimal("2400.00"),
        le=date(2024, 3, 1),
    )
    fabrique.contrat(commune, objet="Téléphonie", niveau_service="niveau4")
    fabrique.transferer(fabrique.bien(commune), valeur=Decimal("4800.00"))
    (avant,) = bilan_annuel(2023).inventaires
    (apres,) = bilan_annuel(2024).inventaires
    assert (avant.nom, avant.biens, avant.contrats) == (commune.nom, 1, 2)
    assert (avant.biens_transferes, avant.contrats_portes) == (1, 0)
    assert (apres.biens_transferes, apres.contrats_portes) == (1, 1)


def test_R1_A4_the_disputes_open_during_the_year_are_in_the_bilan(client, agent_dsi, commune_a):
    litige = litiges.ouvrir_litige(
        commune=commune_a, objet="Frais de sortie contestés", ouvert_le=date(2025, 11, 2), par=None
    )
    litiges.ajouter_etape(litige=litige, nature="conciliation", le=date(2025, 12, 1), par=None)
    litiges.clore_litige(litige=litige, issue="accord", le=date(2026, 1, 15), par=None)
    assert [len(bilan_annuel(a).litiges) for a in (2024, 2025, 2026, 2027)] == [0, 1, 1, 0]
    client.force_login(agent_dsi)
    page = client.get(reverse("pilotage:bilan", args=[2026])).content.decode()
    assert "Frais de sortie contestés" in page
    assert "conciliation du 01/12/2025" in page and "accord amiable (15/01/2026)" in page
