"""The niveau 1 page for DSI staff (T6): access, content, filters, exports, query count."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

# T6 in *dotation individuelle* (allowances bill); volume partagé: tests/missions/test_volume.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dotation_individuelle")]

URL = reverse("missions:dotations")


@pytest.fixture
def annee_2025(membre, saisir):
    """Three members in 2025: one beyond its allowance, one at it, one without the socle."""
    depasse = membre(3875, nom="Allaire")
    saisir(depasse, 2025, 16)  # 13 + 3
    juste = membre(2266, nom="Sainte-Marie")
    saisir(juste, 2025, 9)
    sans = membre(2283, formule="annexe_complet", nom="Fégréac")
    saisir(sans, 2025, 2)
    return depasse, juste, sans


def test_page_is_for_dsi_staff_only(client, secretaire_a, agent):
    reponse = client.get(URL)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))

    client.force_login(secretaire_a)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("missions:dotations_export", args=["csv"])).status_code == 403

    client.force_login(agent)
    assert client.get(URL).status_code == 200


def test_T6_page_shows_allowances_extra_half_days_and_warnings(client, agent, annee_2025):
    client.force_login(agent)
    reponse = client.get(URL, {"annee": 2025})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Niveau 1 : dotations et demi-journées 2025" in html
    assert (
        "Allaire a dépassé sa dotation 2025 : 16 demi-journées utilisées pour 13, soit 3 "
        "au-delà à 200,00\u00a0€ = 600,00\u00a0€" in html
    )
    assert "Sainte-Marie a utilisé toute sa dotation 2025 (9 demi-journées)" in html
    assert "Fégréac n&#x27;a pas le socle complet en 2025 : ses 2 demi-journées" in html
    # The pool: 13 + 9 half-days taken within allowances, out of 234.
    assert "11 j</span> sur 117 jours" in html
    assert "(22 / 234 demi-journées), soit 9 %." in html
    # 600 € (Allaire) + 400 € (Fégréac, from the first half-day).
    assert "1\u00a0000,00\u00a0€" in html
    soldes = {s.commune.nom: s for s in reponse.context["table"].data}
    assert soldes["Allaire"].montant == Decimal("600.00")
    assert soldes["Fégréac"].montant == Decimal("400.00")


def test_filters_keep_the_pool_of_every_member(client, agent, annee_2025):
    client.force_login(agent)
    reponse = client.get(URL, {"annee": 2025, "etat": "depassee"})
    assert [s.commune.nom for s in reponse.context["table"].data] == ["Allaire"]
    assert reponse.context["bilan"].pool.consommees == 22

    reponse = client.get(URL, {"annee": 2025, "nom": "sainte"})
    assert [s.commune.nom for s in reponse.context["table"].data] == ["Sainte-Marie"]

    reponse = client.get(URL, {"annee": 2025, "formule": "sans"})
    assert [s.commune.nom for s in reponse.context["table"].data] == ["Fégréac"]

    reponse = client.get(URL, {"annee": 2025, "tranche": "de 3 000 à 8 000"})
    assert [s.commune.nom for s in reponse.context["table"].data] == ["Allaire"]


def test_bad_year_is_refused_with_a_message_not_an_error(client, agent):
    client.force_login(agent)
    reponse = client.get(URL, {"annee": "1850"})
    assert reponse.status_code == 200
    assert "Sélectionnez un choix valide" in reponse.content.decode()


def test_csv_export_is_french_and_safe(client, agent, annee_2025, commune_factory):
    client.force_login(agent)
    reponse = client.get(reverse("missions:dotations_export", args=["csv"]), {"annee": 2025})
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == 'attachment; filename="niveau1-2025.csv"'
    contenu = reponse.content
    assert contenu.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0][:3] == ["année", "membre", "code INSEE"]
    allaire = next(ligne for ligne in lignes if ligne[1] == "Allaire")
    entete = lignes[0]
    assert allaire[entete.index("dotation (demi-journées)")] == "13"
    assert allaire[entete.index("utilisées")] == "16"
    assert allaire[entete.index("facturées")] == "3"
    assert allaire[entete.index("à facturer (€)")] == "600,00"
    assert allaire[entete.index("prix de la demi-journée (€)")] == "200,00"


def test_csv_export_escapes_formulas(client, agent, membre):
    membre(1200, nom='=HYPERLINK("http://x")')
    client.force_login(agent)
    reponse = client.get(reverse("missions:dotations_export", args=["csv"]), {"annee": 2025})
    assert "'=HYPERLINK" in reponse.content.decode("utf-8-sig")


def test_xlsx_export_has_numbers_and_the_pool(client, agent, annee_2025):
    client.force_login(agent)
    reponse = client.get(
        reverse("missions:dotations_export", args=["xlsx"]), {"annee": 2025, "etat": "depassee"}
    )
    assert reponse.status_code == 200
    classeur = load_workbook(io.BytesIO(reponse.content))
    feuille = classeur["Niveau 1 2025"]
    lignes = list(feuille.iter_rows(values_only=True))
    assert len(lignes) == 2  # header + Allaire (the filter applies)
    entete, allaire = lignes
    assert allaire[entete.index("membre")] == "Allaire"
    assert allaire[entete.index("à facturer (€)")] == 600
    pool = dict(classeur["Volume partagé"].iter_rows(values_only=True))
    assert pool["prises dans le volume, non facturées (demi-journées)"] == 22


def test_unknown_export_format_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("missions:dotations_export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize("nombre", [3, 40])
def test_page_query_count_does_not_grow_with_members(
    client, agent, membre, saisir, django_assert_num_queries, nombre
):
    for i in range(nombre):
        commune = membre(
            [1200, 2355, 5000][i % 3], formule="socle_complet" if i % 4 else "groupement"
        )
        saisir(commune, 2025, 1 + i % 15)
    client.force_login(agent)
    client.get(URL, {"annee": 2025})  # warm the session
    # session + user, the role's permissions (user's, groups'), departments of the filter,
    # grid (2), titres already issued, contribution facts (grid versions and lines, then
    # communes, populations, adhésions, their derogations, audits, their derogations,
    # half-days, entries of the shared pool, issued audit titres), the pool's use
    with django_assert_num_queries(21):
        reponse = client.get(URL, {"annee": 2025, "nom": "Commune"})
    assert len(reponse.context["table"].data) == nombre


def test_default_year_is_the_current_one(client, agent):
    client.force_login(agent)
    reponse = client.get(URL)
    assert reponse.context["bilan"].annee == date.today().year
