"""The back office: French admin with constant query counts, filters and search."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membres.models import Adhesion, Commune, Contact, Population


def peupler(n, debut=10000):
    annee = timezone.localdate().year
    communes = Commune.objects.bulk_create(
        Commune(code_insee=f"{i:05d}", nom=f"Commune {i}", departement="35" if i % 2 else "56")
        for i in range(debut, debut + n)
    )
    Population.objects.bulk_create(
        Population(commune=c, annee=annee, valeur=500 + 97 * i, millesime=annee - 3)
        for i, c in enumerate(communes)
    )
    Adhesion.objects.bulk_create(
        Adhesion(
            commune=c,
            formule=["socle_complet", "groupement", "audit", "annexe_complet"][i % 4],
            date_effet=date(2024, 1, 1),
            deliberation_numero=f"D{i}",
            deliberation_date=date(2023, 10, 1),
        )
        for i, c in enumerate(communes)
    )
    Contact.objects.bulk_create(
        Contact(commune=c, nom=f"Contact {c.nom}", decideur=True) for c in communes
    )


def compter(client, url):
    with CaptureQueriesContext(connection) as ctx:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "modele",
    ["commune", "adhesion", "population", "contact"],
)
def test_changelists_run_the_same_number_of_queries_with_20_and_200_communes(
    client, admin_user, modele
):
    client.force_login(admin_user)
    url = reverse(f"admin:membres_{modele}_changelist")
    peupler(20)
    petit = compter(client, url)
    peupler(180, debut=20000)
    grand = compter(client, url)
    assert petit == grand


def test_commune_changelist_shows_population_and_formula_in_french(client, admin_user):
    client.force_login(admin_user)
    peupler(3)
    contenu = client.get(reverse("admin:membres_commune_changelist")).content.decode()
    assert "Commune 10000" in contenu
    assert "socle complet" in contenu
    assert "Rechercher" in contenu  # the admin speaks French


@pytest.mark.parametrize(
    ("tranche", "attendues"),
    [
        ("lt1500", {1499}),
        ("1500-2999", {1500, 2999}),
        ("3000-8000", {3000, 8000}),
        ("gt8000", {8001}),
    ],
)
def test_P2_bracket_filter_uses_the_bounds_as_written(client, admin_user, tranche, attendues):
    annee = timezone.localdate().year
    for valeur in [1499, 1500, 2999, 3000, 8000, 8001]:
        commune = Commune.objects.create(
            code_insee=f"{valeur:05d}", nom=f"P{valeur}", departement="35"
        )
        Population.objects.create(commune=commune, annee=annee, valeur=valeur, millesime=annee - 3)
    client.force_login(admin_user)
    reponse = client.get(reverse("admin:membres_commune_changelist"), {"tranche": tranche})
    trouvees = {c.code_insee for c in reponse.context["cl"].result_list}
    assert trouvees == {f"{v:05d}" for v in attendues}


def test_filters_by_formula_status_and_departement(client, admin_user):
    peupler(8)
    client.force_login(admin_user)
    url = reverse("admin:membres_commune_changelist")
    socle = client.get(url, {"formule": "socle_complet"}).context["cl"].result_list
    assert len(socle) == 2
    assert len(client.get(url, {"departement": "56"}).context["cl"].result_list) == 4
    assert len(client.get(url, {"statut": "en_cours"}).context["cl"].result_list) == 8
    assert len(client.get(url, {"statut": "sans"}).context["cl"].result_list) == 0


@pytest.mark.parametrize("terme", ["Commune 10001", "10001", "213500135"])
def test_search_by_name_insee_code_and_siren(client, admin_user, terme):
    peupler(3)
    Commune.objects.filter(code_insee="10001").update(siren="213500135")
    client.force_login(admin_user)
    resultats = (
        client.get(reverse("admin:membres_commune_changelist"), {"q": terme})
        .context["cl"]
        .result_list
    )
    assert [c.code_insee for c in resultats] == ["10001"]


def test_commune_change_page_has_its_inlines_and_history(client, admin_user):
    peupler(1)
    commune = Commune.objects.get()
    client.force_login(admin_user)
    contenu = client.get(
        reverse("admin:membres_commune_change", args=[commune.pk])
    ).content.decode()
    for titre in ["Populations", "Adhésions", "Contacts", "Établissements associés"]:
        assert titre in contenu
    reponse = client.get(reverse("admin:membres_commune_history", args=[commune.pk]))
    assert reponse.status_code == 200


def test_adhesion_change_page_shows_status_and_next_renewal(
    client, admin_user, commune_a, adhesion_factory
):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 7, 1))
    client.force_login(admin_user)
    contenu = client.get(
        reverse("admin:membres_adhesion_change", args=[adhesion.pk])
    ).content.decode()
    assert "en cours" in contenu
    assert "prochaine reconduction tacite" in contenu.lower()


def test_population_year_filter_offers_recent_years_without_reading_the_table(client, admin_user):
    """At 140,000 populations a DISTINCT over the table costs tens of ms per page: the year
    filters offer the recent years without a query, and filter in the database."""
    client.force_login(admin_user)
    peupler(3)
    annee = timezone.localdate().year
    commune = Commune.objects.get(code_insee="10000")
    Population.objects.create(commune=commune, annee=annee - 1, valeur=42, millesime=annee - 4)
    url = reverse("admin:membres_population_changelist")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert not [q for q in ctx.captured_queries if "DISTINCT" in q["sql"]]
    assert f"?annee={annee - 1}" in page and f"?millesime={annee - 4}" in page
    filtree = client.get(url, {"annee": annee - 1}).content.decode()
    assert "42" in filtree
    assert "1 population" in filtree and "3 populations" not in filtree
