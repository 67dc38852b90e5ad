"""Règle B5 : le total du titre en toutes lettres (tarification/lettres.py)."""

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tarification.titres.lettres import montant_en_lettres

D = Decimal


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        ("5532.50", "cinq mille cinq cent trente-deux euros et cinquante centimes"),
        ("1", "un euro"),
        ("1.00", "un euro"),
        ("71", "soixante et onze euros"),
        ("80", "quatre-vingts euros"),
        ("81", "quatre-vingt-un euros"),
        ("200", "deux cents euros"),
        ("201", "deux cent un euros"),
        ("280", "deux cent quatre-vingts euros"),
        ("1000", "mille euros"),
        ("80000", "quatre-vingt mille euros"),
        ("200000", "deux cent mille euros"),
        ("1000000", "un million d'euros"),
        ("2000000", "deux millions d'euros"),
        ("80000000", "quatre-vingts millions d'euros"),
        ("1000000000", "un milliard d'euros"),
        ("2500000000", "deux milliards cinq cents millions d'euros"),
        ("1000001", "un million un euros"),
        ("1000000.01", "un million d'euros et un centime"),
        ("1200000.10", "un million deux cent mille euros et dix centimes"),
        ("2032.50", "deux mille trente-deux euros et cinquante centimes"),
        ("0.01", "un centime"),
        ("0.50", "cinquante centimes"),
        ("0.80", "quatre-vingts centimes"),
        ("0", "zéro euro"),
        ("0.00", "zéro euro"),
        ("-0.00", "zéro euro"),
        ("1.01", "un euro et un centime"),
        ("21.21", "vingt et un euros et vingt et un centimes"),
        ("-3500", "moins trois mille cinq cents euros"),
        ("-3500.00", "moins trois mille cinq cents euros"),
        ("-0.01", "moins un centime"),
        ("-1000000", "moins un million d'euros"),
        ("-5532.50", "moins cinq mille cinq cent trente-deux euros et cinquante centimes"),
    ],
)
def test_B5_montant_en_lettres_examples(montant, attendu):
    assert montant_en_lettres(D(montant)) == attendu


def test_B5_montant_en_lettres_accepts_an_integer():
    assert montant_en_lettres(1000000) == "un million d'euros"


def test_B5_montant_en_lettres_accepts_superfluous_zeros():
    assert montant_en_lettres(D("12.5000")) == "douze euros et cinquante centimes"


@pytest.mark.parametrize("montant", ["0.001", "12.345", "-1.999"])
def test_B5_montant_en_lettres_refuses_more_than_two_decimals(montant):
    with pytest.raises(ValueError, match="au plus deux décimales"):
        montant_en_lettres(D(montant))


@pytest.mark.parametrize("montant", ["NaN", "Infinity", "-Infinity"])
def test_B5_montant_en_lettres_refuses_non_finite(montant):
    with pytest.raises(ValueError, match="nombre fini"):
        montant_en_lettres(D(montant))


@pytest.mark.parametrize("montant", [1.5, 0.0, "12.00", None, True])
def test_B5_montant_en_lettres_refuses_float_or_other(montant):
    with pytest.raises(TypeError, match="jamais un float"):
        montant_en_lettres(montant)


# --- Vérification des cardinaux de num2words contre une référence indépendante -------------
# Règles d'accord : « vingt » et « cent » multipliés prennent un s s'ils terminent le
# nombre (ou précèdent million/milliard, qui sont des noms), pas devant « mille » ; « mille »
# est invariable ; « et un », « et onze » sans trait d'union.

_UNITES = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
]
_DIZAINES = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def _moins_de_cent(n: int, final: bool) -> str:
    if n < 17:
        return _UNITES[n]
    if n < 20:
        return "dix-" + _UNITES[n - 10]
    if n < 70:
        dizaine, unite = divmod(n, 10)
        if unite == 0:
            return _DIZAINES[dizaine]
        if unite == 1:
            return _DIZAINES[dizaine] + " et un"
        return _DIZAINES[dizaine] + "-" + _UNITES[unite]
    if n < 80:
        return "soixante et onze" if n == 71 else "soixante-" + _moins_de_cent(n - 60, final)
    if n == 80:
        return "quatre-vingts" if final else "quatre-vingt"
    return "quatre-vingt-" + _moins_de_cent(n - 80, final)


def _moins_de_mille(n: int, final: bool) -> str:
    centaine, reste = divmod(n, 100)
    mots = []
    if centaine == 1:
        mots.append("cent")
    elif centaine > 1:
        mots.append(_UNITES[centaine] + (" cents" if reste == 0 and final else " cent"))
    if reste or not mots:
        mots.append(_moins_de_cent(reste, final))
    return " ".join(mots)


def _reference(n: int) -> str:
    """Cardinal français de 0 à 10¹² − 1, écrit d'après les règles ci-dessus."""
    assert 0 <= n < 10**12
    milliards, n = divmod(n, 10**9)
    millions, n = divmod(n, 10**6)
    milliers, unites = divmod(n, 1000)
    mots = []
    for groupe, nom in ((milliards, "milliard"), (millions, "million")):
        if groupe:
            mots.append(f"{_moins_de_mille(groupe, final=True)} {nom}{'s' if groupe > 1 else ''}")
    if milliers == 1:
        mots.append("mille")
    elif milliers:
        mots.append(_moins_de_mille(milliers, final=False) + " mille")
    if unites or not mots:
        mots.append(_moins_de_mille(unites, final=True))
    return " ".join(mots)


def _attendu_euros(n: int) -> str:
    if n <= 1:
        return f"{_reference(n)} euro"
    if n >= 10**6 and n % 10**6 == 0:
        return f"{_reference(n)} d'euros"
    return f"{_reference(n)} euros"


def test_B5_montant_en_lettres_every_euro_from_0_to_2000():
    for n in range(2001):
        assert montant_en_lettres(D(n)) == _attendu_euros(n), n


def test_B5_montant_en_lettres_every_cent():
    for c in range(1, 100):
        attendu = f"{_reference(c)} centime{'s' if c > 1 else ''}"
        assert montant_en_lettres(D(c).scaleb(-2)) == attendu, c
        assert montant_en_lettres(D(c).scaleb(-2) + 7) == f"sept euros et {attendu}", c


_groupes = st.one_of(
    st.integers(min_value=0, max_value=999),
    st.sampled_from([0, 1, 71, 80, 81, 100, 180, 200, 280, 201, 999]),
)


@given(
    st.one_of(
        st.integers(min_value=0, max_value=10**12 - 1),
        st.tuples(_groupes, _groupes, _groupes, _groupes).map(
            lambda g: g[0] * 10**9 + g[1] * 10**6 + g[2] * 1000 + g[3]
        ),
    ),
    st.integers(min_value=0, max_value=99),
    st.booleans(),
)
@example(80_080_080_080, 80, False)
@example(200_200_200_200, 0, True)
@example(1_001_001_001, 1, False)
def test_B5_montant_en_lettres_follows_the_agreement_rules(euros, centimes, negatif):
    montant = D(euros) + D(centimes).scaleb(-2)
    if negatif:
        montant = -montant
    if centimes == 0:
        attendu = _attendu_euros(euros)
    else:
        mots_centimes = f"{_reference(centimes)} centime{'s' if centimes > 1 else ''}"
        attendu = mots_centimes if euros == 0 else f"{_attendu_euros(euros)} et {mots_centimes}"
    if negatif and montant != 0:
        attendu = "moins " + attendu
    assert montant_en_lettres(montant) == attendu
