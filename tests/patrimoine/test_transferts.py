"""A2, A3 — the inventory and the register of transfers: only for a member with the socle
complet, only mutualisable items of service levels 2 and 3, after a recorded study."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patrimoine import actes
from patrimoine.models import Contrat, TransfertBien, TransfertContrat
from tests.patrimoine import fabrique

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def socle(membre):
    return membre(formule="socle_complet", date_effet=date(2023, 1, 1))


def test_A3_a_mutualisable_contract_of_level_2_is_taken_over_by_the_epci(socle):
    contrat = fabrique.contrat(socle)
    transfert = fabrique.porter(
        contrat, debut=date(2023, 1, 1), fin=date(2023, 12, 31), montant=D("2400.00")
    )
    assert transfert.porte_par_epci and transfert.decision == "décision n° 2023-45 du 15/02/2023"
    assert contrat.transfert == transfert


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        (
            {"niveau_service": "niveau4"},
            "seuls les biens et contrats des niveaux de service 2 et 3",
        ),
        ({"niveau_service": "hors_socle"}, "niveaux de service 2 et 3"),
        ({"mutualisable": False}, "n'est pas mutualisable"),
    ],
)
def test_A3_only_mutualisable_items_of_levels_2_and_3_are_transferred(socle, champs, message):
    contrat = fabrique.contrat(socle, **champs)
    with pytest.raises(ValidationError, match=message):
        fabrique.porter(contrat, debut=date(2023, 1, 1), fin=date(2023, 12, 31), montant=D("1"))
    assert not TransfertContrat.objects.exists()


def test_A3_only_a_member_with_the_socle_complet_on_the_transfer_date(membre):
    groupement = membre(formule="groupement", date_effet=date(2023, 1, 1))
    objet = fabrique.bien(groupement)
    with pytest.raises(ValidationError, match="n'a pas le socle complet en vigueur le 01/03/2023"):
        fabrique.transferer(objet, valeur=D("4800.00"))
    tardif = membre(formule="socle_complet", date_effet=date(2024, 1, 1))
    with pytest.raises(ValidationError, match="socle complet en vigueur"):
        fabrique.transferer(fabrique.bien(tardif), valeur=D("4800.00"))
    assert not TransfertBien.objects.exists()


def test_A3_the_study_comes_first(socle):
    with pytest.raises(ValidationError, match="L'étude précède le transfert"):
        fabrique.porter(
            fabrique.contrat(socle),
            debut=date(2023, 1, 1),
            fin=date(2023, 12, 31),
            montant=D("1"),
            etude_le=date(2023, 3, 2),
        )


def test_A3_a_contract_borne_by_the_epci_has_its_decision_period_and_price(socle):
    contrat = fabrique.contrat(socle)
    with pytest.raises(ValidationError) as erreur:
        actes.enregistrer_sort_contrat(
            contrat=contrat,
            par=None,
            sort=TransfertContrat.Sort.CONCLU,
            le=date(2023, 3, 1),
            etude_le=date(2023, 2, 1),
            etude_conclusion="Étude",
        )
    assert set(erreur.value.message_dict) >= {
        "decision_numero",
        "periode_debut",
        "periode_fin",
        "montant_periode",
    }


def test_A3_a_contract_terminated_by_the_member_then_in_transition_keeps_its_history(socle):
    contrat = fabrique.contrat(socle, fin=date(2023, 12, 31))
    commun = {"etude_le": date(2023, 2, 1), "etude_conclusion": "Étude", "le": date(2023, 3, 1)}
    with pytest.raises(ValidationError, match="prend fin"):
        actes.enregistrer_sort_contrat(
            contrat=contrat, par=None, sort=TransfertContrat.Sort.DENONCE, **commun
        )
    actes.enregistrer_sort_contrat(
        contrat=contrat,
        par=None,
        sort=TransfertContrat.Sort.TRANSITION,
        fin_transition_prevue=date(2023, 12, 31),
        **commun,
    )
    transfert = actes.enregistrer_sort_contrat(
        contrat=contrat,
        par=None,
        sort=TransfertContrat.Sort.DENONCE,
        prend_fin_le=date(2023, 12, 31),
        **commun,
    )
    assert not transfert.porte_par_epci
    assert [h.sort for h in transfert.history.order_by("history_date")] == [
        "transition",
        "denonce",
    ]
    assert TransfertContrat.objects.count() == 1


def test_A2_the_notice_gives_the_last_day_to_terminate_a_contract(socle):
    contrat = fabrique.contrat(socle, fin=date(2027, 12, 31), preavis_mois=3)
    assert contrat.denoncer_avant_le == date(2027, 9, 30)
    sans = fabrique.contrat(socle, objet="Autre", fin=None)
    assert sans.denoncer_avant_le is None


def test_A3_the_epci_bears_the_depreciation_from_the_transfer(socle):
    transfert = fabrique.transferer(fabrique.bien(socle), valeur=D("4800.00"), duree=5)
    assert transfert.fin_amortissement == date(2028, 2, 29)
    assert transfert.valeur_restante(date(2027, 3, 9)).montant == D("937.93")


def test_A2_an_inventory_item_belongs_to_its_members_audit_and_asset(socle, membre):
    autre = membre()
    objet = fabrique.bien(autre)
    with pytest.raises(ValidationError, match="n'est pas à l'inventaire de cette commune"):
        fabrique.contrat(socle, bien=objet)
    with pytest.raises(ValidationError, match="figure déjà"):
        fabrique.contrat(socle)
        fabrique.contrat(socle)
    assert Contrat.objects.count() == 1


def test_A3_the_admin_refuses_a_transfer_with_the_rules_message(client, agent_dsi, membre):
    commune = membre(formule="groupement", date_effet=date(2023, 1, 1))
    contrat = fabrique.contrat(commune)
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("admin:patrimoine_transfertcontrat_add"),
        {
            "contrat": contrat.pk,
            "etude_le": "2023-02-01",
            "etude_conclusion": "Étude",
            "sort": "repris",
            "le": "2023-03-01",
            "decision_numero": "2023-45",
            "decision_date": "2023-02-15",
            "periode_debut": "2023-01-01",
            "periode_fin": "2023-12-31",
            "montant_periode": "2400",
            "a_la_sortie": "rembourse",
        },
    )
    assert reponse.status_code == 200
    assert "socle complet en vigueur le 01/03/2023" in reponse.content.decode()
    assert not TransfertContrat.objects.exists()
