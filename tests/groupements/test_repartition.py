"""Règle G6 : répartition au centime, méthode du plus fort reste (groupements/repartition.py)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupements.repartition import repartir

D = Decimal


# --- Exemples -------------------------------------------------------------------------------


def test_G6_three_equal_weights_the_remaining_cent_goes_to_the_first_key():
    parts = repartir(D("100.00"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert list(parts) == ["a", "b", "c"]


def test_G6_the_keys_order_is_that_of_the_weights():
    parts = repartir(D("100.00"), {"c": 1, "a": 1, "b": 1})
    assert list(parts) == ["c", "a", "b"]
    assert parts == {"c": D("33.34"), "a": D("33.33"), "b": D("33.33")}


def test_G6_on_equal_remainders_the_cent_goes_to_the_largest_weight():
    # 0,02 € sur 1/3 : quotes-parts exactes 0,5 et 1,5 centime, restes égaux (0,5) ;
    # le centime restant va au poids 3 bien que la clé de poids 1 vienne avant.
    assert repartir(D("0.02"), {"petit": 1, "grand": 3}) == {
        "petit": D("0.00"),
        "grand": D("0.02"),
    }


def test_G6_on_equal_remainders_and_weights_the_cent_goes_to_the_earliest_key():
    assert repartir(D("0.01"), {"x": 5, "y": 5}) == {"x": D("0.01"), "y": D("0.00")}
    assert repartir(D("0.01"), {"y": 5, "x": 5}) == {"y": D("0.01"), "x": D("0.00")}


def test_G6_the_largest_remainder_comes_before_the_largest_weight():
    # 0,10 € sur 1/2/4 (total 7) : 1,43 / 2,86 / 5,71 centimes → 1/2/5 ; les 2 centimes
    # restants vont aux restes 0,86 (poids 2) et 0,71 (poids 4), pas au reste 0,43.
    parts = repartir(D("0.10"), {"a": 1, "b": 2, "c": 4})
    assert parts == {"a": D("0.01"), "b": D("0.03"), "c": D("0.06")}


def test_G6_mixed_integer_and_decimal_weights():
    parts = repartir(D("1000.00"), {"m1": 1, "m2": D("1.5"), "m3": D("2.50")})
    assert parts == {"m1": D("200.00"), "m2": D("300.00"), "m3": D("500.00")}


def test_G6_weights_as_estimated_needs_amounts():
    # Poids par défaut : le montant estimé des besoins de chaque membre.
    besoins = {"Redon": D("12000.00"), "Allaire": D("3000.00"), "Bains": D("0.00")}
    assert repartir(D("4500.00"), besoins) == {
        "Redon": D("3600.00"),
        "Allaire": D("900.00"),
        "Bains": D("0.00"),
    }


def test_G6_a_zero_weight_gets_zero():
    parts = repartir(D("0.05"), {"a": 0, "b": 1, "c": 0, "d": 1})
    assert parts == {"a": D("0.00"), "b": D("0.03"), "c": D("0.00"), "d": D("0.02")}
    assert parts["a"].as_tuple().exponent == -2


def test_G6_zero_amount():
    assert repartir(D("0"), {"a": 1, "b": 2}) == {"a": D("0.00"), "b": D("0.00")}
    assert all(str(v) == "0.00" for v in repartir(D("0"), {"a": 1, "b": 2}).values())


def test_G6_shares_with_two_decimals_even_for_a_whole_amount():
    parts = repartir(D("10"), {"a": 1, "b": 1})
    assert [str(v) for v in parts.values()] == ["5.00", "5.00"]


def test_G6_amount_with_superfluous_zeros_accepted():
    assert repartir(D("1.000"), {"a": 1}) == {"a": D("1.00")}


def test_G6_negative_amount_split_on_its_absolute_value_then_negated():
    parts = repartir(D("-100.00"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": D("-33.34"), "b": D("-33.33"), "c": D("-33.33")}


def test_G6_negative_amount_without_negative_zero():
    parts = repartir(D("-0.01"), {"a": 1, "b": 1})
    assert [str(v) for v in parts.values()] == ["-0.01", "0.00"]


def test_G6_any_hashable_keys():
    parts = repartir(D("3.00"), {("commune", 1): 1, 42: 2})
    assert parts == {("commune", 1): D("1.00"), 42: D("2.00")}


# --- Erreurs --------------------------------------------------------------------------------


def test_G6_no_member():
    with pytest.raises(ValueError, match="Aucun membre à qui répartir."):
        repartir(D("10.00"), {})


def test_G6_negative_weight_refused():
    with pytest.raises(ValueError, match="Les poids de répartition doivent être positifs ou nuls."):
        repartir(D("10.00"), {"a": 1, "b": D("-0.01")})


def test_G6_all_zero_weights_refused():
    with pytest.raises(ValueError, match="Au moins un poids doit être strictement positif."):
        repartir(D("10.00"), {"a": 0, "b": D("0.00")})


def test_G6_amount_with_more_than_two_decimals_refused():
    with pytest.raises(ValueError, match="au plus deux décimales"):
        repartir(D("10.001"), {"a": 1})


@pytest.mark.parametrize("montant", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_G6_non_finite_amount_refused(montant):
    with pytest.raises(ValueError, match="nombre fini"):
        repartir(montant, {"a": 1})


@pytest.mark.parametrize("montant", [10.0, "10.00", None, True])
def test_G6_float_or_other_amount_refused(montant):
    with pytest.raises(TypeError, match="float"):
        repartir(montant, {"a": 1})


@pytest.mark.parametrize("poids", [0.5, "1", None, True])
def test_G6_float_or_other_weight_refused(poids):
    with pytest.raises(TypeError, match="jamais un float"):
        repartir(D("10.00"), {"a": 1, "b": poids})


@pytest.mark.parametrize("poids", [D("NaN"), D("Infinity")])
def test_G6_non_finite_weight_refused(poids):
    with pytest.raises(ValueError, match="nombres finis"):
        repartir(D("10.00"), {"a": 1, "b": poids})


# --- Propriétés -----------------------------------------------------------------------------

montants = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))

poids_unitaires = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 2, D("0"), D("1"), D("1.0")]),  # beaucoup d'égalités
)

listes_de_poids = st.lists(poids_unitaires, min_size=1, max_size=40).filter(
    lambda ps: any(p > 0 for p in ps)
)


def _en_dict(ps):
    return {f"membre-{i}": p for i, p in enumerate(ps)}


@given(montant=montants, ps=listes_de_poids)
def test_G6_property_same_keys_exact_sum_two_decimals(montant, ps):
    poids = _en_dict(ps)
    parts = repartir(montant, poids)
    assert list(parts) == list(poids)
    assert sum(parts.values()) == montant
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in parts.values())
    assert all(v >= 0 for v in parts.values())


@given(montant=montants, ps=listes_de_poids)
def test_G6_property_each_share_within_one_cent_of_the_exact_share(montant, ps):
    parts = repartir(montant, _en_dict(ps))
    total = sum(Fraction(p) for p in ps)
    for p, part in zip(ps, parts.values(), strict=True):
        exacte = Fraction(montant) * Fraction(p) / total
        assert abs(Fraction(part) - exacte) < Fraction(1, 100)
        if p == 0:
            assert part == 0


@given(montant=montants, ps=listes_de_poids)
def test_G6_property_monotonic_and_tie_broken_by_order(montant, ps):
    parts = list(repartir(montant, _en_dict(ps)).values())
    for i, (pi, si) in enumerate(zip(ps, parts, strict=True)):
        for j in range(i + 1, len(ps)):
            pj, sj = ps[j], parts[j]
            if pi > pj:
                assert si >= sj
            elif pi < pj:
                assert si <= sj
            else:
                # Poids égaux : la clé la plus tôt reçoit le centime éventuel.
                assert si - sj in (0, D("0.01"))


@given(montant=montants, ps=listes_de_poids, decalage=st.integers(min_value=1, max_value=999))
def test_G6_property_renaming_the_keys_does_not_change_the_shares(montant, ps, decalage):
    avant = list(repartir(montant, _en_dict(ps)).values())
    renomme = {("autre", i + decalage): p for i, p in enumerate(ps)}
    apres = list(repartir(montant, renomme).values())
    assert apres == avant


@given(montant=montants, ps=listes_de_poids)
def test_G6_property_negative_amount_is_the_opposite_of_the_positive(montant, ps):
    poids = _en_dict(ps)
    positives = repartir(montant, poids)
    negatives = repartir(-montant, poids)
    assert negatives == {k: -v for k, v in positives.items()}
    assert sum(negatives.values()) == -montant


@given(montant=montants, ps=listes_de_poids, facteur=st.integers(min_value=1, max_value=1000))
def test_G6_property_proportional_weights_same_shares(montant, ps, facteur):
    # Seul le poids relatif compte (art. 4.2.6) : multiplier tous les poids ne change rien.
    assert repartir(montant, _en_dict([p * facteur for p in ps])) == repartir(montant, _en_dict(ps))
