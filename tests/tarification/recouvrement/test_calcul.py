"""B11 — the state of a titre and what remains, as a table of values (pure, no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from tarification.recouvrement.calcul import (
    Etat,
    echeance,
    rang_du_rappel_du,
    situation,
    tranche_d_age,
)


@pytest.mark.parametrize(
    ("donnees", "reste", "trop_percu", "etat"),
    [
        ({"emis": D("1000.00")}, "1000.00", "0.00", Etat.EMIS),
        ({"emis": D("1000.00"), "pris_en_charge": True}, "1000.00", "0.00", Etat.PRIS_EN_CHARGE),
        ({"emis": D("1000.00"), "paye": D("400.00")}, "600.00", "0.00", Etat.PARTIELLEMENT_PAYE),
        ({"emis": D("1000.00"), "paye": D("1000.00")}, "0.00", "0.00", Etat.SOLDE),
        ({"emis": D("1000.00"), "paye": D("1000.01")}, "0.00", "0.01", Etat.SOLDE),
        (
            {"emis": D("1000.00"), "corrections": D("-250.00"), "paye": D("750.00")},
            "0.00",
            "0.00",
            Etat.SOLDE,
        ),
        (
            {"emis": D("1000.00"), "mandats": D("100.00"), "paye": D("850.00")},
            "50.00",
            "0.00",
            Etat.PARTIELLEMENT_PAYE,
        ),
        ({"emis": D("1000.00"), "corrections": D("-1000.00")}, "0.00", "0.00", Etat.ANNULE),
        (
            {"emis": D("1000.00"), "corrections": D("-1000.00"), "paye": D("10.00")},
            "0.00",
            "10.00",
            Etat.ANNULE,
        ),
        ({"emis": D("1000.00"), "rejete": True}, "1000.00", "0.00", Etat.REJETE),
        (
            {"emis": D("1000.00"), "corrections": D("-1000.00"), "rejete": True},
            "0.00",
            "0.00",
            Etat.REJETE,
        ),
        (
            {"emis": D("1000.00"), "paye": D("300.00"), "non_valeur": D("700.00")},
            "0.00",
            "0.00",
            Etat.NON_VALEUR,
        ),
        (
            {"emis": D("1000.00"), "paye": D("300.00"), "non_valeur": D("200.00")},
            "500.00",
            "0.00",
            Etat.PARTIELLEMENT_PAYE,
        ),
    ],
)
def test_B11_state_and_remainder(donnees, reste, trop_percu, etat):
    resultat = situation(**donnees)
    assert resultat.reste == D(reste)
    assert resultat.trop_percu == D(trop_percu)
    assert resultat.etat == etat


def test_B11_remainder_is_never_negative_and_ties_to_the_cent():
    for paye in (D("0.01"), D("999.99"), D("1000.00"), D("5000.00")):
        s = situation(emis=D("1000.00"), corrections=D("-0.01"), paye=paye)
        assert s.reste >= 0 and s.trop_percu >= 0
        assert s.emis + s.corrige - s.paye - s.non_valeur == s.reste - s.trop_percu


def test_B11_money_is_never_a_float():
    with pytest.raises(TypeError):
        situation(emis=1000.0)


def test_B11_due_date_is_issue_date_plus_delay():
    assert echeance(date(2026, 1, 15), 30) == date(2026, 2, 14)


@pytest.mark.parametrize(
    ("jour", "deja", "attendu"),
    [
        (date(2026, 2, 14), 0, None),  # due today: not late
        (date(2026, 3, 15), 0, None),  # 29 days late: within the first delay
        (date(2026, 3, 16), 0, 1),  # one delay past due
        (date(2026, 3, 16), 1, None),  # already reminded in this delay
        (date(2026, 4, 14), 1, None),
        (date(2026, 4, 15), 1, 2),  # two delays past due
        (date(2026, 12, 31), 2, 3),
        (date(2026, 12, 31), 3, None),  # at most three
    ],
)
def test_B11_one_reminder_per_delay_at_most_three(jour, deja, attendu):
    assert (
        rang_du_rappel_du(
            echeance=date(2026, 2, 14), jour=jour, delai_jours=30, deja=deja, maximum=3
        )
        == attendu
    )


def test_B11_age_of_what_remains():
    due = date(2026, 2, 14)
    assert tranche_d_age(due, date(2026, 2, 14)) == "non_echu"
    assert tranche_d_age(due, date(2026, 3, 1)) == "0_30"
    assert tranche_d_age(due, date(2026, 5, 1)) == "31_90"
    assert tranche_d_age(due, date(2026, 12, 1)) == "91_365"
    assert tranche_d_age(due, date(2027, 3, 1)) == "plus_365"
