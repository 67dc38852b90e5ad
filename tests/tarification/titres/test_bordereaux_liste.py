"""Every bordereau followable (B3, B7): the bordereaux list of every nature with its exports,
PES file and récapitulatif; the titres list filtered by bordereau, with each titre's state,
net amount and what remains; the « annulé » and « réduit » badges."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tarification.models import TitreDeRecettes
from tarification.titres import corrections, emission

pytestmark = pytest.mark.django_db


def _titre(commune, nature, montant, objet):
    return emission.emettre_titre(
        nature=nature,
        commune=commune,
        objet=objet,
        lignes=[emission.LigneAFacturer("a", objet, Decimal(montant), base_texte="art. 4.2.6")],
        par=None,
    )


@pytest.fixture
def titres(emetteur, membre, responsable_financier):
    commune = membre()
    appel = _titre(commune, "appel_de_fonds", "1234.50", "Appel de fonds téléphonie")
    refacturation = _titre(commune, "refacturation", "800.00", "Licences bureautiques")
    audit = _titre(commune, "audit", "2000.00", "Audit du système d'information")
    reduction = corrections.reduire_titre(
        titre=appel,
        motif="Erreur de quote-part",
        par=responsable_financier,
        montant=Decimal("234.50"),
    )
    annulation = corrections.annuler_titre(
        titre=refacturation, motif="Facture déjà réglée", par=responsable_financier
    )
    return {
        "appel": appel,
        "refacturation": refacturation,
        "audit": audit,
        "reduction": reduction,
        "annulation": annulation,
    }


def test_every_bordereau_of_every_nature_is_listed_with_its_exports(
    client, responsable_financier, titres, django_assert_max_num_queries
):
    client.force_login(responsable_financier)
    with django_assert_max_num_queries(12):
        reponse = client.get(reverse("tarification:bordereaux"))
    contenu = reponse.content.decode()
    for titre in titres.values():
        bordereau = titre.bordereau
        assert f"n° {bordereau.numero} — exercice {bordereau.exercice}" in contenu
        for nom in ("bordereau_zip", "bordereau_csv", "bordereau_xlsx"):
            assert reverse(f"tarification:{nom}", args=[bordereau.pk]) in contenu
    for nature in ("appel de fonds", "refacturation de mandat", "audit", "réduction", "annulation"):
        assert nature in contenu
    assert "1\u00a0234,50\u00a0€" in contenu
    # Each export of a non-campaign bordereau answers.
    bordereau = titres["audit"].bordereau
    assert client.get(reverse("tarification:bordereau_csv", args=[bordereau.pk])).status_code == 200


def test_the_bordereaux_list_filters_by_nature_and_genre(client, responsable_financier, titres):
    client.force_login(responsable_financier)
    contenu = client.get(reverse("tarification:bordereaux"), {"nature": "audit"}).content.decode()
    assert f"n° {titres['audit'].bordereau.numero} — " in contenu
    assert f"n° {titres['appel'].bordereau.numero} — " not in contenu
    contenu = client.get(reverse("tarification:bordereaux"), {"genre": "reductions"}).content
    assert f"n° {titres['reduction'].bordereau.numero} — ".encode() in contenu
    assert f"n° {titres['audit'].bordereau.numero} — ".encode() not in contenu


def test_the_query_count_of_the_bordereaux_list_does_not_grow_with_bordereaux(
    client, responsable_financier, titres, membre, django_assert_max_num_queries
):
    commune = titres["audit"].commune
    for i in range(6):
        _titre(commune, "appel_de_fonds", "10.00", f"Appel {i}")
    client.force_login(responsable_financier)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("tarification:bordereaux")).status_code == 200


def test_the_titres_list_is_filtered_by_bordereau(client, responsable_financier, titres):
    client.force_login(responsable_financier)
    bordereau = titres["audit"].bordereau
    contenu = client.get(
        reverse("tarification:titres"),
        {"exercice": bordereau.exercice, "bordereau": bordereau.numero},
    ).content.decode()
    assert "Audit du système" in contenu
    assert "Licences bureautiques" not in contenu


def test_each_titre_shows_its_state_net_and_remaining(
    client, responsable_financier, titres, django_assert_max_num_queries
):
    assert titres["appel"].etat() == TitreDeRecettes.Etat.REDUIT
    assert titres["refacturation"].etat() == TitreDeRecettes.Etat.ANNULE
    assert titres["audit"].etat() == TitreDeRecettes.Etat.EMIS
    annotes = {t.pk: t for t in TitreDeRecettes.objects.avec_etat()}
    assert annotes[titres["appel"].pk].net == Decimal("1000.00")
    assert annotes[titres["refacturation"].pk].net == Decimal("0.00")
    assert annotes[titres["audit"].pk].net == Decimal("2000.00")
    assert annotes[titres["appel"].pk].etat() == TitreDeRecettes.Etat.REDUIT

    client.force_login(responsable_financier)
    with django_assert_max_num_queries(12):
        contenu = client.get(reverse("tarification:titres")).content.decode()
    entetes = re.sub(r"\s+", " ", contenu[contenu.index("<thead") : contenu.index("</thead>")])
    for colonne in ("État", "Net", "Reste à recouvrer", "Bordereau"):
        assert re.search(rf">\s*{colonne}\s*<", entetes), colonne
    assert 'etiquette--alerte">annulé<' in contenu
    assert 'etiquette--avertissement">réduit<' in contenu
    assert "1\u00a0000,00\u00a0€" in contenu


@pytest.mark.parametrize(
    ("etat", "present", "absent"),
    [
        ("annule", "Licences bureautiques", "Audit du système"),
        ("reduit", "Appel de fonds téléphonie", "Audit du système"),
        ("emis", "Audit du système", "Licences bureautiques"),
    ],
)
def test_the_titres_list_filters_by_state(
    client, responsable_financier, titres, etat, present, absent
):
    client.force_login(responsable_financier)
    contenu = client.get(reverse("tarification:titres"), {"etat": etat}).content.decode()
    assert present in contenu
    assert absent not in contenu


def test_the_titre_page_shows_the_badge_of_its_state(client, responsable_financier, titres):
    client.force_login(responsable_financier)
    contenu = client.get(
        reverse("tarification:titre", args=[titres["refacturation"].pk])
    ).content.decode()
    assert 'etiquette--alerte">annulé<' in contenu
