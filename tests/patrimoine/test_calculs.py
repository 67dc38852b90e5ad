"""The exit's arithmetic (patrimoine/calculs.py), named after the rules A3 and A4: tables of
values and properties, without Django or a database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patrimoine.calculs import (
    BienTransfere,
    ContratPorte,
    Sort,
    ajouter_annees,
    calculer_sortie,
    fin_amortissement,
    jours,
    prorata_temporis,
    total,
    valeur_restante,
)

D = Decimal


# --- A4: pro rata temporis, to the day, over the contract's own period ----------------------

PRORATA = [
    # (price of the period, start, end, last day, days of the period, days left, amount)
    # A common year: 10/03 → 31/12 is 297 of 365 days; 2 400 × 297 / 365 = 1 952,876… → 1 952,88.
    (D("2400.00"), date(2027, 1, 1), date(2027, 12, 31), date(2027, 3, 9), 365, 297, D("1952.88")),
    # A leap year: the period has 366 days and 29 February is a day left.
    (D("3660.00"), date(2028, 1, 1), date(2028, 12, 31), date(2028, 2, 28), 366, 307, D("3070.00")),
    # The contract's own period (1 July → 30 June) spans 29 February 2028: 366 days.
    (D("3660.00"), date(2027, 7, 1), date(2028, 6, 30), date(2027, 12, 31), 366, 182, D("1820.00")),
    # A two-year period over a leap year: 731 days; 3 456 × 479 / 731 = 2 264,602… → 2 264,60.
    (D("3456.00"), date(2026, 7, 1), date(2028, 6, 30), date(2027, 3, 9), 731, 479, D("2264.60")),
    # The contract ends before the last day: nothing left.
    (D("1200.00"), date(2026, 1, 1), date(2026, 12, 31), date(2027, 3, 9), 365, 0, D("0.00")),
    # The contract ends on the last day: nothing left.
    (D("1200.00"), date(2026, 3, 10), date(2027, 3, 9), date(2027, 3, 9), 365, 0, D("0.00")),
    # The contract starts after the last day: all of it is left.
    (D("1200.00"), date(2027, 4, 1), date(2028, 3, 31), date(2027, 3, 9), 366, 366, D("1200.00")),
    # The last day is the period's first day: all but one day.
    (D("365.00"), date(2027, 1, 1), date(2027, 12, 31), date(2027, 1, 1), 365, 364, D("364.00")),
    # Half a cent rounds up (ROUND_HALF_UP, T9): 0,05 × 1 / 2 = 0,025 → 0,03.
    (D("0.05"), date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 1), 2, 1, D("0.03")),
]


@pytest.mark.parametrize(("montant", "debut", "fin", "apres", "periode", "restants", "du"), PRORATA)
def test_A4_pro_rata_to_the_day_over_the_contracts_own_period(
    montant, debut, fin, apres, periode, restants, du
):
    prorata = prorata_temporis(montant_periode=montant, debut=debut, fin=fin, apres=apres)
    assert (prorata.jours_periode, prorata.jours_restants, prorata.montant) == (
        periode,
        restants,
        du,
    )


def test_A4_the_first_day_left_is_the_day_after_the_last_day_or_the_period_start():
    avant = prorata_temporis(
        montant_periode=D("10"),
        debut=date(2027, 4, 1),
        fin=date(2027, 4, 30),
        apres=date(2027, 3, 9),
    )
    pendant = prorata_temporis(
        montant_periode=D("10"),
        debut=date(2027, 1, 1),
        fin=date(2027, 4, 30),
        apres=date(2027, 3, 9),
    )
    apres = prorata_temporis(
        montant_periode=D("10"),
        debut=date(2027, 1, 1),
        fin=date(2027, 3, 1),
        apres=date(2027, 3, 9),
    )
    assert avant.premier_jour_restant == date(2027, 4, 1)
    assert pendant.premier_jour_restant == date(2027, 3, 10)
    assert apres.premier_jour_restant is None


def test_T9_money_is_never_a_float_nor_negative_and_a_period_runs_forward():
    with pytest.raises(TypeError):
        prorata_temporis(
            montant_periode=100.0,
            debut=date(2027, 1, 1),
            fin=date(2027, 2, 1),
            apres=date(2027, 1, 5),
        )
    with pytest.raises(ValueError):
        prorata_temporis(
            montant_periode=D("-1"),
            debut=date(2027, 1, 1),
            fin=date(2027, 2, 1),
            apres=date(2027, 1, 5),
        )
    with pytest.raises(ValueError):
        prorata_temporis(
            montant_periode=D("1"),
            debut=date(2027, 2, 1),
            fin=date(2027, 1, 1),
            apres=date(2027, 1, 5),
        )


# --- A3: the depreciation the EPCI bears ---------------------------------------------------


def test_A3_a_schedule_ends_the_day_before_its_anniversary_29_february_clamped():
    assert fin_amortissement(date(2023, 3, 1), 5) == date(2028, 2, 29)
    assert fin_amortissement(date(2023, 1, 1), 3) == date(2025, 12, 31)
    assert ajouter_annees(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert fin_amortissement(date(2024, 2, 29), 1) == date(2025, 2, 27)
    with pytest.raises(ValueError):
        fin_amortissement(date(2024, 1, 1), 0)


def test_A3_remaining_value_to_the_day_straight_line():
    # 4 800 € over 5 years from 01/03/2023 (1 827 days: two 29 Februaries); 357 days left after
    # 09/03/2027: 4 800 × 357 / 1 827 = 937,93.
    reste = valeur_restante(
        valeur=D("4800.00"), debut=date(2023, 3, 1), duree_ans=5, jour=date(2027, 3, 9)
    )
    assert (reste.jours_periode, reste.jours_restants, reste.montant) == (1827, 357, D("937.93"))
    # At the transfer's eve, the whole value; at the schedule's last day, nothing.
    assert valeur_restante(
        valeur=D("4800.00"), debut=date(2023, 3, 1), duree_ans=5, jour=date(2023, 2, 28)
    ).montant == D("4800.00")
    assert valeur_restante(
        valeur=D("4800.00"), debut=date(2023, 3, 1), duree_ans=5, jour=date(2028, 2, 29)
    ).montant == D("0.00")


def test_A4_an_asset_fully_depreciated_goes_back_at_zero_never_below():
    (ligne,) = calculer_sortie(
        dernier_jour=date(2027, 3, 9),
        biens=[BienTransfere("pare-feu", D("1200.00"), date(2023, 3, 1), 3)],
    )
    assert ligne.sort == Sort.RESTITUTION
    assert ligne.prorata.fin == date(2026, 2, 28)
    assert ligne.prorata.montant == D("0.00") and ligne.montant == D("0.00")
    assert not ligne.facturee


# --- A4: the état's computed lines ---------------------------------------------------------


def test_A4_each_contract_is_reimbursed_handed_back_or_over_and_assets_are_not_billed():
    dernier_jour = date(2027, 3, 9)
    lignes = calculer_sortie(
        dernier_jour=dernier_jour,
        contrats=[
            ContratPorte("hebergement", D("2400.00"), date(2027, 1, 1), date(2027, 12, 31)),
            ContratPorte("licences", D("3456.00"), date(2026, 7, 1), date(2028, 6, 30)),
            ContratPorte("copieur", D("900.00"), date(2026, 1, 1), date(2026, 12, 31)),
            ContratPorte("telephonie", D("1800.00"), date(2027, 1, 1), date(2027, 12, 31), True),
        ],
        biens=[BienTransfere("serveur", D("4800.00"), date(2023, 3, 1), 5)],
    )
    par_cle = {ligne.cle: ligne for ligne in lignes}
    assert [ligne.cle for ligne in lignes] == [
        "hebergement",
        "licences",
        "copieur",
        "telephonie",
        "serveur",
    ]
    assert (par_cle["hebergement"].sort, par_cle["hebergement"].montant) == (
        Sort.REMBOURSEMENT,
        D("1952.88"),
    )
    assert (par_cle["licences"].sort, par_cle["licences"].montant) == (
        Sort.REMBOURSEMENT,
        D("2264.60"),
    )
    assert (par_cle["copieur"].sort, par_cle["copieur"].montant) == (Sort.ECHU, D("0.00"))
    # Handed back to the member: nothing billed, the share it takes over is still shown.
    assert par_cle["telephonie"].sort == Sort.REPRISE
    assert par_cle["telephonie"].montant == D("0.00")
    assert par_cle["telephonie"].prorata.montant == D("1464.66")  # 1 800 × 297 / 365
    assert (par_cle["serveur"].sort, par_cle["serveur"].montant) == (Sort.RESTITUTION, D("0"))
    assert par_cle["serveur"].prorata.montant == D("937.93")
    # T9: the total is the sum of the billed lines, plus a penalty entered by the DSI.
    assert total([ligne.montant for ligne in lignes] + [D("350.00")]) == D("4567.48")


# --- Properties ---------------------------------------------------------------------------

jour = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
montant = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2)


@st.composite
def periode(draw):
    debut = draw(jour)
    fin = debut + timedelta(days=draw(st.integers(min_value=0, max_value=3 * 366)))
    apres = debut + timedelta(days=draw(st.integers(min_value=-400, max_value=4 * 366)))
    return debut, fin, apres


@given(montant, periode())
def test_A4_property_the_share_is_exact_to_the_day_and_to_the_cent(prix, bornes):
    debut, fin, apres = bornes
    prorata = prorata_temporis(montant_periode=prix, debut=debut, fin=fin, apres=apres)
    # The days left plus the days elapsed are the period's days, counted on the calendar.
    ecoules = jours(debut, min(apres, fin))
    assert prorata.jours_restants + ecoules == prorata.jours_periode == (fin - debut).days + 1
    # Never more than the period's price, never negative; one rounding: within half a cent.
    assert D("0") <= prorata.montant <= prix
    exact = prix * prorata.jours_restants / prorata.jours_periode
    assert abs(prorata.montant - exact) <= D("0.005")
    assert prorata.montant == prorata.montant.quantize(D("0.01"))
    # A last day before the period: everything is left; on or after its end: nothing.
    if apres < debut:
        assert prorata.montant == prix
    if apres >= fin:
        assert prorata.montant == 0


@given(montant, periode(), st.integers(min_value=0, max_value=400))
def test_A4_property_a_later_last_day_never_costs_more(prix, bornes, decalage):
    debut, fin, apres = bornes
    plus_tot = prorata_temporis(montant_periode=prix, debut=debut, fin=fin, apres=apres)
    plus_tard = prorata_temporis(
        montant_periode=prix, debut=debut, fin=fin, apres=apres + timedelta(days=decalage)
    )
    assert plus_tard.montant <= plus_tot.montant


@given(st.integers(min_value=2000, max_value=2098))
def test_A4_property_a_period_with_29_february_counts_366_days(annee):
    prorata = prorata_temporis(
        montant_periode=D("366.00"),
        debut=date(annee, 3, 1),
        fin=date(annee + 1, 2, 28 if (annee + 1) % 4 else 29),
        apres=date(annee, 2, 1),
    )
    assert prorata.jours_periode == (366 if (annee + 1) % 4 == 0 else 365)
    assert prorata.montant == D("366.00")
