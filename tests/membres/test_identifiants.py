"""B8 revised on the members and the issuer: keys checked on every entry path (admin, portal,
full_clean), a SIRET tied to its SIREN, bad values kept from before reported by a command."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from membres.models import Etablissement
from tarification.models import Emetteur

pytestmark = pytest.mark.django_db


def test_B8_a_commune_siret_with_a_wrong_key_is_refused_in_french(commune_factory):
    commune = commune_factory(nom="Redon", siren="213502362")
    commune.siret = "12345678901234"
    with pytest.raises(ValidationError) as erreur:
        commune.full_clean()
    assert erreur.value.message_dict["siret"] == [
        "SIRET « 12345678901234 » invalide (clé de contrôle invalide)."
    ]


def test_B8_a_siret_must_start_with_the_commune_siren(commune_factory):
    commune = commune_factory(nom="Redon", siren="213502362", siret="24350074199903")
    with pytest.raises(ValidationError) as erreur:
        commune.full_clean()
    assert "ne commence pas par le SIREN 213502362" in erreur.value.message_dict["siret"][0]
    commune.siret = "21350236299909"
    commune.full_clean()


def test_B8_an_etablissement_has_its_own_siren_and_its_siret_starts_with_it(commune_factory):
    commune = commune_factory(nom="Redon", siren="213502362")
    ccas = Etablissement(commune=commune, type="ccas", nom="CCAS de Redon", siren="263500173")
    ccas.siret = "21350236299909"  # the commune's SIRET: not the CCAS's
    with pytest.raises(ValidationError) as erreur:
        ccas.full_clean()
    assert "ne commence pas par le SIREN 263500173" in erreur.value.message_dict["siret"][0]


def test_B8_the_issuer_iban_and_bic_are_structured_and_checked(emetteur):
    emetteur.iban = "FR76 3000 1000 6400 0000 0000 040"
    emetteur.bic = "BDFEFRPPCCT"
    emetteur.full_clean()
    assert emetteur.iban == "FR7630001000640000000000040"
    emetteur.iban = "FR76 3000 1000 6400 0000 0000 041"
    with pytest.raises(ValidationError) as erreur:
        emetteur.full_clean()
    assert "iban" in erreur.value.message_dict
    emetteur.iban, emetteur.bic = "FR7630001000640000000000040", ""
    with pytest.raises(ValidationError, match="IBAN et le BIC"):
        emetteur.full_clean()


def test_B8_bad_values_kept_from_before_are_reported_by_a_command(commune_factory, emetteur):
    # Written as older versions accepted them (no check on save): never silently kept.
    commune_factory(nom="Allaire", siren="215600016", siret="21560001600004")
    commune_factory(nom="Ancienne", siret="12345678901234")
    Emetteur.objects.filter(pk=emetteur.pk).update(siret="24350074100017")
    with pytest.raises(CommandError, match="2 identifiant"):
        call_command("verifier_identifiants")


def test_B8_the_command_is_quiet_when_everything_is_valid(commune_factory, emetteur, capsys):
    commune_factory(nom="Allaire", siren="215600016", siret="21560001600004")
    call_command("verifier_identifiants")
    assert "Tous les identifiants sont valides." in capsys.readouterr().out
