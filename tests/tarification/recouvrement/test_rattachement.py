"""B11 — the état des produits à rattacher of year N: the titres of N issued on a later exercice
(net of their corrections) and what the stored preview of the campaign of N still bills."""

from decimal import Decimal as D

from django.urls import reverse
from django.utils import timezone

from tarification.models import ApercuCampagne, ApercuMembre
from tarification.recouvrement.rattachement import etat_des_produits
from tests.securite.conftest import connecte_verifie


def test_B11_products_to_attach_from_titres_and_the_stored_preview(
    titres, emetteur, client, responsable_financier
):
    apercu = ApercuCampagne.objects.create(
        annee=2025, exercice=2026, calcule_le=timezone.now(), signature="x", annee_terminee=True,
        nb_membres=1, nb_a_emettre=1, nb_bloques=0, nb_avertissements=0, total=D("400.00"),
    )  # fmt: skip
    ApercuMembre.objects.create(
        apercu=apercu,
        commune=titres[1].commune,
        nom="Béganne",
        code_insee="56011",
        statut=ApercuMembre.Statut.A_EMETTRE,
        a_emettre=D("400.00"),
        donnees={
            "lignes": [
                {"libelle": "Niveau 1", "deja_facture": "800.00", "ecart": "400.00"},
                {"libelle": "Socle", "deja_facture": "2500.00", "ecart": "0.00"},
            ]
        },
    )
    etat = etat_des_produits(2025)
    assert [(p.membre, p.montant) for p in etat.produits] == [
        ("Allaire", D("1000.00")),
        ("Allaire", D("800.00")),
        ("Béganne", D("2500.00")),
        ("Béganne", D("400.00")),
    ]
    assert etat.produits[-1].nature == "titre complémentaire — Niveau 1"
    assert etat.produits[-1].imputation == "70875"
    assert etat.total == D("4700.00")
    assert etat_des_produits(2026).produits == []
    client = connecte_verifie(client, responsable_financier)
    csv = client.get(reverse("tarification:rattachement"), {"annee": 2025, "export": "csv"})
    assert csv.content.decode("utf-8-sig").splitlines()[-1].startswith("Total;;;;4700,00")
