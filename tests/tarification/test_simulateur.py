"""The public page "Simulez votre contribution": no login, a GET form that
works without JavaScript, French formatting, errors tied to their field, constant queries."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

NB = "\u00a0"
URL = "tarification:simulateur"


@pytest.fixture
def allaire(commune_factory, population_factory):
    commune = commune_factory(code_insee="56001", nom="Allaire", departement="56")
    population_factory(commune, 2026, 3929, millesime=2023)
    return commune


def page(client, **params):
    reponse = client.get(reverse(URL), params)
    assert reponse.status_code == 200
    return unescape(reponse.content.decode())  # "n&#x27;est" → "n'est"


@pytest.mark.django_db
def test_public_page_without_login(client):
    html = page(client)
    assert "<h1>Simulez votre contribution</h1>" in html
    assert 'method="get"' in html
    # Every field has its label; no result before the form is sent.
    for nom in ("commune", "population", "formule", "annee"):
        assert f'<label for="id_{nom}">' in html
    assert "Base de liquidation" not in html
    assert f'value="{date.today().year}"' in html


@pytest.mark.django_db
def test_T1_example_5532_50_for_2355_inhabitants(client):
    html = page(client, population="2355", formule="socle_complet", annee="2026")
    assert f"5{NB}532,50{NB}€" in html
    assert f"part fixe 2{NB}000,00{NB}€ + 1,50{NB}€ × 2{NB}355 hab." in html
    assert "tranche « de 1 500 à moins de 3 000 »" in html
    assert "population saisie" in html
    assert "Contribution 2026 — socle complet" in html  # a year, not « 2 026 »
    assert "en vigueur au 1er janvier 2026." in html


@pytest.mark.django_db
def test_T5_population_entered_with_spaces(client):
    html = page(client, population=f"2{NB}355", formule="groupement", annee="2026")
    assert f"1{NB}838,75{NB}€" in html  # 1 250 + 0,25 × 2 355


@pytest.mark.django_db
def test_P1_chosen_commune_its_population_of_the_year_and_its_vintage(client, allaire):
    html = page(client, commune=allaire.pk, population="", formule="socle_complet", annee="2026")
    assert f"<strong>3{NB}929 habitants</strong>" in html
    assert "population municipale d'Allaire en vigueur en 2026 (millésime INSEE 2023)" in html
    assert f"8{NB}393,50{NB}€" in html  # 2 500 + 1,50 × 3 929


@pytest.mark.django_db
def test_P1_commune_without_population_this_year_error_on_the_field(client, allaire):
    html = page(client, commune=allaire.pk, formule="socle_complet", annee="2025")
    assert "Aucune population n'est enregistrée pour Allaire en 2025" in html
    assert 'aria-describedby="id_commune_helptext id_commune_error"' in html
    assert 'id="id_commune_error"' in html


@pytest.mark.django_db
def test_P2_invalid_population_french_error_tied_to_the_field(client):
    html = page(client, population="-12", formule="socle_complet", annee="2026")
    assert 'id="id_population_error"' in html
    assert "Saisissez une population en nombre entier d'habitants" in html
    champ = re.search(r'<input[^>]*name="population"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in champ
    assert 'aria-describedby="id_population_helptext id_population_error"' in champ
    assert "Base de liquidation" not in html


@pytest.mark.django_db
def test_neither_commune_nor_population(client):
    html = page(client, formule="audit", annee="2026")
    assert "Choisissez une commune ou saisissez une population." in html


@pytest.mark.django_db
def test_year_without_bareme_error_on_the_year(client):
    html = page(client, population="100", formule="audit", annee="2019")
    assert "Aucune version du barème n'est en vigueur au 1er janvier 2019." in html
    assert 'id="id_annee_error"' in html


@pytest.mark.django_db
def test_M6_over_8000_inhabitants_tarif_derogatoire(client):
    html = page(client, population="8001", formule="annexe_complet", annee="2026")
    assert "Montant non calculable par le barème" in html
    assert "tarif dérogatoire manquant" in html
    assert f"5{NB}500,25{NB}€" in html  # the groupement line is still listed (3 500 + 2 000,25)


@pytest.mark.django_db
def test_page_query_count_is_constant(
    client, commune_factory, population_factory, django_assert_num_queries
):
    def creer(n):
        for _ in range(n):
            population_factory(commune_factory(), 2026, 2355)

    creer(3)
    choisie = population_factory(commune_factory(), 2026, 2355).commune
    params = {"commune": choisie.pk, "formule": "socle_complet", "annee": "2026"}
    # commune (validation), its population, grid versions and lines, the pool's use (T6), the
    # <select>'s communes
    with django_assert_num_queries(6):
        client.get(reverse(URL), params)
    creer(30)
    with django_assert_num_queries(6):
        html = client.get(reverse(URL), params).content.decode()
    assert html.count("<option") == 34 + 1 + 4  # communes + empty choice + formulas
