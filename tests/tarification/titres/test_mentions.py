"""B5 revised: the right law for the right nature, read back from the issued PDFs.

- the two-month contest of the debt is CGCT L. 1617-5, 2° (not 1°), the suspension 3°;
- the legal ground names CGCT L. 5211-4-2 and this member's convention (both signatures) and
  délibération for contributions; art. 2.3.4 and the paid invoice for refacturations; art.
  4.2.6 and the répartition for appels de fonds; art. 2.4 for frais de sortie;
- the VAT wording is the one of the titre's nature (a refacturation is not "a contribution");
- the conciliation step of art. 2.5 is mentioned, with the fact that it does not suspend the
  two-month delay;
- the comptable's IBAN and BIC are printed.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from membres.actes import resilier
from membres.models import Adhesion
from tarification.campagne import actes as actes_campagne
from tarification.models import TitreDeRecettes
from tarification.models.emetteur import MENTION_TVA_CONTRIBUTION, MENTION_TVA_REFACTURATION
from tarification.titres import actes as actes_titres
from tarification.titres import corrections, mentions
from tarification.titres.actes import FraisDeSortie
from tests.conftest import pdf_minimal

D = Decimal
LE = date(2026, 2, 10)
PDF_FACTURE = pdf_minimal("Facture")

pytestmark = pytest.mark.django_db


@pytest.fixture
def emetteur_avec_rib(emetteur):
    emetteur.iban = "FR7630001000640000000000040"
    emetteur.bic = "BDFEFRPPCCT"
    emetteur.save()
    return emetteur


def _texte(titre, texte_pdf) -> str:
    titre.refresh_from_db()
    with titre.pdf.open("rb") as fichier:
        return texte_pdf(fichier.read())


@pytest.fixture
def contribution(
    emetteur_avec_rib, membre, responsable_financier, django_capture_on_commit_callbacks
):
    allaire = membre(nom="Allaire")
    with django_capture_on_commit_callbacks(execute=True):
        actes_campagne.emettre_campagne(annee=2025, par=responsable_financier, date_emission=LE)
    return TitreDeRecettes.objects.get(commune=allaire)


def test_B5_the_contest_of_the_debt_cites_L1617_5_2_and_the_conciliation(contribution, texte_pdf):
    texte = _texte(contribution, texte_pdf)
    assert "(article L. 1617-5, 2°, du code général des collectivités territoriales)" in texte
    assert "article L. 1617-5, 1°" not in texte
    assert (
        "L'introduction de l'instance suspend la force exécutoire du titre (même article, 3°)"
        in (texte)
    )
    assert "conciliation ou la médiation (article 2.5 de la convention de service commun)" in texte
    assert "cette démarche ne suspend pas le délai de deux mois" in texte


def test_B5_a_contribution_names_the_law_its_convention_and_deliberation(contribution, texte_pdf):
    adhesion = Adhesion.objects.get(commune=contribution.commune)
    texte = _texte(contribution, texte_pdf)
    assert "Fondement Article L. 5211-4-2 du code général des collectivités territoriales" in texte
    assert (
        f"convention de service commun signée par le membre le "
        f"{adhesion.signature_membre_le:%d/%m/%Y} et par Redon Agglomération le "
        f"{adhesion.signature_epci_le:%d/%m/%Y}, approuvée par sa délibération n° "
        f"{adhesion.deliberation_numero} du {adhesion.deliberation_date:%d/%m/%Y}"
    ) in texte
    assert "article 7 de la convention" in texte
    assert f"TVA : {MENTION_TVA_CONTRIBUTION}" in texte


def test_B8_B5_the_comptables_iban_and_bic_are_printed(contribution, texte_pdf):
    assert "IBAN FR76 3000 1000 6400 0000 0000 040 — BIC BDFEFRPPCCT" in _texte(
        contribution, texte_pdf
    )


def test_B5_a_refacturation_cites_2_3_4_its_invoice_and_its_own_vat_wording(
    emetteur_avec_rib, membre, django_capture_on_commit_callbacks, texte_pdf
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = actes_titres.emettre_refacturation(
            commune=membre(),
            objet="Licences bureautiques 2026",
            fournisseur="Éditeur SA",
            numero_facture="F-2026-001",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("1234.56"),
            facture=SimpleUploadedFile("facture.pdf", PDF_FACTURE),
            par=None,
            date_emission=LE,
        )
    texte = _texte(titre, texte_pdf)
    assert "Fondement Article 2.3.4 de la convention de service commun" in texte
    assert "facture n° F-2026-001 de Éditeur SA du 05/01/2026, acquittée le 20/01/2026" in texte
    assert f"TVA : {MENTION_TVA_REFACTURATION}" in texte
    assert "contribution d'une personne publique" not in texte


def test_B5_a_correction_keeps_the_mentions_of_the_titre_it_corrects(
    contribution, responsable_financier
):
    reduction = corrections.reduire_titre(
        titre=contribution,
        montant=D("100.00"),
        motif="Erreur de population",
        par=responsable_financier,
        date_emission=LE,
    )
    assert reduction.emetteur["fondement"] == contribution.emetteur["fondement"]
    assert reduction.emetteur["mention_tva"] == contribution.emetteur["mention_tva"]


def test_B5_appels_de_fonds_and_frais_de_sortie_cite_their_articles(
    emetteur, membre, responsable_financier
):
    texte = mentions.fondement_appel_de_fonds(
        groupement="Téléphonie mobile",
        repartition="Indemnité de résiliation",
        piece="Décompte",
        le=date(2025, 10, 1),
    )
    assert texte.startswith("Article 4.2.6 de la convention de service commun")
    assert "répartition « Indemnité de résiliation » du groupement « Téléphonie mobile »" in texte

    commune = membre(nom="Théhillac")
    adhesion = resilier(
        adhesion=Adhesion.objects.get(commune=commune), notifiee_le=date(2025, 1, 10)
    )
    titre = actes_titres.emettre_frais_de_sortie(
        adhesion=adhesion,
        frais=[FraisDeSortie("Contrat de maintenance repris", D("480.00"), "12 mois restants")],
        par=responsable_financier,
        date_emission=LE,
    )
    assert titre.emetteur["fondement"] == (
        "Article 2.4 de la convention de service commun (sortie d'un membre) ; résiliation "
        "notifiée le 10/01/2025, dernier jour de l'adhésion le 09/01/2026."
    )
    assert "sortie du service commun" in titre.emetteur["mention_tva"]
