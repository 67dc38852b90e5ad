"""The synthetic data set of the scale benchmark (``generer_donnees``) is valid: every record
passes the models' own validation, every bracket of the grid is represented with its
boundaries, and the contribution of every member computes, with a number of queries that does
not depend on the number of communes."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo import synthetique
from groupements.models import AdhesionGroupement, Besoin, verifier_eligibilite
from membres.models import Adhesion, Commune, Formule, Population, TarifDerogatoire
from missions.models import Intervention
from tarification.contribution import contributions
from tarification.models import VersionBareme

pytestmark = pytest.mark.django_db

ANNEE = synthetique.ANNEE_CAMPAGNE


@pytest.fixture
def donnees():
    return synthetique.generer(communes=200)


def test_every_generated_record_passes_full_clean(donnees):
    assert Commune.objects.count() == 200
    for commune in Commune.objects.all():
        commune.full_clean()
        assert commune.nom.startswith(synthetique.PREFIXE)
    for adhesion in Adhesion.objects.select_related("commune"):
        adhesion.full_clean()  # includes the no-overlap rule of one commune's adhésions
        assert adhesion.calculer_dernier_jour() == adhesion.dernier_jour
    for population in Population.objects.all()[:400]:
        population.full_clean()
    for derogation in TarifDerogatoire.objects.all():
        derogation.full_clean()
    for intervention in Intervention.objects.select_related("mission__commune", "agent"):
        intervention.full_clean()  # mission signed, within its dates, ≤ 2 half-days per agent
    for membre in AdhesionGroupement.objects.select_related("commune", "groupement"):
        membre.full_clean()
        verifier_eligibilite(commune=membre.commune, jour=membre.adhere_le)  # G1
    for besoin in Besoin.objects.select_related("adhesion__groupement", "poste"):
        besoin.full_clean()


def test_every_kind_of_adhesion_and_every_bracket_is_present(donnees):
    formules = set(Adhesion.objects.values_list("formule", flat=True))
    assert formules == set(Formule.values)
    assert Adhesion.objects.filter(motif_fin=Adhesion.MotifFin.RESILIATION).exists()
    assert Adhesion.objects.filter(precedente__isnull=False).count() >= 20  # changes (M2)
    assert Adhesion.objects.filter(audit_livre_le__isnull=False).exists()

    valeurs = set(Population.objects.filter(annee=ANNEE).values_list("valeur", flat=True))
    assert {1499, 1500, 2999, 3000, 8000, 8001} <= valeurs
    grille = VersionBareme.objects.en_vigueur_le(date(ANNEE, 1, 1)).get().grille()
    tranches = {grille.ligne("socle_complet", v).tranche.libelle for v in valeurs}
    toutes = {ligne.tranche.libelle for ligne in grille.lignes if ligne.service == "socle_complet"}
    assert tranches == toutes
    # Above 8 000 inhabitants, every socle complet adhesion has its tarif dérogatoire (M6).
    grandes = Adhesion.objects.filter(
        formule="socle_complet",
        commune__populations__annee=ANNEE,
        commune__populations__valeur__gt=8000,
    )
    assert grandes.exists()
    assert not grandes.exclude(derogations__service="socle_complet").exists()


def test_contributions_compute_for_every_member(donnees):
    resultats = contributions(ANNEE)
    assert len(resultats) >= 180  # the résiliés of 2025 are not members in 2026
    codes = {a.code for c in resultats.values() for a in c.resultat.anomalies if a.bloquante}
    # The only blocking anomaly the data set contains on purpose: a commune with its own IT
    # department and no recorded review (M6), one in 500.
    bloquees = [c for c in resultats.values() if c.resultat.bloque]
    assert len(bloquees) == 1, codes
    avec_total = [c for c in resultats.values() if c.resultat.total]
    assert len(avec_total) >= 150
    # T5: the audit delivered in December 2025 is deducted from the first socle complet year.
    assert any(
        ligne.code == "deduction_audit" for c in resultats.values() for ligne in c.resultat.lignes
    )


def test_contributions_query_count_does_not_grow_with_the_number_of_communes():
    def requetes(nombre):
        synthetique.generer(communes=nombre)
        with CaptureQueriesContext(connection) as capture:
            resultats = contributions(ANNEE)
        assert len(resultats) > nombre * 0.9
        synthetique.effacer()
        return len(capture.captured_queries)

    assert requetes(50) == requetes(200)


def test_the_command_refuses_to_run_twice_and_wipes(donnees):
    with pytest.raises(CommandError, match="existent déjà"):
        call_command("generer_donnees", communes=10)
    call_command("generer_donnees", effacer=True)
    assert not synthetique.communes_synthetiques().exists()
    call_command("generer_donnees", communes=12)
    assert Commune.objects.count() == 12


def test_codes_are_distinct_and_valid():
    codes = synthetique.codes_insee(40_000)
    assert len(set(codes)) == 40_000
    validateur = Commune._meta.get_field("code_insee").validators[0]
    for code in codes[::97]:
        validateur(code)
    # The first few thousand come from ranges no real commune uses.
    assert codes[0] == "00000" and codes[2999] == "99999" and codes[3000] == "2A400"
