"""T6 (revised) — niveau 1 in *volume partagé*, the default mode of the grid: nothing is billed
while the socle complet members' half-days of the year stay within 117 days; past the pool, each
half-day is billed to its member, by intervention date then entry order. And the complement of
diagnostic of a member without socle complet (art. 4.1 (*)), billed from the first."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from missions.dotations import Etat, Niveau, bilan_niveau1
from missions.models import Intervention
from missions.volume import saisies_du_volume_qs
from tarification.contribution import contribution, contributions, etat_du_volume

pytestmark = pytest.mark.django_db
D = Decimal


def _montants(commune, annee=2025):
    return {ligne.code: ligne.montant for ligne in contribution(commune, annee).resultat.lignes}


def _saisie(mission, jour, agent, demi_journees=2):
    intervention = Intervention(
        mission=mission, date=jour, agent=agent, demi_journees=demi_journees
    )
    intervention.full_clean()
    intervention.save()
    return intervention


@pytest.fixture
def volume_presque_plein(membre, saisir):
    """18 socle complet members with 13 half-days each in 2025: 234, the whole pool."""
    communes = [membre(5000, nom=f"Membre {i:02d}") for i in range(18)]
    for commune in communes:
        saisir(commune, 2025, 13)
    return communes


def test_T6_volume_partage_billed_from_the_first_half_day_past_the_pool_and_not_before(
    membre, saisir, mission_factory, agent, volume_presque_plein
):
    # 234 half-days: the pool is used up exactly, nothing is billed, whatever the shares (13).
    assert etat_du_volume(2025).etat.utilisees == 234
    assert all(_montants(c) == {"socle_complet": D("10000.00")} for c in volume_presque_plein)
    dernier = membre(1200, nom="Dernier")  # a share of 5, not used at all
    mission = mission_factory(dernier, debut=date(2025, 12, 1), fin=date(2025, 12, 31))
    _saisie(mission, date(2025, 12, 15), agent, demi_journees=1)

    # Its very first half-day is past the pool: billed to it, and to nobody else.
    assert _montants(dernier)["niveau1_demi_journees"] == D("200.00")
    assert all("niveau1_demi_journees" not in _montants(c) for c in volume_presque_plein)
    solde = bilan_niveau1(2025).solde(dernier)
    assert solde.etat == Etat.FACTUREE and solde.au_dela == 1
    assert "à partir du 15/12/2025" in solde.base
    pool = bilan_niveau1(2025).pool
    assert (pool.utilisees, pool.consommees, pool.au_dela) == (235, 234, 1)
    assert pool.epuise


def test_T6_volume_partage_order_is_the_intervention_date_then_the_entry(
    membre, mission_factory, agent, django_user_model, volume_presque_plein
):
    a, b = membre(2355, nom="A"), membre(2355, nom="B")
    autre = django_user_model.objects.create_user("autre-agent", is_staff=True)
    mission_a = mission_factory(a, debut=date(2025, 6, 1), fin=date(2025, 12, 31))
    mission_b = mission_factory(b, debut=date(2025, 6, 1), fin=date(2025, 12, 31))
    # Recorded first but done later: B's entry of 20/12 comes after A's entry of 10/12.
    _saisie(mission_b, date(2025, 12, 20), agent)
    _saisie(mission_a, date(2025, 12, 10), autre)
    assert _montants(a)["niveau1_demi_journees"] == D("400.00")
    assert _montants(b)["niveau1_demi_journees"] == D("400.00")
    # Same day: the entry recorded first comes first. The pool is already used up, so both
    # are billed; the place of each is its "avant", read by the database for all members.
    lignes = list(saisies_du_volume_qs(2025, [a.pk, b.pk]))
    assert [(commune, avant) for commune, _, _, avant in lignes] == [(a.pk, 234), (b.pk, 236)]


def test_T6_volume_partage_an_entry_moved_earlier_changes_who_is_billed(
    membre, mission_factory, agent, volume_presque_plein
):
    premier = volume_presque_plein[0]
    tard = membre(2355, nom="Tardif")
    mission = mission_factory(tard, debut=date(2025, 1, 1), fin=date(2025, 12, 31))
    entree = _saisie(mission, date(2025, 12, 30), agent)
    assert _montants(tard)["niveau1_demi_journees"] == D("400.00")
    # Moved to 1 January, before every other entry: it is free, and the last entries of the
    # year (the 18th member's) now pass the pool.
    entree.date = date(2025, 1, 1)
    entree.save()
    assert "niveau1_demi_journees" not in _montants(tard)
    factures = {c.pk: _montants(c).get("niveau1_demi_journees") for c in volume_presque_plein}
    assert sum(m for m in factures.values() if m) == D("400.00")
    assert factures[premier.pk] is None


def test_T6_volume_partage_named_communes_and_the_whole_campaign_read_the_same_lines(
    membre, saisir, volume_presque_plein
):
    extra = membre(5000, nom="Extra")
    saisir(extra, 2025, 3)
    toutes = contributions(2025)
    for commune in [*volume_presque_plein[-2:], extra]:
        assert contribution(commune, 2025).resultat == toutes[commune.pk].resultat
    assert toutes[extra.pk].resultat.lignes[-1].montant == D("600.00")


def test_T6_volume_partage_shares_guide_the_sharing_without_billing(membre, saisir):
    commune = membre(1200, nom="Saint-Perreux")  # a share of 5
    saisir(commune, 2025, 9)
    solde = bilan_niveau1(2025).solde(commune)
    assert solde.etat == Etat.DEPASSEE and solde.montant == 0 and solde.au_dela == 0
    messages = [a for a in bilan_niveau1(2025).alertes if a.commune_id == commune.pk]
    assert [(a.niveau, a.message) for a in messages] == [
        (
            Niveau.AVERTISSEMENT,
            "Saint-Perreux a dépassé sa part indicative 2025 (9 demi-journées pour 5) : rien "
            "n'est facturé tant que le volume partagé n'est pas épuisé (T6, volume partagé).",
        )
    ]


def test_T6_diagnostic_before_a_socle_complet_starting_later_that_year_is_still_billed(
    membre, mission_factory, saisir
):
    """The issue's case: a diagnostic done in spring, the socle complet from September; its
    half-days used to be absorbed by the socle complet's allowance (0 €)."""
    from membres.actes import changer_formule
    from membres.models import Adhesion

    commune = membre(2283, formule="annexe_complet", date_effet=date(2025, 3, 1), nom="Fégréac")
    diagnostic = mission_factory(
        commune, debut=date(2025, 4, 1), fin=date(2025, 6, 30), diagnostic=True
    )
    saisir(commune, 2025, 4, mission=diagnostic)
    changer_formule(
        adhesion=Adhesion.objects.get(commune=commune),
        formule="socle_complet",
        date_effet=date(2025, 9, 1),
        decision_numero="D-2025-9",
        decision_date=date(2025, 8, 1),
    )
    saisir(commune, 2025, 2)  # after September, on another mission: in the pool

    assert _montants(commune) == {
        "socle_complet": D("5424.50"),
        "niveau1_diagnostic": D("800.00"),
    }
    solde = bilan_niveau1(2025).solde(commune)
    assert solde.socle_complet and solde.diagnostic == 4 and solde.dans_le_volume == 2
    assert etat_du_volume(2025).etat.utilisees == 2  # the diagnostic is outside the pool


def test_T6_missions_page_says_the_mode_and_the_pools_use(client, agent, membre, saisir):
    commune = membre(2355)
    saisir(commune, 2025, 10)
    client.force_login(agent)
    reponse = client.get(reverse("missions:dotations"), {"annee": 2025})
    texte = reponse.content.decode()
    assert "Mode de facturation : volume partagé" in texte
    assert "5 j</span> sur 117 jours" in texte.replace("\u00a0", " ")
    assert "(10 / 234 demi-journées)" in texte
    assert "Fixé par : convention de service commun (version 2, septembre 2022)" in texte
