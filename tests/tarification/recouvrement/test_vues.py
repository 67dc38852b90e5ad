"""B11 — the finance officer's recouvrement pages: what they show, that a hand entry goes
through the import's checks, the exports tie to the page, and a constant number of queries."""

import html
import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from securite.roles import DSI
from tarification.models import EvenementTitre, Paiement
from tarification.recouvrement import actes, imports
from tests.conftest import avec_role, emettre_titre
from tests.securite.conftest import connecte_verifie


@pytest.fixture
def finances(client, responsable_financier):
    return connecte_verifie(client, responsable_financier)


def _texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def _payer(titres):
    imports.importer_paiements(
        b"exercice;titre;date;montant\n2026;1;2026-03-01;1000,00\n2026;2;2026-03-01;500,00\n"
    )


def test_B11_restes_page_filters_totals_and_exports(finances, titres):
    _payer(titres)
    page = finances.get(reverse("tarification:restes"), {"exercice": 2026})
    assert page.status_code == 200
    texte = _texte(page)
    assert "3 titres" in texte
    # 0 + 2 000,00 + 800,00 remain.
    assert "2\u202f800,00\u00a0€" in texte or "2 800,00" in texte.replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    partiel = finances.get(reverse("tarification:restes"), {"etat": "partiellement_paye"})
    assert "1 titre" in _texte(partiel) and "Béganne" in _texte(partiel)
    csv = finances.get(reverse("tarification:restes"), {"exercice": 2026, "export": "csv"})
    lignes = csv.content.decode("utf-8-sig").splitlines()
    assert lignes[0].startswith("Exercice;Budget;Titre n°")
    assert lignes[-1].split(";")[13] == "2800,00"  # the total of what remains
    xlsx = finances.get(reverse("tarification:restes"), {"export": "xlsx"})
    feuille = load_workbook(io.BytesIO(xlsx.content)).active
    assert feuille.max_row == 5  # header, 3 titres, total


def test_B11_restes_page_query_count_does_not_grow(
    finances, titres, membre, django_assert_max_num_queries
):
    _payer(titres)
    with django_assert_max_num_queries(12):
        assert finances.get(reverse("tarification:restes")).status_code == 200
    autre = membre(nom="Bains-sur-Oust", code_insee="35013", siret="21350013500019")
    for numero in range(4, 40):
        emettre_titre(autre, numero=numero, total=D("10.00"))
    with django_assert_max_num_queries(12):
        assert finances.get(reverse("tarification:restes")).status_code == 200


def test_B11_hand_entry_of_a_payment_with_the_import_checks(
    finances, titres, responsable_financier
):
    url = reverse("tarification:paiement_saisir", kwargs={"pk": titres[0].pk})
    assert finances.get(url).status_code == 200
    refus = finances.post(url, {"date": "2026-01-01", "montant": "10,00"})
    assert refus.status_code == 200
    assert "précède l'émission du titre" in _texte(refus)
    assert not Paiement.objects.exists()
    ok = finances.post(url, {"date": "2026-03-01", "montant": "1 250,00", "reference": "VIR"})
    assert ok.status_code == 302
    paiement = Paiement.objects.get()
    assert (paiement.montant, paiement.trop_percu, paiement.source, paiement.auteur) == (
        D("1250.00"),
        D("250.00"),
        "saisie",
        responsable_financier,
    )
    titre = _texte(finances.get(reverse("tarification:titre", kwargs={"pk": titres[0].pk})))
    assert "soldé" in titre and "trop-perçu" in titre


def test_B11_hand_entry_of_a_state_and_non_valeur(finances, titres):
    url = reverse("tarification:etat_saisir", kwargs={"pk": titres[1].pk})
    refus = finances.post(url, {"nature": "rejete", "date": "2026-01-20", "motif": ""})
    assert "Un rejet porte son motif" in _texte(refus)
    finances.post(url, {"nature": "pris_en_charge", "date": "2026-01-20"})
    finances.post(
        url,
        {
            "nature": "non_valeur",
            "date": "2026-11-01",
            "deliberation": "Délibération 2026-118",
            "montant": "100,00",
        },
    )
    assert list(EvenementTitre.objects.values_list("nature", flat=True).order_by("pk")) == [
        "pris_en_charge",
        "non_valeur",
    ]


def test_B11_import_page_all_or_nothing(finances, titres):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("tarification:recouvrement_importer")
    mauvais = SimpleUploadedFile(
        "p.csv", b"exercice;titre;date;montant\n2026;1;2026-03-01;10,00\n2026;77;2026-03-01;1,00\n"
    )
    page = finances.post(url, {"genre": "paiements", "fichier": mauvais})
    assert "Ligne 3 : aucun titre n° 77" in _texte(page)
    assert not Paiement.objects.exists()
    bon = SimpleUploadedFile("p.csv", b"exercice;titre;date;montant\n2026;1;2026-03-01;10,00\n")
    assert finances.post(url, {"genre": "paiements", "fichier": bon}).status_code == 302
    assert Paiement.objects.count() == 1


def test_B11_dsi_sees_the_state_but_cannot_record(client, titres, agent_dsi):
    client = connecte_verifie(client, avec_role(agent_dsi, DSI))
    actes.enregistrer_paiement(titre=titres[0], le=date(2026, 3, 1), montant=D("1.00"), par=None)
    page = _texte(client.get(reverse("tarification:titre", kwargs={"pk": titres[0].pk})))
    assert "partiellement payé" in page
    assert reverse("tarification:paiement_saisir", kwargs={"pk": titres[0].pk}) not in page


def test_B11_admin_reads_payments_and_states_never_edits(
    finances, titres, django_assert_max_num_queries
):
    _payer(titres)
    for modele in ("paiement", "evenementtitre", "rappel", "acquittement"):
        with django_assert_max_num_queries(15):
            assert (
                finances.get(reverse(f"admin:tarification_{modele}_changelist")).status_code == 200
            )
        assert finances.get(reverse(f"admin:tarification_{modele}_add")).status_code == 403
