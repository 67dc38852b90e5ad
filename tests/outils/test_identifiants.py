"""B8 revised: SIREN, SIRET, IBAN and BIC are checked by their key (python-stdnum)."""

import pytest
from django.core.exceptions import ValidationError

from outils.identifiants import (
    iban_lisible,
    siret_de_siren,
    valider_bic,
    valider_iban,
    valider_siren,
    valider_siret,
)


@pytest.mark.parametrize("valeur", ["243500741", "213502362"])
def test_B8_valid_sirens(valeur):
    valider_siren(valeur)


@pytest.mark.parametrize(
    "valeur, raison",
    [
        ("243500742", "clé de contrôle invalide"),
        ("24350074", "longueur incorrecte"),
        ("24350074A", "caractères ou format incorrects"),
    ],
)
def test_B8_bad_sirens_are_refused_with_the_reason(valeur, raison):
    with pytest.raises(ValidationError) as erreur:
        valider_siren(valeur)
    assert erreur.value.messages == [f"SIREN « {valeur} » invalide ({raison})."]


def test_B8_a_siret_of_fourteen_digits_with_a_wrong_key_is_refused():
    with pytest.raises(ValidationError, match="clé de contrôle invalide"):
        valider_siret("12345678901234")
    valider_siret("24350074199903")


def test_B8_a_siret_starts_with_its_siren():
    assert siret_de_siren("21350236299909", "213502362")
    assert not siret_de_siren("24350074199903", "213502362")


def test_B8_iban_and_bic_of_the_comptable():
    valider_iban("FR76 3000 1000 6400 0000 0000 040")
    with pytest.raises(ValidationError, match="IBAN « FR76 3000 1000 6400 0000 0000 041 »"):
        valider_iban("FR76 3000 1000 6400 0000 0000 041")
    valider_bic("BDFEFRPPCCT")
    with pytest.raises(ValidationError, match="BIC"):
        valider_bic("BDF1FRPP")
    assert iban_lisible("FR7630001000640000000000040") == "FR76 3000 1000 6400 0000 0000 040"
