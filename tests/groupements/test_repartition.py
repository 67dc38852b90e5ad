"""Règle G6 : répartition au centime, méthode du plus fort reste (groupements/repartition.py)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupements.repartition import repartir

D = Decimal


# --- Exemples -------------------------------------------------------------------------------


def test_G6_trois_poids_egaux_le_centime_restant_va_a_la_premiere_cle():
    parts = repartir(D("100.00"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert list(parts) == ["a", "b", "c"]


def test_G6_l_ordre_des_cles_est_celui_des_poids():
    parts = repartir(D("100.00"), {"c": 1, "a": 1, "b": 1})
    assert list(parts) == ["c", "a", "b"]
    assert parts == {"c": D("33.34"), "a": D("33.33"), "b": D("33.33")}


def test_G6_a_reste_egal_le_centime_va_au_plus_fort_poids():
    # 0,02 € sur 1/3 : quotes-parts exactes 0,5 et 1,5 centime, restes égaux (0,5) ;
    # le centime restant va au poids 3 bien que la clé de poids 1 vienne avant.
    assert repartir(D("0.02"), {"petit": 1, "grand": 3}) == {
        "petit": D("0.00"),
        "grand": D("0.02"),
    }


def test_G6_a_reste_et_poids_egaux_le_centime_va_a_la_cle_la_plus_tot():
    assert repartir(D("0.01"), {"x": 5, "y": 5}) == {"x": D("0.01"), "y": D("0.00")}
    assert repartir(D("0.01"), {"y": 5, "x": 5}) == {"y": D("0.01"), "x": D("0.00")}


def test_G6_le_plus_fort_reste_passe_avant_le_plus_fort_poids():
    # 0,10 € sur 1/2/4 (total 7) : 1,43 / 2,86 / 5,71 centimes → 1/2/5 ; les 2 centimes
    # restants vont aux restes 0,86 (poids 2) et 0,71 (poids 4), pas au reste 0,43.
    parts = repartir(D("0.10"), {"a": 1, "b": 2, "c": 4})
    assert parts == {"a": D("0.01"), "b": D("0.03"), "c": D("0.06")}


def test_G6_poids_entiers_et_decimaux_melanges():
    parts = repartir(D("1000.00"), {"m1": 1, "m2": D("1.5"), "m3": D("2.50")})
    assert parts == {"m1": D("200.00"), "m2": D("300.00"), "m3": D("500.00")}


def test_G6_poids_montants_de_besoins_estimes():
    # Poids par défaut : le montant estimé des besoins de chaque membre.
    besoins = {"Redon": D("12000.00"), "Allaire": D("3000.00"), "Bains": D("0.00")}
    assert repartir(D("4500.00"), besoins) == {
        "Redon": D("3600.00"),
        "Allaire": D("900.00"),
        "Bains": D("0.00"),
    }


def test_G6_un_poids_nul_recoit_zero():
    parts = repartir(D("0.05"), {"a": 0, "b": 1, "c": 0, "d": 1})
    assert parts == {"a": D("0.00"), "b": D("0.03"), "c": D("0.00"), "d": D("0.02")}
    assert parts["a"].as_tuple().exponent == -2


def test_G6_montant_nul():
    assert repartir(D("0"), {"a": 1, "b": 2}) == {"a": D("0.00"), "b": D("0.00")}
    assert all(str(v) == "0.00" for v in repartir(D("0"), {"a": 1, "b": 2}).values())


def test_G6_parts_a_deux_decimales_meme_pour_un_montant_entier():
    parts = repartir(D("10"), {"a": 1, "b": 1})
    assert [str(v) for v in parts.values()] == ["5.00", "5.00"]


def test_G6_montant_avec_zeros_superflus_accepte():
    assert repartir(D("1.000"), {"a": 1}) == {"a": D("1.00")}


def test_G6_montant_negatif_reparti_en_valeur_absolue_puis_oppose():
    parts = repartir(D("-100.00"), {"a": 1, "b": 1, "c": 1})
    assert parts == {"a": D("-33.34"), "b": D("-33.33"), "c": D("-33.33")}


def test_G6_montant_negatif_sans_zero_negatif():
    parts = repartir(D("-0.01"), {"a": 1, "b": 1})
    assert [str(v) for v in parts.values()] == ["-0.01", "0.00"]


def test_G6_cles_quelconques_hachables():
    parts = repartir(D("3.00"), {("commune", 1): 1, 42: 2})
    assert parts == {("commune", 1): D("1.00"), 42: D("2.00")}


# --- Erreurs --------------------------------------------------------------------------------


def test_G6_aucun_membre():
    with pytest.raises(ValueError, match="Aucun membre à qui répartir."):
        repartir(D("10.00"), {})


def test_G6_poids_negatif_refuse():
    with pytest.raises(ValueError, match="Les poids de répartition doivent être positifs ou nuls."):
        repartir(D("10.00"), {"a": 1, "b": D("-0.01")})


def test_G6_tous_les_poids_nuls_refuses():
    with pytest.raises(ValueError, match="Au moins un poids doit être strictement positif."):
        repartir(D("10.00"), {"a": 0, "b": D("0.00")})


def test_G6_montant_a_plus_de_deux_decimales_refuse():
    with pytest.raises(ValueError, match="au plus deux décimales"):
        repartir(D("10.001"), {"a": 1})


@pytest.mark.parametrize("montant", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_G6_montant_non_fini_refuse(montant):
    with pytest.raises(ValueError, match="nombre fini"):
        repartir(montant, {"a": 1})


@pytest.mark.parametrize("montant", [10.0, "10.00", None, True])
def test_G6_montant_float_ou_autre_refuse(montant):
    with pytest.raises(TypeError, match="float"):
        repartir(montant, {"a": 1})


@pytest.mark.parametrize("poids", [0.5, "1", None, True])
def test_G6_poids_float_ou_autre_refuse(poids):
    with pytest.raises(TypeError, match="jamais un float"):
        repartir(D("10.00"), {"a": 1, "b": poids})


@pytest.mark.parametrize("poids", [D("NaN"), D("Infinity")])
def test_G6_poids_non_fini_refuse(poids):
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
def test_G6_propriete_memes_cles_somme_exacte_deux_decimales(montant, ps):
    poids = _en_dict(ps)
    parts = repartir(montant, poids)
    assert list(parts) == list(poids)
    assert sum(parts.values()) == montant
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in parts.values())
    assert all(v >= 0 for v in parts.values())


@given(montant=montants, ps=listes_de_poids)
def test_G6_propriete_chaque_part_a_moins_d_un_centime_de_la_part_exacte(montant, ps):
    parts = repartir(montant, _en_dict(ps))
    total = sum(Fraction(p) for p in ps)
    for p, part in zip(ps, parts.values(), strict=True):
        exacte = Fraction(montant) * Fraction(p) / total
        assert abs(Fraction(part) - exacte) < Fraction(1, 100)
        if p == 0:
            assert part == 0


@given(montant=montants, ps=listes_de_poids)
def test_G6_propriete_monotone_et_departage_par_ordre(montant, ps):
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
def test_G6_propriete_renommer_les_cles_ne_change_pas_les_parts(montant, ps, decalage):
    avant = list(repartir(montant, _en_dict(ps)).values())
    renomme = {("autre", i + decalage): p for i, p in enumerate(ps)}
    apres = list(repartir(montant, renomme).values())
    assert apres == avant


@given(montant=montants, ps=listes_de_poids)
def test_G6_propriete_montant_negatif_oppose_du_positif(montant, ps):
    poids = _en_dict(ps)
    positives = repartir(montant, poids)
    negatives = repartir(-montant, poids)
    assert negatives == {k: -v for k, v in positives.items()}
    assert sum(negatives.values()) == -montant


@given(montant=montants, ps=listes_de_poids, facteur=st.integers(min_value=1, max_value=1000))
def test_G6_propriete_poids_proportionnels_memes_parts(montant, ps, facteur):
    # Seul le poids relatif compte (art. 4.2.6) : multiplier tous les poids ne change rien.
    assert repartir(montant, _en_dict([p * facteur for p in ps])) == repartir(montant, _en_dict(ps))
