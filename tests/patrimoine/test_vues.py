"""The DSI's pages of audits, inventories, the register and the états de sortie: who may open
them, what they show, their exports, and a fixed number of queries."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from patrimoine import actes
from patrimoine.models import Audit, Contrat, EtatDeSortie
from tarification.models import TitreDeRecettes
from tests.conftest import PDF
from tests.patrimoine import fabrique
from tests.patrimoine.test_sortie import registre

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def sortant(membre, emetteur):
    commune = membre(
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
    )
    registre(commune)
    return commune


@pytest.fixture
def dsi(client, agent_dsi):
    client.force_login(agent_dsi)
    return client


def _urls(commune, etat=None, audit=None):
    urls = [
        reverse("patrimoine:registre"),
        reverse("patrimoine:registre_csv"),
        reverse("patrimoine:registre_xlsx"),
        reverse("patrimoine:membre", args=[commune.code_insee]),
        reverse("patrimoine:membre_csv", args=[commune.code_insee]),
        reverse("patrimoine:membre_xlsx", args=[commune.code_insee]),
        reverse("patrimoine:inventaire_importer", args=[commune.code_insee]),
    ]
    if audit:
        urls.append(reverse("patrimoine:audit", args=[audit.pk]))
    if etat:
        urls.append(reverse("patrimoine:sortie", args=[etat.pk]))
    return urls


def test_the_pages_are_for_dsi_staff_only(client, sortant, secretaire_a, agent_dsi):
    etat = actes.calculer_etat_de_sortie(adhesion=sortant.adhesions.get(), par=agent_dsi)
    audit = Audit.objects.create(
        commune=sortant, origine="prealable", demande_le=date(2022, 6, 1), demande_reference="x"
    )
    for url in _urls(sortant, etat, audit):
        assert client.get(url).status_code == 302, url  # to the login page
    client.force_login(secretaire_a)
    for url in _urls(sortant, etat, audit):
        assert client.get(url).status_code == 403, url
    for nom in ["sortie_valider", "sortie_emettre", "sortie_recalculer"]:
        assert client.post(reverse(f"patrimoine:{nom}", args=[etat.pk])).status_code == 403
    client.force_login(agent_dsi)
    for url in _urls(sortant, etat, audit):
        assert client.get(url).status_code == 200, url


def test_the_finance_officer_opens_and_issues_an_etat_but_does_not_compute_it(
    client, sortant, agent_dsi, responsable_financier
):
    etat = actes.calculer_etat_de_sortie(adhesion=sortant.adhesions.get(), par=agent_dsi)
    client.force_login(responsable_financier)
    # The register lists the états de sortie it issues; the DSI's exports stay the DSI's.
    assert client.get(reverse("patrimoine:registre")).status_code == 200
    assert client.get(reverse("patrimoine:registre_csv")).status_code == 403
    page = client.get(reverse("patrimoine:sortie", args=[etat.pk])).content.decode()
    assert "Valider l'état de sortie" not in page and "Ajouter la ligne" not in page
    assert client.post(reverse("patrimoine:sortie_recalculer", args=[etat.pk])).status_code == 403
    actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    page = client.get(reverse("patrimoine:sortie", args=[etat.pk])).content.decode()
    assert "Vérifier et émettre le titre de frais de sortie (4\u00a0217,48\u00a0€)" in page
    recap = client.post(reverse("patrimoine:sortie_emettre", args=[etat.pk]))
    assert recap.status_code == 200 and not TitreDeRecettes.objects.exists()
    assert "Vérifier avant d'émettre" in recap.content.decode()
    assert "4\u00a0217,48\u00a0€" in recap.content.decode()
    reponse = client.post(reverse("patrimoine:sortie_emettre", args=[etat.pk]), {"confirme": "1"})
    assert reponse.status_code == 302
    titre = TitreDeRecettes.objects.get(nature="frais_sortie")
    assert titre.total == D("4217.48") and titre.emis_par == responsable_financier


def test_A4_the_whole_exit_through_the_pages(dsi, sortant, responsable_financier, client):
    url_membre = reverse("patrimoine:membre", args=[sortant.code_insee])
    page = dsi.get(url_membre).content.decode()
    # The DSI's answer before anything is computed: the register at the last day.
    assert "dernier jour le <strong>09/03/2027</strong>" in page
    assert "4\u00a0217,48\u00a0€" in page
    reponse = dsi.post(reverse("patrimoine:sortie_calculer", args=[sortant.code_insee]))
    etat = EtatDeSortie.objects.get()
    assert reponse["Location"] == reverse("patrimoine:sortie", args=[etat.pk])
    url = reverse("patrimoine:sortie", args=[etat.pk])
    refus = dsi.post(
        reverse("patrimoine:sortie_ligne", args=[etat.pk]),
        {"nature": "penalite", "libelle": "Pénalité", "montant": "abc", "base": ""},
    )
    assert refus.status_code == 200 and "Ce champ est obligatoire" in refus.content.decode()
    dsi.post(
        reverse("patrimoine:sortie_ligne", args=[etat.pk]),
        {
            "nature": "penalite",
            "libelle": "Pénalité de résiliation anticipée",
            "montant": "350,00",
            "base": "art. 12 du contrat de maintenance",
        },
    )
    page = dsi.get(url)
    form = page.context["form_validation"]
    assert "4\u00a0567,48\u00a0€" in page.content.decode()
    sans_case = dsi.post(
        reverse("patrimoine:sortie_valider", args=[etat.pk]),
        {"empreinte": form.initial["empreinte"]},
    )
    assert "Cochez la case pour valider" in sans_case.content.decode()
    dsi.post(
        reverse("patrimoine:sortie_valider", args=[etat.pk]),
        {"empreinte": form.initial["empreinte"], "confirme": "on"},
    )
    etat.refresh_from_db()
    assert etat.statut == EtatDeSortie.Statut.VALIDE
    client.force_login(responsable_financier)
    client.post(reverse("patrimoine:sortie_emettre", args=[etat.pk]), {"confirme": "1"})
    etat.refresh_from_db()
    assert etat.titre.total == etat.total == D("4567.48")
    page = client.get(url).content.decode()
    assert f"titre de frais de sortie n° {etat.titre.numero}" in page


def test_A4_what_allaire_would_owe_if_it_left_on_31_december(dsi, membre):
    commune = membre(formule="socle_complet", date_effet=date(2023, 1, 1))
    registre(commune)
    page = dsi.get(
        reverse("patrimoine:membre", args=[commune.code_insee]), {"dernier_jour": "2026-12-31"}
    ).content.decode()
    assert "Total facturé si le dernier jour était le 31/12/2026" in page
    assert "4\u00a0986,09\u00a0€" in page
    assert not EtatDeSortie.objects.exists()


def test_A1_the_steps_of_an_audit_through_its_page(
    dsi, client, membre, bareme_article_7, emetteur, responsable_financier, agent_dsi
):
    commune = membre(formule="audit", date_effet=date(2026, 1, 1))
    audit = actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.ANNEXE,
        adhesion=commune.adhesions.get(),
        demande_le=date(2026, 1, 10),
        demande_reference="délibération n° 2026-01",
        par=None,
    )
    jour = timezone.localdate()

    def etape(nom, donnees, **kwargs):
        return dsi.post(reverse("patrimoine:audit_etape", args=[audit.pk, nom]), donnees, **kwargs)

    refus = etape("livrer", {"livrer-le": jour.isoformat()})
    assert refus["Location"] == reverse("patrimoine:audit", args=[audit.pk])
    etape("planifier", {"planifier-du": "2026-02-01", "planifier-au": "2026-03-31"})
    etape("commencer", {"commencer-le": "2026-02-02"})
    futur = etape("livrer", {"livrer-le": (jour + timedelta(days=1)).isoformat()})
    assert "ne peut être dans le futur" in futur.content.decode()
    etape(
        "livrer",
        {"livrer-le": "2026-04-15", "livrer-rapport": SimpleUploadedFile("rapport.pdf", PDF)},
    )
    audit.refresh_from_db()
    assert audit.statut == Audit.Statut.LIVRE and audit.titre is None
    page = dsi.get(reverse("patrimoine:audit", args=[audit.pk])).content.decode()
    assert "titre à émettre par le service des finances" in page
    assert etape("x", {}).status_code == 404
    # Who records the delivery never bills it: the finance officer issues the titre.
    client.force_login(responsable_financier)
    recap = client.get(reverse("tarification:audit_emettre", args=[audit.adhesion_id]))
    assert "3\u00a0500,00\u00a0€" in recap.content.decode() and audit.titre is None
    client.post(reverse("tarification:audit_emettre", args=[audit.adhesion_id]), {"confirme": "1"})
    assert audit.titre.total == D("3500.00")
    client.force_login(agent_dsi)
    page = client.get(reverse("patrimoine:audit", args=[audit.pk])).content.decode()
    assert f"titre n° {audit.titre.numero}" in page and "15/10/2026" in page  # T5


def test_A2_the_import_page_records_all_or_nothing(dsi, membre):
    commune = membre()
    url = reverse("patrimoine:inventaire_importer", args=[commune.code_insee])
    mauvais = (
        "Catégorie;Désignation;Niveau de service;Mutualisable\n"
        "matériel;Serveur;3;oui\n"
        "ordinateur;Portable;4;non\n"
    ).encode()
    reponse = dsi.post(url, {"genre": "biens", "fichier": SimpleUploadedFile("i.csv", mauvais)})
    contenu = reponse.content.decode()
    assert "Import refusé : rien n&#x27;a été enregistré" in contenu or "rien n'a été" in contenu
    assert "Ligne 3 : catégorie : « ordinateur » inconnu" in contenu
    assert not commune.biens.exists()
    bon = mauvais.replace(b"ordinateur", "matériel".encode())
    reponse = dsi.post(url, {"genre": "biens", "fichier": SimpleUploadedFile("i.csv", bon)})
    assert reponse.status_code == 302 and commune.biens.count() == 2


def test_A3_the_register_exports_in_french_csv_and_xlsx(dsi, sortant):
    csv = dsi.get(reverse("patrimoine:membre_csv", args=[sortant.code_insee]))
    texte = csv.content.decode("utf-8")
    assert texte.startswith("\ufeffMembre;Code INSEE;Élément;Désignation")
    assert ";contrat;Éditeur SA — Hébergement du logiciel financier;" in texte
    assert ";2400,00;" in texte and ";4800,00;" in texte
    xlsx = dsi.get(reverse("patrimoine:registre_xlsx"))
    classeur = load_workbook(io.BytesIO(xlsx.content))
    assert classeur.sheetnames == [
        "Registre des transferts",
        "Inventaire — biens",
        "Inventaire — contrats",
    ]
    registre_feuille = classeur["Registre des transferts"]
    assert registre_feuille.max_row == 1 + 6
    assert {ligne[5] for ligne in registre_feuille.iter_rows(min_row=2, values_only=True)} == {
        "transféré à l'EPCI",
        "conclu par l'EPCI pour le membre",
    }
    assert classeur["Inventaire — contrats"].max_row == 1 + Contrat.objects.count()


@pytest.mark.parametrize(
    ("nom", "requetes"),
    [("registre", 7), ("membre", 11), ("audit", 9), ("sortie", 7)],
)
def test_the_pages_run_a_fixed_number_of_queries(
    dsi, membre, emetteur, agent_dsi, django_assert_num_queries, nom, requetes
):
    communes = []

    def grossir(n):
        for _ in range(n):
            commune = membre(
                formule="socle_complet",
                date_effet=date(2023, 1, 1),
                adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
            )
            registre(commune)
            Audit.objects.create(
                commune=commune,
                origine="prealable",
                demande_le=date(2022, 6, 1),
                demande_reference="courrier",
            )
            communes.append(commune)

    grossir(1)
    premiere = communes[0]
    for i in range(3):
        fabrique.contrat(premiere, objet=f"Contrat supplémentaire {i}")
    etat = actes.calculer_etat_de_sortie(adhesion=premiere.adhesions.get(), par=agent_dsi)
    audit = premiere.audits.get()
    url = {
        "registre": reverse("patrimoine:registre"),
        "membre": reverse("patrimoine:membre", args=[premiere.code_insee]),
        "audit": reverse("patrimoine:audit", args=[audit.pk]),
        "sortie": reverse("patrimoine:sortie", args=[etat.pk]),
    }[nom]
    with django_assert_num_queries(requetes):
        dsi.get(url)
    grossir(4)
    for i in range(3, 8):
        fabrique.contrat(premiere, objet=f"Contrat supplémentaire {i}")
    with django_assert_num_queries(requetes):
        assert dsi.get(url).status_code == 200


def test_A1_T2_delivering_a_billed_audit_needs_the_right_to_issue(
    client, django_user_model, membre, bareme_article_7, emetteur
):
    from django.contrib.auth.models import Permission

    commune = membre(formule="audit", date_effet=date(2026, 1, 1))
    audit = actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.ANNEXE,
        adhesion=commune.adhesions.get(),
        demande_le=date(2026, 1, 10),
        demande_reference="délibération",
        par=None,
    )
    actes.commencer_audit(audit=audit, le=date(2026, 2, 1), par=None)
    agent = django_user_model.objects.create_user("auditeur", is_staff=True)
    agent.user_permissions.set(
        Permission.objects.filter(codename__in=["view_audit", "change_audit"])
    )
    client.force_login(agent)
    url = reverse("patrimoine:audit_etape", args=[audit.pk, "livrer"])
    assert client.post(url, {"livrer-le": "2026-04-15"}).status_code == 403
    audit.refresh_from_db()
    assert audit.livre_le is None and not TitreDeRecettes.objects.exists()


def test_the_finance_officer_of_the_demo_finds_the_etats_on_the_register(
    client, responsable_financier, sortant, agent_dsi
):
    from django.contrib.auth.models import Permission

    etat = actes.calculer_etat_de_sortie(adhesion=sortant.adhesions.get(), par=agent_dsi)
    responsable_financier.user_permissions.add(Permission.objects.get(codename="view_etatdesortie"))
    client.force_login(responsable_financier)
    page = client.get(reverse("patrimoine:registre")).content.decode()
    assert reverse("patrimoine:sortie", args=[etat.pk]) in page
