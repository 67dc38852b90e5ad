"""Pages of the other titres: refacturation (art. 2.3.4), official numbers (B3), restarting the
PDF job; who may use them. The audit's titre (T2) and the frais de sortie (art. 2.4) are issued
from the pages of the audits and exits (tests/patrimoine/)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tarification.campagne import actes as actes_campagne
from tarification.models import Bordereau, TitreDeRecettes
from tarification.titres import emission
from tests.conftest import pdf_minimal

PDF = pdf_minimal()

pytestmark = pytest.mark.django_db


def _hier():
    return timezone.localdate() - timedelta(days=1)


@pytest.mark.parametrize("nom", ["audits", "refacturation"])
def test_pages_restricted_to_those_who_issue(client, secretaire_a, django_user_model, nom):
    from django.contrib.auth.models import Permission

    url = reverse(f"tarification:{nom}")
    assert client.get(url).status_code == 302
    client.force_login(secretaire_a)
    assert client.get(url).status_code == 403
    lecteur = django_user_model.objects.create_user("lecteur")
    lecteur.user_permissions.set(Permission.objects.filter(codename="view_titrederecettes"))
    client.force_login(lecteur)
    assert client.post(url).status_code == 403


def test_refacturation_page(client, responsable_financier, emetteur, membre):
    commune = membre()
    client.force_login(responsable_financier)
    donnees = {
        "commune": commune.pk,
        "objet": "Licences bureautiques",
        "fournisseur": "Éditeur SA",
        "numero_facture": "F-1",
        "date_facture": _hier().isoformat(),
        "date_paiement": _hier().isoformat(),
        "montant": "1 234,56",
    }
    refus = client.post(
        reverse("tarification:refacturation"),
        {**donnees, "facture": SimpleUploadedFile("facture.png", b"\x89PNG\r\n\x1a\n....")},
    )
    assert refus.status_code == 200
    assert "Type de fichier refusé (.png) : formats acceptés PDF." in refus.content.decode()
    assert not TitreDeRecettes.objects.exists()

    recap = client.post(
        reverse("tarification:refacturation"),
        {**donnees, "facture": SimpleUploadedFile("facture.pdf", PDF)},
    )
    assert recap.status_code == 200 and not TitreDeRecettes.objects.exists()
    assert "1\u00a0234,56\u00a0€" in recap.content.decode()
    jeton = re.search(r'name="facture_jeton" value="([^"]+)"', recap.content.decode()).group(1)
    client.post(
        reverse("tarification:refacturation"),
        {**donnees, "facture_jeton": jeton, "confirme": "1"},
    )
    titre = TitreDeRecettes.objects.get()
    assert titre.nature == "refacturation" and titre.total == Decimal("1234.56")
    assert titre.piece_jointe.read() == PDF


def test_B3_official_references_page(client, responsable_financier, emetteur, membre):
    titre = emission.emettre_titre(
        nature="appel_de_fonds",
        commune=membre(),
        objet="Appel de fonds",
        lignes=[
            emission.LigneAFacturer("a", "Quote-part", Decimal("10.00"), base_texte="art. 4.2.6")
        ],
        par=None,
    )
    client.force_login(responsable_financier)
    client.post(
        reverse("tarification:titre_references", args=[titre.pk]),
        {"numero_officiel": "T-2026-77", "bordereau_officiel": "B-9"},
    )
    titre.refresh_from_db()
    assert (titre.numero_officiel, titre.bordereau_officiel) == ("T-2026-77", "B-9")
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert "T-2026-77" in page


def test_rerunning_the_pdf_rendering(client, responsable_financier, emetteur, membre):
    membre()
    campagne = actes_campagne.emettre_campagne(
        annee=2025, par=None, date_emission=date(2026, 2, 10)
    )
    bordereau = campagne.bordereau  # the worker never ran: no PDF
    client.force_login(responsable_financier)
    page = client.get(reverse("tarification:campagne", args=[campagne.pk])).content.decode()
    assert "Relancer la production des PDF manquants" in page
    client.post(reverse("tarification:bordereau_relancer", args=[bordereau.pk]))
    bordereau = Bordereau.objects.get(pk=bordereau.pk)
    assert (bordereau.pdf_attendus, bordereau.pdf_rendus) == (1, 1)
    assert bordereau.titres.get().pdf


def test_B4_page_of_a_titre_of_a_closed_exercice_records_a_mandat_request(
    client, responsable_financier, admin_client, emetteur, membre
):
    from tarification.models import DemandeMandat

    membre()
    campagne = actes_campagne.emettre_campagne(
        annee=2024, par=None, date_emission=date(2025, 2, 10), aujourd_hui=date(2025, 2, 10)
    )
    titre = campagne.bordereau.titres.get()  # exercice 2025, closed since 31/01/2026
    ligne = titre.lignes.get()
    client.force_login(responsable_financier)
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert "Demander un mandat d'annulation (exercice clos)" in page
    assert ">Annuler</a>" not in page
    url = reverse("tarification:titre_reduire", args=[titre.pk])
    assert "compte 673" in client.get(url).content.decode()
    donnees = {"motif": "Population corrigée", f"ligne_{ligne.pk}": "100,00"}
    recap = client.post(url, donnees)
    assert "compte 673" in recap.content.decode() and not DemandeMandat.objects.exists()
    reponse = client.post(url, {**donnees, "confirme": "1"})
    assert reponse.status_code == 302
    demande = DemandeMandat.objects.get()
    assert (demande.titre, demande.ligne, demande.montant, demande.etat) == (
        titre,
        ligne,
        Decimal("100.00"),
        DemandeMandat.Etat.DEMANDEE,
    )
    assert demande.demandee_par == responsable_financier
    assert not TitreDeRecettes.objects.filter(nature="reduction").exists()
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert "Demandes de mandat d'annulation (compte 673)" in page and "demandée" in page
    # The finance service's answer, in the admin: issued, with its number and date.
    changement = reverse("admin:tarification_demandemandat_change", args=[demande.pk])
    sans_numero = admin_client.post(changement, {"etat": "emise", "decidee_le": "2026-03-02"})
    assert sans_numero.status_code == 200
    demande.refresh_from_db()
    assert demande.etat == DemandeMandat.Etat.DEMANDEE
    admin_client.post(
        changement, {"etat": "emise", "numero_mandat": "M-12", "decidee_le": "2026-03-02"}
    )
    demande.refresh_from_db()
    assert (demande.etat, demande.numero_mandat) == (DemandeMandat.Etat.EMISE, "M-12")
    assert admin_client.post(changement, {"etat": "refusee"}).status_code == 200  # answered
