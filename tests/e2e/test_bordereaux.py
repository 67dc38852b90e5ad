"""The finance officer's journeys in a real browser, at 1280 and 390 px: the bordereaux list of
every nature → an export; a titre → its réduction, through its recap page, then the titre
marked « réduit ». Every page passes axe-core (no serious or critical violation)."""

import re
from decimal import Decimal

import pytest

from tarification.models import TitreDeRecettes
from tarification.titres import emission
from tests.e2e.conftest import capturer, verifier_accessibilite
from tests.e2e.test_sortie import MOT_DE_PASSE, connecter

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]

LARGEURS = {"bureau": 1280, "telephone": 390}


@pytest.fixture
def titres(membre, emetteur, responsable_financier):
    commune = membre(nom="Béganne")
    emis = [
        emission.emettre_titre(
            nature=nature,
            commune=commune,
            objet=objet,
            lignes=[emission.LigneAFacturer("a", objet, Decimal(montant), base_texte="art. 4")],
            par=None,
        )
        for nature, objet, montant in [
            ("appel_de_fonds", "Appel de fonds téléphonie", "1234.50"),
            ("audit", "Audit du système d'information", "3500.00"),
        ]
    ]
    responsable_financier.set_password(MOT_DE_PASSE)
    responsable_financier.save()
    return emis


@pytest.mark.parametrize("largeur", sorted(LARGEURS))
def test_the_finance_officer_follows_the_bordereaux_and_exports_one(onglet, titres, largeur):
    onglet.set_viewport_size({"width": LARGEURS[largeur], "height": 900})
    connecter(onglet, "finances")
    onglet.goto("/tarification/bordereaux/")
    assert onglet.get_by_role("heading", name="Bordereaux de titres").is_visible()
    corps = onglet.inner_text("body")
    assert "Appel de fonds" in corps and "Audit" in corps
    assert "1\u00a0234,50\u00a0€" in corps
    # The page is never wider than the screen: the table scrolls inside its own box.
    assert onglet.evaluate("document.documentElement.scrollWidth") <= LARGEURS[largeur]
    capturer(onglet, f"bordereaux-{largeur}")
    assert verifier_accessibilite(onglet) == []
    bordereau = titres[0].bordereau
    with onglet.expect_download() as telechargement:
        onglet.get_by_role("link", name=f"CSV du bordereau n° {bordereau.numero}").click()
    assert telechargement.value.suggested_filename == (
        f"bordereau-{bordereau.exercice}-{bordereau.numero:04d}.csv"
    )
    # Its titres, listed by bordereau.
    onglet.get_by_role("link", name=f"titres du bordereau n° {bordereau.numero}").click()
    onglet.wait_for_load_state()
    assert "Appel de fonds téléphonie" in onglet.inner_text("body")
    assert "Audit du système" not in onglet.inner_text("body")


@pytest.mark.parametrize("largeur", sorted(LARGEURS))
def test_the_finance_officer_reduces_a_titre_through_its_recap(onglet, titres, largeur):
    onglet.set_viewport_size({"width": LARGEURS[largeur], "height": 900})
    titre = titres[0]
    connecter(onglet, "finances")
    onglet.goto(f"/tarification/titres/{titre.pk}/")
    onglet.get_by_role("link", name="Réduire").click()
    onglet.wait_for_load_state()
    onglet.get_by_label("Motif de la réduction").fill("Quote-part recalculée")
    onglet.get_by_label(re.compile("Réduction de")).fill("234,50")
    onglet.get_by_role("button", name="Vérifier avant d'émettre").click()
    onglet.wait_for_load_state()
    # The recap: nothing issued yet.
    assert onglet.get_by_role("heading", name="Vérifier avant d'émettre").is_visible()
    corps = onglet.inner_text("body")
    assert "-234,50\u00a0€" in corps and "Quote-part recalculée" in corps
    assert "Commune de Béganne" in corps
    assert not TitreDeRecettes.objects.filter(nature="reduction").exists()
    assert onglet.evaluate("document.documentElement.scrollWidth") <= LARGEURS[largeur]
    capturer(onglet, f"reduction-recapitulatif-{largeur}")
    assert verifier_accessibilite(onglet) == []
    onglet.get_by_role("button", name="Émettre le titre de réduction").click()
    onglet.wait_for_load_state()
    reduction = TitreDeRecettes.objects.get(nature="reduction")
    assert reduction.total == Decimal("-234.50")
    onglet.goto(f"/tarification/titres/{titre.pk}/")
    assert onglet.get_by_text("réduit", exact=True).is_visible()
    assert verifier_accessibilite(onglet) == []
