"""DSI pages of the groupements: access, dashboard (constant query count), exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from groupements import actes
from groupements.models import Marche
from outils.exports import echapper

D = Decimal
pytestmark = pytest.mark.django_db


def _urls(groupement_pk, repartition_pk=None):
    urls = [
        reverse("groupements:liste"),
        reverse("groupements:tableau_de_bord", args=[groupement_pk]),
        reverse("groupements:besoins_csv", args=[groupement_pk]),
        reverse("groupements:besoins_xlsx", args=[groupement_pk]),
        reverse("groupements:repartition_nouvelle", args=[groupement_pk]),
    ]
    if repartition_pk:
        urls.append(reverse("groupements:repartition", args=[repartition_pk]))
    return urls


def test_pages_restricted_to_dsi_agents(groupement_lance, client, secretaire_b, agent_dsi):
    groupement, _ = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="recette",
        motif="dommages",
        libelle="Dommages",
        montant=D("10.00"),
        piece="P",
        piece_date=date(2026, 1, 5),
        par=agent_dsi,
    )
    for url in _urls(groupement.pk, repartition.pk):
        anonyme = client.get(url)
        assert anonyme.status_code == 302 and "/connexion/" in anonyme["Location"], url
    # Redon's secretary (a member of this groupement) sees none of the DSI pages.
    client.force_login(secretaire_b)
    for url in _urls(groupement.pk, repartition.pk):
        assert client.get(url).status_code == 403, url
    client.force_login(agent_dsi)
    for url in _urls(groupement.pk, repartition.pk):
        assert client.get(url).status_code == 200, url


def test_step_refused_without_the_permission(groupement_factory, client, django_user_model):
    from django.contrib.auth.models import Permission

    groupement = groupement_factory()
    lecteur = django_user_model.objects.create_user("lecteur", password="x", is_staff=True)
    lecteur.user_permissions.set(Permission.objects.filter(codename="view_groupement"))
    client.force_login(lecteur)
    page = client.get(reverse("groupements:tableau_de_bord", args=[groupement.pk]))
    assert "Enregistrer l'étape" not in page.content.decode()
    reponse = client.post(
        reverse("groupements:etape", args=[groupement.pk]),
        {"vers": "recensement", "le": "2025-02-01"},
    )
    assert reponse.status_code == 403
    groupement.refresh_from_db()
    assert groupement.etape == "constitution"


def _groupement_avec(n, groupement_factory, membre_eligible, agir, objet=None):
    groupement = groupement_factory(
        objet=objet or f"Groupement de {n} membres", centrale_achat="RESAH"
    )
    Marche.objects.create(
        groupement=groupement,
        reference="DEMO-2025-TEL",
        procedure="centrale",
        titulaire="Opérateur (démo)",
        notifie_le=date(2025, 6, 1),
        duree_mois=48,
    )
    for i in range(n):
        adhesion = agir.adherer(groupement, membre_eligible(nom=f"Commune {i:02d}"))
        agir.besoins(adhesion, D("100.00"), D(f"{i}.50"), qualitatifs=f"Besoin qualitatif {i}")
    return groupement


@pytest.mark.parametrize("n", [3, 30])
def test_dashboard_query_count_is_constant(
    n, groupement_factory, membre_eligible, agir, client, agent_dsi, django_assert_num_queries
):
    groupement = _groupement_avec(n, groupement_factory, membre_eligible, agir)
    client.force_login(agent_dsi)
    url = reverse("groupements:tableau_de_bord", args=[groupement.pk])
    # session, user, permissions (2), groupement, markets, members, needs, formulas in force,
    # répartitions — whatever the number of members.
    with django_assert_num_queries(10):
        reponse = client.get(url)
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert contenu.count("plus éligible") == 0
    assert f"Total ({n} membres)" in contenu


def test_dashboard_content(
    groupement_factory, membre_eligible, agir, client, agent_dsi, commune_factory, adhesion_factory
):
    groupement = groupement_factory(
        objet="Gestion technique centralisée", categorie="gtc", date_limite_besoins=date(2025, 3, 1)
    )
    redon = agir.adherer(groupement, membre_eligible(nom="Redon"))
    agir.besoins(redon, D("12000.00"), D("500.50"), qualitatifs="Supervision de 6 bâtiments")
    # Théhillac joined while its socle complet was in force; it no longer is today.
    thehillac = commune_factory(nom="Théhillac")
    adhesion_factory(
        thehillac, date_effet=date(2023, 1, 1), resiliation_notifiee_le=date(2024, 3, 1)
    )
    agir.adherer(groupement, thehillac, le=date(2025, 2, 1))
    groupement = agir.etape(groupement, "recensement", date(2025, 2, 1))
    client.force_login(agent_dsi)
    contenu = client.get(
        reverse("groupements:tableau_de_bord", args=[groupement.pk])
    ).content.decode()
    contenu = contenu.replace("\u00a0", " ")
    assert "Gestion technique centralisée" in contenu
    assert "coordonnateur : Redon Agglomération" in contenu
    assert "12 500,50 €" in contenu  # Redon's total and the overall total
    assert "Supervision de 6 bâtiments" in contenu
    assert "non déclarés" in contenu  # Théhillac
    assert "plus éligible (G1)" in contenu
    assert (
        "En attente des besoins de : Théhillac. Date limite de déclaration : 01/03/2025." in contenu
    )
    assert "Avis de marché envoyé pour publication le" in contenu  # the next step's form
    assert "01/02/2025" in contenu


def test_step_from_the_dashboard(groupement_factory, membre_eligible, agir, client, agent_dsi):
    groupement = groupement_factory()
    client.force_login(agent_dsi)
    url = reverse("groupements:etape", args=[groupement.pk])
    reponse = client.post(url, {"vers": "recensement", "le": "2025-02-01"}, follow=True)
    assert "Étape « recensement des besoins » enregistrée." in reponse.content.decode()
    # The launch is refused while a member has declared nothing (G3): a clear message, no 500.
    agir.adherer(groupement, membre_eligible(nom="Peillac"))
    reponse = client.post(url, {"vers": "consultation", "le": "2025-03-10"}, follow=True)
    assert "Peillac n&#x27;a déclaré aucun besoin" in reponse.content.decode()
    groupement.refresh_from_db()
    assert groupement.etape == "recensement"


def test_groupements_list_query_count_is_constant(
    groupement_factory, membre_eligible, agir, client, agent_dsi, django_assert_num_queries
):
    for n in range(5):
        _groupement_avec(3, groupement_factory, membre_eligible, agir, objet=f"Groupement n° {n}")
    client.force_login(agent_dsi)
    with django_assert_num_queries(5):
        reponse = client.get(reverse("groupements:liste"))
    contenu = reponse.content.decode()
    assert all(f"Groupement n° {n}" in contenu for n in range(5))


# --- Exports --------------------------------------------------------------------------------


def _lire_csv(reponse):
    contenu = reponse.content
    assert contenu.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))


def test_export_needs_csv(groupement_factory, membre_eligible, agir, agent_dsi, client):
    groupement = groupement_factory()
    redon = agir.adherer(groupement, membre_eligible(nom="Redon", code_insee="35236"))
    from groupements.models import Besoin

    actes.declarer_besoins(
        adhesion_groupement=redon,
        lignes=[
            {
                "designation": '=HYPERLINK("http://x")',
                "unite": "ligne",
                "quantite": "37",
                "montant_estime": "1234.5",
            },
            {
                "designation": "Smartphone",
                "unite": "appareil",
                "quantite": "12,5",
                "montant_estime": "3600",
                "precisions": "-dual SIM",
            },
        ],
        par=agent_dsi,
    )
    assert Besoin.objects.count() == 2
    client.force_login(agent_dsi)
    reponse = client.get(reverse("groupements:besoins_csv", args=[groupement.pk]))
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in reponse["Content-Disposition"]
    lignes = _lire_csv(reponse)
    assert lignes[0] == [
        "Membre",
        "Code INSEE",
        "Établissement",
        "Désignation",
        "Unité",
        "Quantité",
        "Montant estimé HT (€)",
        "Précisions",
    ]
    assert lignes[1] == [
        "Redon",
        "35236",
        "",
        '\'=HYPERLINK("http://x")',
        "ligne",
        "37,00",
        "1234,50",
        "",
    ]
    assert lignes[2] == [
        "Redon",
        "35236",
        "",
        "Smartphone",
        "appareil",
        "12,50",
        "3600,00",
        "'-dual SIM",
    ]


def test_export_needs_xlsx(groupement_factory, membre_eligible, agir, agent_dsi, client):
    groupement = groupement_factory()
    for nom in ["Redon", "Pipriac"]:
        adhesion = agir.adherer(groupement, membre_eligible(nom=nom))
        actes.declarer_besoins(
            adhesion_groupement=adhesion,
            lignes=[
                {
                    "designation": "Forfait 20 Go",
                    "unite": "ligne",
                    "quantite": 10,
                    "montant_estime": "1500.00",
                }
            ],
            besoins_qualitatifs="@Couverture rurale" if nom == "Redon" else "",
            par=agent_dsi,
        )
    client.force_login(agent_dsi)
    reponse = client.get(reverse("groupements:besoins_xlsx", args=[groupement.pk]))
    assert reponse["Content-Type"].startswith("application/vnd.openxmlformats")
    classeur = load_workbook(io.BytesIO(reponse.content))
    assert classeur.sheetnames == ["Besoins par membre", "Synthèse", "Besoins qualitatifs"]
    besoins = list(classeur["Besoins par membre"].values)
    assert besoins[1][:7] == ("Redon", besoins[1][1], None, "Forfait 20 Go", "ligne", 10, 1500)
    assert list(classeur["Synthèse"].values)[1] == ("Forfait 20 Go", "ligne", 20, 3000, 2)
    qualitatifs = list(classeur["Besoins qualitatifs"].values)
    assert qualitatifs[1][0] == "Redon" and qualitatifs[1][4] == "'@Couverture rurale"
    assert len(qualitatifs) == 2


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6", "'+33 6"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Redon", "Redon"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_formula_escaping(texte, attendu):
    assert echapper(texte) == attendu


def test_G6_reversements_shown_and_exported(groupement_lance, agent_dsi, client):
    groupement, (redon, allaire, bains) = groupement_lance
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("groupements:repartition_nouvelle", args=[groupement.pk]),
        {
            "sens": "recette",
            "motif": "dommages",
            "libelle": "Dommages et intérêts versés par le titulaire",
            "montant": "1 000,01",
            "piece": "Jugement (démo)",
            "piece_date": "2026-01-15",
        },
    )
    url = reponse["Location"]
    repartition_pk = int(url.rstrip("/").rsplit("/", 1)[-1])
    page = client.get(url).content.decode().replace("\u00a0", " ")
    assert "Aperçu des parts" in page and "Arrêter les reversements" in page
    assert "Émettre les appels de fonds" not in page
    assert "poids 12 000,00 € sur 15 000,00 € (80,00 %) de 1 000,01 €" in page
    assert "800,01 €" in page and "200,00 €" in page
    # Not exportable before being fixed.
    assert (
        client.get(reverse("groupements:reversements_csv", args=[repartition_pk])).status_code
        == 404
    )
    client.post(reverse("groupements:repartition_arreter", args=[repartition_pk]))
    lignes = _lire_csv(client.get(reverse("groupements:reversements_csv", args=[repartition_pk])))
    assert lignes[0][-3:] == ["Poids (€)", "Part (%)", "Montant à reverser (€)"]
    assert [(ligne[4], ligne[-1]) for ligne in lignes[1:]] == [
        ("Redon", "800,01"),
        ("Allaire", "200,00"),
    ]
    assert lignes[1][3] == "15/01/2026" and lignes[1][-2] == "80,00"
    classeur = load_workbook(
        io.BytesIO(
            client.get(reverse("groupements:reversements_xlsx", args=[repartition_pk])).content
        )
    )
    valeurs = list(classeur["Reversements"].values)
    # Real numbers in the spreadsheet (read back by openpyxl as numbers, not text).
    assert [v[-1] for v in valeurs[1:]] == [800.01, 200]
    from tarification.models import TitreDeRecettes

    assert not TitreDeRecettes.objects.exists()  # a sum received is paid back, not billed


def test_G6_invalid_repartition_input(groupement_lance, agent_dsi, client):
    groupement, _ = groupement_lance
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("groupements:repartition_nouvelle", args=[groupement.pk]),
        {
            "sens": "charge",
            "motif": "dommages",
            "libelle": "X",
            "montant": "douze",
            "piece": "P",
            "piece_date": "2026-01-15",
        },
    )
    assert reponse.status_code == 200
    assert "Saisissez un montant, par exemple 1 250,00." in reponse.content.decode()


def test_G6_repartition_refused_before_launch_without_a_500_error(
    groupement_factory, agent_dsi, client
):
    groupement = groupement_factory()
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("groupements:repartition_nouvelle", args=[groupement.pk]),
        {
            "sens": "charge",
            "motif": "dommages",
            "libelle": "X",
            "montant": "10",
            "piece": "P",
            "piece_date": "2026-01-15",
        },
    )
    assert reponse.status_code == 200
    assert "une fois la consultation lancée" in reponse.content.decode()


def test_G6_changing_the_weights_from_the_page(groupement_lance, agent_dsi, client):
    groupement, (redon, allaire, bains) = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="charge",
        motif="dommages",
        libelle="Dommages",
        montant=D("100.00"),
        piece="P",
        piece_date=date(2026, 1, 5),
        par=agent_dsi,
    )
    client.force_login(agent_dsi)
    client.post(
        reverse("groupements:repartition_poids", args=[repartition.pk]),
        {
            f"poids_{redon.pk}": "1",
            f"poids_{allaire.pk}": "1",
            f"poids_{bains.pk}": "2",
            "justification": "Commandes réelles",
        },
    )
    assert [p.montant for p in repartition.parts.order_by("rang")] == [
        D("25.00"),
        D("25.00"),
        D("50.00"),
    ]
    repartition.refresh_from_db()
    assert repartition.motif_poids == "Commandes réelles"


def test_repartition_page_query_count_is_constant(
    groupement_factory, membre_eligible, agir, agent_dsi, client, django_assert_num_queries
):
    groupement = _groupement_avec(25, groupement_factory, membre_eligible, agir)
    agir.lancer(groupement)
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="charge",
        motif="dommages",
        libelle="Dommages",
        montant=D("1000.00"),
        piece="P",
        piece_date=date(2026, 1, 5),
        par=agent_dsi,
    )
    client.force_login(agent_dsi)
    with django_assert_num_queries(6):
        assert (
            client.get(reverse("groupements:repartition", args=[repartition.pk])).status_code == 200
        )
