"""The demo data: 31 real communes, populations 2024–2026, a believable mix of adhésions."""

from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from stdnum.fr import siret

from membres.models import Adhesion, Commune, Population, Rattachement


@pytest.fixture
def demo(db):
    from demo.membres import charger

    charger()


def test_demo_has_the_31_communes_with_their_populations(demo):
    assert Commune.objects.count() == 31
    for annee, millesime in [(2024, 2021), (2025, 2022), (2026, 2023)]:
        assert Population.objects.filter(annee=annee, millesime=millesime).count() == 31
    redon = Commune.objects.get(code_insee="35236")
    assert (redon.nom, redon.siren, redon.code_postal) == ("Redon", "213502362", "35600")
    assert redon.populations.get(annee=2026).valeur == 9542
    # The real NIC is unknown: a SIRET of the real SIREN with the visibly fictitious NIC 9990x
    # and a valid key, so that the demo's titres can be exported (B8, B9), never a real-looking
    # one.
    assert redon.siret.startswith("2135023629990") and siret.is_valid(redon.siret)


def test_demo_adhesions_follow_the_convention(demo):
    redon = Adhesion.objects.get(commune__code_insee="35236")
    assert (redon.formule, redon.date_effet, redon.deliberation_numero) == (
        "groupement",
        date(2024, 1, 1),
        "2023-076",
    )
    audit, socle = Adhesion.objects.filter(commune__code_insee="56239").order_by("date_effet")
    assert audit.formule == "audit" and socle.formule == "socle_complet"
    assert socle.precedente == audit and socle.date_effet <= date(2024, 10, 15)  # T5 window
    thehillac = Adhesion.objects.get(commune__code_insee="56250")
    assert thehillac.statut(date(2026, 11, 29)) == Adhesion.Statut.EN_PREAVIS
    assert Adhesion.objects.filter(formule="socle_complet").count() >= 5


def test_demo_is_idempotent_and_accounts_log_in(demo):
    avant = (Commune.objects.count(), Adhesion.objects.count(), Population.objects.count())
    call_command("charger_demo")
    assert (Commune.objects.count(), Adhesion.objects.count(), Population.objects.count()) == avant
    requete = RequestFactory().post("/connexion/")
    for username in ["dsi", "finances", "mairie-redon", "mairie-allaire"]:
        assert authenticate(requete, username=username, password="demo-servicecommun") is not None
    # login by e-mail address too (membres.auth.UsernameOrEmailBackend)
    assert authenticate(
        requete, username="mairie-redon@demo.invalid", password="demo-servicecommun"
    )
    allaire = Rattachement.objects.filter(utilisateur__username="mairie-allaire")
    assert sorted(r.commune.nom for r in allaire) == ["Allaire", "Saint-Jean-la-Poterie"]


def test_the_demo_populations_name_their_source_in_french(db):
    from demo.membres import charger_communes, charger_populations
    from membres.models import Population

    charger_communes()
    charger_populations()
    source = Population.objects.order_by("pk").first().source
    assert source.startswith("INSEE, populations légales millésime ")
    assert "en vigueur au 1er janvier" in source and "https://www.insee.fr/" in source
    assert not Population.objects.filter(source__contains="github").exists()
