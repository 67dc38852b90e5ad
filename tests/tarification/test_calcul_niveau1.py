"""Tests du calcul du niveau 1 (tarification/calcul/niveau1.py), règle T6 révisée : le mode de
facturation de la version du barème (volume partagé par défaut, ou dotation individuelle) et le
complément de diagnostic d'un membre sans socle complet (art. 4.1 (*)). Purs : ni Django, ni
base de données."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tarification.calcul import (
    CENT,
    Faits,
    ModeNiveau1,
    SaisieVolume,
    Service,
    TarifDerogatoire,
    arrondir,
    calculer_contribution,
    hors_volume,
)
from tarification.textes import texte_base
from tests.tarification.test_calcul import GD, NB, G, codes_anomalies, faits, montants

D = Decimal


# ---------------------------------------------------------------------------------------------
# T6 — niveau 1 en dotation individuelle : demi-journées au-delà de la dotation du membre
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "dotation"),
    [(0, 5), (1499, 5), (1500, 9), (2999, 9), (3000, 13), (8000, 13)],
)
@pytest.mark.parametrize("ecart", [-1, 0, 1, 3])
def test_T6_dotation_individuelle_around_the_dotation_per_bracket(population, dotation, ecart):
    utilisees = dotation + ecart
    resultat = calculer_contribution(
        GD, faits(population, socle_complet=True, demi_journees=utilisees)
    )
    lignes = montants(resultat)
    if ecart <= 0:
        assert "niveau1_demi_journees" not in lignes
    else:
        assert lignes["niveau1_demi_journees"] == D(200 * ecart).quantize(CENT)
        ligne = resultat.lignes[-1]
        assert ligne.libelle == "Niveau 1 — demi-journées au-delà de la dotation"
        assert ligne.base.article == "art. 3.2.2 et 7.1.1"
        assert ligne.base.quantite == ecart
        texte = texte_base(ligne.base)
        assert f"{dotation} demi-journées" in texte
        assert f"utilisées {utilisees}" in texte
        assert f"au-delà {ecart}" in texte
        assert f"200,00{NB}€" in texte
        assert "mode « dotation individuelle » fixé par : délibération n° 2022-050" in texte
    assert resultat.total == sum(lignes.values(), D("0.00"))


def test_T6_grid_pool_and_prices():
    assert G.pool_jours == D("117")
    assert G.prix_demi_journee == D("200")
    assert G.volume_demi_journees == D("234")
    assert G.mode_niveau1 is ModeNiveau1.VOLUME_PARTAGE
    grille = dataclasses.replace(GD, prix_demi_journee=D("250"))
    resultat = calculer_contribution(grille, faits(2355, socle_complet=True, demi_journees=10))
    assert montants(resultat)["niveau1_demi_journees"] == D("250.00")


def test_T6_member_without_socle_billed_from_the_first_half_day():
    resultat = calculer_contribution(G, faits(2355, demi_journees=1))
    assert montants(resultat) == {"niveau1_demi_journees": D("200.00")}
    assert "sans socle complet : pas de dotation (art. 4.1)" in texte_base(resultat.lignes[0].base)

    avec_groupement = calculer_contribution(G, faits(2355, groupement=True, demi_journees=3))
    assert montants(avec_groupement) == {
        "groupement": D("1838.75"),
        "niveau1_demi_journees": D("600.00"),
    }
    assert avec_groupement.total == D("2438.75")


def test_T6_member_without_socle_or_population_stays_billable():
    # Sans socle complet, le niveau 1 ne dépend pas de la population (pas de dotation).
    resultat = calculer_contribution(G, faits(None, demi_journees=2))
    assert resultat.anomalies == ()
    assert resultat.total == D("400.00")


def test_T6_dotation_individuelle_beyond_8000_derogatory_dotation():
    derogations = {
        Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("18000")),
        Service.NIVEAU1: TarifDerogatoire(jours=D("10"), base_legale="délibération 2024-12"),
    }
    a_la_dotation = calculer_contribution(
        GD, faits(9000, socle_complet=True, demi_journees=20, derogations=derogations)
    )
    assert montants(a_la_dotation) == {"socle_complet": D("18000.00")}
    au_dela = calculer_contribution(
        GD, faits(9000, socle_complet=True, demi_journees=21, derogations=derogations)
    )
    assert montants(au_dela)["niveau1_demi_journees"] == D("200.00")
    assert "dotation dérogatoire" in texte_base(au_dela.lignes[-1].base)


def test_T6_dotation_individuelle_beyond_8000_without_derogatory_dotation():
    derogations = {Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("18000"))}
    sans_demi_journee = calculer_contribution(
        GD, faits(9000, socle_complet=True, demi_journees=0, derogations=derogations)
    )
    assert sans_demi_journee.anomalies == ()
    assert sans_demi_journee.total == D("18000.00")

    avec = calculer_contribution(
        GD, faits(9000, socle_complet=True, demi_journees=1, derogations=derogations)
    )
    assert codes_anomalies(avec) == ["tarif_derogatoire_manquant"]
    assert avec.anomalies[0].message.startswith("Niveau 1")
    assert avec.total is None


# ---------------------------------------------------------------------------------------------
# T6 — niveau 1 en volume partagé (le mode par défaut) et complément de diagnostic
# ---------------------------------------------------------------------------------------------


def saisies(*paires, le=None) -> tuple[SaisieVolume, ...]:
    """(demi-journées, avant) → les saisies d'un membre dans le volume de l'année."""
    return tuple(SaisieVolume(n, avant, le) for n, avant in paires)


def faits_volume(*paires, population=2355, **kwargs) -> Faits:
    lot = saisies(*paires)
    return faits(
        population,
        socle_complet=True,
        demi_journees=sum(s.demi_journees for s in lot),
        saisies_volume=lot,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("paires", "facturees"),
    [
        (((2, 0), (2, 100), (1, 200)), 0),  # le volume de 234 demi-journées n'est pas épuisé
        (((2, 232),), 0),  # la saisie qui remplit exactement le volume est gratuite
        (((2, 233),), 1),  # la saisie qui l'épuise : sa seconde demi-journée est facturée
        (((2, 234),), 2),  # ensuite, chaque demi-journée est facturée à son membre
        (((1, 10), (2, 233), (2, 500)), 3),
    ],
)
def test_T6_volume_partage_billed_from_the_first_half_day_outside_the_volume(paires, facturees):
    resultat = calculer_contribution(G, faits_volume(*paires))
    lignes = montants(resultat)
    if facturees == 0:
        assert "niveau1_demi_journees" not in lignes
    else:
        assert lignes["niveau1_demi_journees"] == D(200 * facturees).quantize(CENT)
        assert resultat.lignes[-1].base.quantite == facturees
    assert resultat.anomalies == ()


def test_T6_volume_partage_shares_do_not_trigger_billing():
    # 40 demi-journées pour une part de 9 : rien tant que le volume commun n'est pas épuisé.
    resultat = calculer_contribution(G, faits_volume(*[(2, 2 * i) for i in range(20)]))
    assert montants(resultat) == {"socle_complet": D("5532.50")}
    # La même chose en dotation individuelle : 31 demi-journées au-delà de la part.
    individuelle = calculer_contribution(GD, faits(2355, socle_complet=True, demi_journees=40))
    assert montants(individuelle)["niveau1_demi_journees"] == D("6200.00")


def test_T6_volume_partage_the_basis_states_the_mode_and_the_volume():
    lot = (SaisieVolume(2, 100, date(2026, 3, 2)), SaisieVolume(2, 240, date(2026, 10, 5)))
    resultat = calculer_contribution(
        G, faits(2355, socle_complet=True, demi_journees=4, saisies_volume=lot)
    )
    ligne = resultat.lignes[-1]
    assert ligne.libelle == "Niveau 1 — demi-journées au-delà du volume partagé"
    assert ligne.montant == D("400.00")
    texte = texte_base(ligne.base)
    assert texte.startswith("art. 3.2.2 et 7.1.1 : 2 demi-journées × 200,00")
    assert "volume partagé de 117 jours (234 demi-journées)" in texte
    assert "demi-journées du membre 4, dont 2 après l'épuisement du volume" in texte
    assert "à partir du 05/10/2026" in texte
    assert "mode « volume partagé » fixé par : convention de service commun" in texte


def test_T6_volume_partage_without_derogatory_share_beyond_8000_no_anomaly():
    derogations = {Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("18000"))}
    resultat = calculer_contribution(
        G, faits_volume((2, 0), (2, 300), population=9000, derogations=derogations)
    )
    assert resultat.anomalies == ()
    assert montants(resultat) == {
        "socle_complet": D("18000.00"),
        "niveau1_demi_journees": D("400.00"),
    }


def test_T6_volume_partage_inputs_required_and_consistent():
    with pytest.raises(ValueError, match="place des saisies"):
        calculer_contribution(G, faits(2355, socle_complet=True, demi_journees=3))
    with pytest.raises(ValueError, match="ne font pas le nombre"):
        faits(2355, socle_complet=True, demi_journees=3, saisies_volume=saisies((2, 0)))
    # Sans socle complet le volume n'intervient pas : facturé dès la première.
    assert calculer_contribution(G, faits(2355, demi_journees=3)).total == D("600.00")


@pytest.mark.parametrize("grille", [G, GD], ids=["volume_partage", "dotation_individuelle"])
@pytest.mark.parametrize("socle_complet", [False, True])
def test_T6_diagnostic_without_socle_billed_from_the_first_whatever_the_formula(
    grille, socle_complet
):
    # 4 demi-journées de diagnostic faites avant que le socle complet ne débute dans l'année :
    # jamais absorbées par la part du socle (art. 4.1, note).
    resultat = calculer_contribution(
        grille,
        faits(
            2355,
            socle_complet=socle_complet,
            demi_journees=0,
            saisies_volume=() if socle_complet else None,
            demi_journees_diagnostic=4,
        ),
    )
    assert montants(resultat)["niveau1_diagnostic"] == D("800.00")
    ligne = resultat.lignes[-1]
    assert ligne.libelle == "Niveau 1 — complément de diagnostic (art. 4.1)"
    assert texte_base(ligne.base).startswith("art. 4.1 et 7.1.1 : 4 demi-journées × 200,00")
    assert "quelle que soit la formule qui débute ensuite" in texte_base(ligne.base)


def test_T6_diagnostic_and_dotation_are_two_lines():
    resultat = calculer_contribution(
        GD,
        faits(2355, socle_complet=True, demi_journees=11, demi_journees_diagnostic=2),
    )
    assert montants(resultat) == {
        "socle_complet": D("5532.50"),
        "niveau1_demi_journees": D("400.00"),
        "niveau1_diagnostic": D("400.00"),
    }


@st.composite
def volume_st(draw):
    """The entries of a year, in order (date, then entry), spread among a few members."""
    entrees = draw(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 2)), max_size=200))
    capacite_jours = draw(st.sampled_from([D("0"), D("3"), D("117"), D("12.5")]))
    return entrees, capacite_jours


@settings(max_examples=200, deadline=None)
@given(volume_st())
def test_T6_property_free_days_never_exceed_the_volume(donnees):
    entrees, jours = donnees
    grille = dataclasses.replace(G, pool_jours=jours)
    par_membre: dict[int, list[SaisieVolume]] = {}
    avant = 0
    for membre, n in entrees:
        par_membre.setdefault(membre, []).append(SaisieVolume(n, avant))
        avant += n
    facture = D(0)
    for lot in par_membre.values():
        f = faits(2355, socle_complet=True, demi_journees=sum(s.demi_journees for s in lot))
        f = dataclasses.replace(f, saisies_volume=tuple(lot))
        montant = montants(calculer_contribution(grille, f)).get("niveau1_demi_journees", D(0))
        hors = sum((hors_volume(s, grille.volume_demi_journees) for s in lot), D(0))
        assert montant == arrondir(hors * 200)
        facture += montant
    capacite = grille.volume_demi_journees
    # Everything beyond the pool is billed, nothing within it: free half-days = min(used, pool).
    assert facture == max(D(0), avant - capacite) * 200
