"""T6 — niveau 1 allowances, half-days beyond them, members without the socle complet, the
shared pool (art. 3.2.2, 4.1, 7.1.1)."""

from datetime import date
from decimal import Decimal

import pytest

from membres.models import TarifDerogatoire
from missions.dotations import Etat, Niveau, bilan_niveau1
from missions.volume import demi_journees_par_commune
from tarification.contribution import contribution
from tarification.textes import texte_base

# T6 in *dotation individuelle* (allowances bill); volume partagé: tests/missions/test_volume.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dotation_individuelle")]

# (population, allowance in half-days): 2,5 / 4,5 / 6,5 days (decision T6, P2's boundaries).
TRANCHES = [(1499, 5), (1500, 9), (2999, 9), (3000, 13), (8000, 13)]


def _ligne_niveau1(commune, annee):
    lignes = contribution(commune, annee).resultat.lignes
    return next((ligne for ligne in lignes if ligne.code == "niveau1_demi_journees"), None)


@pytest.mark.parametrize(("population", "dotation"), TRANCHES)
def test_T6_allowance_follows_the_bracket_of_the_year(membre, population, dotation):
    commune = membre(population)
    solde = bilan_niveau1(2025).solde(commune)
    assert solde.dotation == dotation
    assert solde.dotation_jours == Decimal(dotation) / 2
    assert solde.restantes == dotation
    assert solde.etat == Etat.DISPONIBLE


@pytest.mark.parametrize(("population", "dotation"), [(1200, 5), (2355, 9), (5000, 13)])
@pytest.mark.parametrize("ecart", [-1, 0, 1, 2])
def test_T6_at_and_around_the_allowance(membre, saisir, population, dotation, ecart):
    commune = membre(population)
    utilisees = dotation + ecart
    saisir(commune, 2025, utilisees)

    solde = bilan_niveau1(2025).solde(commune)

    au_dela = max(0, ecart)
    assert solde.utilisees == utilisees
    assert solde.au_dela == au_dela
    assert solde.restantes == max(0, -ecart)
    assert solde.montant == Decimal(200 * au_dela)
    assert solde.etat == {-1: Etat.DISPONIBLE, 0: Etat.EPUISEE}.get(ecart, Etat.DEPASSEE)
    # The page shows exactly what the titre of the campaign will bill (same line).
    ligne = _ligne_niveau1(commune, 2025)
    if au_dela:
        assert ligne == solde.ligne
        assert ligne.montant == Decimal(200 * au_dela)
        assert ligne.base.quantite == au_dela
        assert f"utilisées {utilisees}, au-delà {au_dela}" in texte_base(ligne.base)
    else:
        assert ligne is None
        assert solde.ligne is None


def test_T6_extra_half_days_become_a_line_of_the_N_plus_1_titre_with_its_basis(membre, saisir):
    commune = membre(2355)
    saisir(commune, 2024, 12)  # 4,5 days = 9 half-days, 3 beyond

    ligne = _ligne_niveau1(commune, 2024)

    assert ligne.montant == Decimal("600.00")
    texte = texte_base(ligne.base)
    assert "dotation 4,5 jours soit 9 demi-journées" in texte
    assert "utilisées 12, au-delà 3" in texte
    assert "200,00\u00a0€ la demi-journée" in texte
    assert bilan_niveau1(2024).solde(commune).base == texte
    # Another year is untouched: half-days count in the year they are done.
    assert _ligne_niveau1(commune, 2025) is None


def test_T6_member_without_socle_complet_is_billed_from_the_first_half_day(
    membre, mission_factory, saisir
):
    commune = membre(2283, formule="annexe_complet", nom="Fégréac")
    diagnostic = mission_factory(
        commune, debut=date(2026, 2, 2), fin=date(2026, 3, 13), diagnostic=True
    )
    saisir(commune, 2026, 1, mission=diagnostic)
    saisir(commune, 2026, 1)  # another mission, not a diagnostic

    solde = bilan_niveau1(2026).solde(commune)
    assert solde.socle_complet is False
    assert solde.dotation == 0
    assert solde.utilisees == 2 and solde.diagnostic == 1
    assert solde.au_dela == 2
    assert solde.montant == Decimal("400.00")
    assert solde.etat == Etat.SANS_DOTATION

    ligne = _ligne_niveau1(commune, 2026)
    assert ligne.montant == Decimal("200.00")
    assert "sans socle complet : pas de dotation" in texte_base(ligne.base)
    assert solde.ligne_diagnostic.montant == Decimal("200.00")
    assert solde.ligne_diagnostic.code == "niveau1_diagnostic"
    assert any(
        a.niveau == Niveau.INFO and "facturées dès la première" in a.message
        for a in bilan_niveau1(2026).alertes
    )


def test_T6_T8_socle_complet_from_september_gives_the_whole_allowance(
    membre, adhesion_factory, saisir
):
    from membres.actes import changer_formule
    from membres.models import Adhesion

    commune = membre(1616, formule="audit", date_effet=date(2024, 2, 1))
    changer_formule(
        adhesion=Adhesion.objects.get(commune=commune),
        formule="socle_complet",
        date_effet=date(2024, 9, 1),
        decision_numero="D-2024-1",
        decision_date=date(2024, 8, 1),
    )
    saisir(commune, 2024, 10)

    solde = bilan_niveau1(2024).solde(commune)
    assert solde.socle_complet
    assert solde.formules == "socle annexe — audit, puis socle complet"
    assert solde.dotation == 9
    assert solde.au_dela == 1
    assert _ligne_niveau1(commune, 2024).montant == Decimal("200.00")


def test_T6_M6_above_8000_needs_a_derogatory_allowance(membre, saisir):
    commune = membre(9312)
    saisir(commune, 2025, 3)

    solde = bilan_niveau1(2025).solde(commune)
    assert solde.dotation is None
    assert solde.etat == Etat.ANOMALIE
    assert "Dotation dérogatoire manquante" in solde.anomalie
    assert solde.ligne is None

    TarifDerogatoire.objects.create(
        adhesion=commune.adhesions.get(),
        service="niveau1",
        jours=Decimal("1"),
        base_legale="délibération 2024-12",
    )
    solde = bilan_niveau1(2025).solde(commune)
    assert solde.dotation == 2
    assert solde.origine == "dotation dérogatoire (base légale : délibération 2024-12)"
    assert solde.au_dela == 1
    assert solde.montant == _ligne_niveau1(commune, 2025).montant == Decimal("200.00")


def test_P1_T6_missing_population_is_an_anomaly_not_another_years_figure(membre, saisir):
    commune = membre(2000, annees=(2024,))
    saisir(commune, 2025, 12)

    solde = bilan_niveau1(2025).solde(commune)
    assert solde.dotation is None
    assert solde.etat == Etat.ANOMALIE
    assert "Population 2025 manquante" in solde.anomalie
    assert any(
        a.niveau == Niveau.ALERTE and a.commune_id == commune.pk
        for a in bilan_niveau1(2025).alertes
    )


def test_T6_exceeding_member_gets_a_clear_warning(membre, saisir):
    commune = membre(1200, nom="Saint-Perreux")
    saisir(commune, 2024, 7)

    messages = [a.message for a in bilan_niveau1(2024).alertes if a.commune_id == commune.pk]
    assert messages == [
        "Saint-Perreux a dépassé sa dotation 2024 : 7 demi-journées utilisées pour 5, soit 2 "
        "au-delà à 200,00\u00a0€ = 400,00\u00a0€, facturés sur le titre de la campagne 2024 "
        "(émise début 2025)."
    ]


def test_T6_pool_is_consumed_within_allowances_only(membre, saisir):
    a = membre(5000)  # 13
    b = membre(1200)  # 5
    c = membre(3000, formule="groupement")  # no allowance
    saisir(a, 2025, 10)
    saisir(b, 2025, 8)  # 3 beyond
    saisir(c, 2025, 2)

    pool = bilan_niveau1(2025).pool
    assert pool.jours == 117
    assert pool.demi_journees == 234
    assert pool.dotations == 18
    assert pool.consommees == 15
    assert pool.consommees_jours == Decimal("7.5")
    assert pool.au_dela == 3
    assert pool.hors_socle == 2
    assert pool.total_utilisees == 20
    assert pool.restantes == 219
    assert pool.pourcentage == 6
    assert not pool.epuise


def test_T6_pool_warning_when_nearly_used_then_when_it_runs_out(membre, saisir):
    # 19 members of 3 000 to 8 000 inhabitants: 19 × 13 = 247 half-days promised > 234.
    communes = [membre(5000) for _ in range(19)]
    bilan = bilan_niveau1(2025)
    assert [a.message for a in bilan.alertes if a.commune_id is None] == [
        "Les dotations des membres (247 demi-journées) dépassent le volume partagé de 117 "
        "jours (234 demi-journées, art. 3.2.2)."
    ]

    for commune in communes[:17]:
        saisir(commune, 2025, 13)  # 221 half-days: 94 %
    bilan = bilan_niveau1(2025)
    assert bilan.pool.pourcentage == 94
    alertes = [a for a in bilan.alertes if a.commune_id is None]
    assert alertes[0].niveau == Niveau.AVERTISSEMENT
    assert alertes[0].message == (
        "Le volume partagé du niveau 1 est utilisé à 94 % en 2025 : il reste 13 demi-journées "
        "sur 234."
    )

    saisir(communes[17], 2025, 13)  # 234: the pool is used up
    bilan = bilan_niveau1(2025)
    assert bilan.pool.epuise
    alertes = [a for a in bilan.alertes if a.commune_id is None]
    assert alertes[0].niveau == Niveau.ALERTE
    assert alertes[0].message.startswith(
        "Le volume partagé de 117 jours du niveau 1 est épuisé en 2025 (234 demi-journées"
    )
    # Billing does not depend on the pool (T6): the 19th member still has its allowance.
    saisir(communes[18], 2025, 13)
    solde = bilan_niveau1(2025).solde(communes[18])
    assert solde.au_dela == 0
    assert solde.montant == 0


def test_T6_half_days_count_in_the_year_they_are_done(membre, mission_factory, agent):
    from missions.models import Intervention

    commune = membre(1200)
    mission = mission_factory(commune, debut=date(2024, 12, 1), fin=date(2025, 1, 31))
    for jour, quantite in [(date(2024, 12, 30), 2), (date(2024, 12, 31), 2), (date(2025, 1, 2), 1)]:
        intervention = Intervention(mission=mission, date=jour, agent=agent, demi_journees=quantite)
        intervention.full_clean()
        intervention.save()

    assert demi_journees_par_commune(2024) == {commune.pk: 4}
    assert demi_journees_par_commune(2025) == {commune.pk: 1}
    assert bilan_niveau1(2024).solde(commune).restantes == 1
    assert bilan_niveau1(2025).solde(commune).restantes == 4


def test_demi_journees_par_commune_is_one_query(membre, saisir, django_assert_num_queries):
    communes = [membre(1200) for _ in range(5)]
    for i, commune in enumerate(communes):
        saisir(commune, 2025, i + 1)
    with django_assert_num_queries(1):
        resultat = demi_journees_par_commune(2025)
    assert resultat == {c.pk: i + 1 for i, c in enumerate(communes)}
    with django_assert_num_queries(1):
        assert demi_journees_par_commune(2025, communes[:2]) == {
            communes[0].pk: 1,
            communes[1].pk: 2,
        }


def test_T6_no_grid_in_force_is_said_plainly(membre):
    from tarification.models import VersionBareme

    membre(1200)
    VersionBareme.objects.update(debut=date(2026, 1, 1))
    bilan = bilan_niveau1(2025)
    assert bilan.soldes == []
    assert bilan.alertes[0].message == (
        "Aucune version du barème n'est en vigueur au 1er janvier 2025 : les dotations ne "
        "peuvent être calculées."
    )
