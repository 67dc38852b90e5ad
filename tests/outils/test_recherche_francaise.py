"""French search and sorting: accents ignored in searches (« theh » finds « Théhillac »,
« beganne » finds « Béganne »), communes in French order (« Béganne » before
« Bruc-sur-Aff »). PostgreSQL: unaccent and the ICU collation; SQLite: the Python fallback."""

import pytest
from django.urls import reverse

from membres.models import Commune
from outils.requetes import sans_accents, sans_accents_contient

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes(commune_factory):
    return [
        commune_factory(code_insee=code, nom=nom)
        for code, nom in [
            ("35021", "Bruc-sur-Aff"),
            ("56011", "Béganne"),
            ("56251", "Théhillac"),
            ("35001", "Allaire-Test"),
            ("44003", "Avessac"),
        ]
    ]


def test_sans_accents_keeps_the_letters():
    assert sans_accents("Théhillac") == "Thehillac"
    assert sans_accents("Béganne, Les Fougerêts, Saint-Perreux") == (
        "Beganne, Les Fougerets, Saint-Perreux"
    )


@pytest.mark.parametrize(
    ("recherche", "trouve"),
    [("theh", "Théhillac"), ("THÉH", "Théhillac"), ("beganne", "Béganne"), ("bég", "Béganne")],
)
def test_a_search_ignores_accents_and_case(communes, recherche, trouve):
    noms = list(
        Commune.objects.filter(sans_accents_contient("nom", recherche)).values_list(
            "nom", flat=True
        )
    )
    assert noms == [trouve]


def test_communes_are_sorted_in_french_order(communes):
    noms = list(Commune.objects.values_list("nom", flat=True))
    assert noms.index("Béganne") < noms.index("Bruc-sur-Aff")
    assert noms == ["Allaire-Test", "Avessac", "Béganne", "Bruc-sur-Aff", "Théhillac"]


def test_the_admin_search_ignores_accents(admin_client, communes):
    liste = admin_client.get(reverse("admin:membres_commune_changelist"), {"q": "theh"})
    contenu = liste.content.decode()
    assert "Théhillac" in contenu and "Béganne" not in contenu


def test_the_titres_list_finds_a_commune_without_its_accents(
    client, responsable_financier, emetteur, communes
):
    from decimal import Decimal

    from tarification.titres import emission

    commune = communes[2]
    emission.emettre_titre(
        nature="appel_de_fonds",
        commune=commune,
        objet="Appel de fonds",
        lignes=[emission.LigneAFacturer("a", "Quote-part", Decimal("10.00"), base_texte="x")],
        par=None,
    )
    client.force_login(responsable_financier)
    contenu = client.get(reverse("tarification:titres"), {"commune": "thehillac"}).content
    assert "Théhillac".encode() in contenu
    contenu = client.get(reverse("tarification:titres"), {"debiteur_nom": "THEH"}).content
    assert "Théhillac".encode() in contenu
