"""B5 — the titre's PDF: every mention, read back with pypdf; rendered after commit from the
snapshot; shipped fonts; restricted fetcher; stored once and served byte-identical."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from outils import pdf as moteur_pdf
from tarification.campagne import actes as actes_campagne
from tarification.models import Bordereau, TitreDeRecettes
from tarification.titres import actes as actes_titres
from tarification.titres import corrections, emission
from tarification.titres.emission import LigneAFacturer
from tests.conftest import pdf_minimal

D = Decimal
LE = date(2026, 2, 10)
PDF_FACTURE = pdf_minimal("Facture")

pytestmark = pytest.mark.django_db


@pytest.fixture
def campagne_avec_pdf(emetteur, membre, responsable_financier, django_capture_on_commit_callbacks):
    allaire = membre(nom="Allaire", reference_engagement="ENG-2026-17")
    membre(nom="Redon", formule="groupement", population=9000, siret="", code_service_chorus="")
    with django_capture_on_commit_callbacks(execute=True):
        campagne = actes_campagne.emettre_campagne(
            annee=2025, par=responsable_financier, date_emission=LE
        )
    return campagne, TitreDeRecettes.objects.get(commune=allaire)


def _lire(titre) -> bytes:
    titre.refresh_from_db()
    with titre.pdf.open("rb") as fichier:
        return fichier.read()


def test_B5_every_mention_of_the_titre(campagne_avec_pdf, texte_pdf):
    _, titre = campagne_avec_pdf
    texte = texte_pdf(_lire(titre))
    mentions = [
        # issuer, SIREN/SIRET, ordonnateur's first name, name and quality
        "Redon Agglomération",
        "SIREN 243500741",
        "SIRET 24350074100075",
        "Ordonnateur : Camille Exemple, Président",
        # debtor: name, address, SIRET, Chorus code service, engagement (B8)
        "Commune d'Allaire",
        "Mairie, 1 place de l'Église",
        "56350 Allaire",
        "SIRET 21560001600004",
        "Code service Chorus Pro FACTURES",
        "N° d'engagement ENG-2026-17",
        # exercice, budget, titre and bordereau numbers, date, nature, object
        "Exercice 2026",
        "Budget Budget principal",
        "Titre n° 1",
        "Bordereau n° 1",
        "Date d'émission 10/02/2026",
        "Contribution 2025 au service commun des systèmes d'information",
        # one line per item with its base de liquidation
        "Socle complet — contribution annuelle 2025",
        "art. 7.1 — population municipale 2 355 hab. (millésime 2022)",
        "tranche « de 1 500 à moins de 3 000 » : part fixe 2 000,00 € + 1,50 € × 2 355 hab.",
        # VAT (T10), total in figures and in words
        "TVA non applicable",
        "Montant à payer 5 532,50 €",
        "cinq mille cinq cent trente-deux euros et cinquante centimes",
        # imputation (B6), how to pay, enforceability, voies et délais de recours (art. 2.5)
        "Compte 70875",
        "Comptable public : Service de gestion comptable de Redon",
        "Par virement à la Banque de France",
        "rendu exécutoire par l'ordonnateur en application de l'article L. 252 A du livre des "
        "procédures fiscales",
        "Voies et délais de recours".upper(),
        "Dans un délai de deux mois suivant la notification du présent titre",
        "tribunal administratif de Rennes",
        "article 2.5 de la convention",
        "Fait à Redon, le 10/02/2026",
    ]
    manquantes = [m for m in mentions if m not in texte]
    assert not manquantes, f"Mentions absentes : {manquantes}\n{texte}"


@pytest.mark.parametrize(
    ("montant", "lettres"),
    [
        ("1.00", "un euro"),
        ("71.00", "soixante et onze euros"),
        ("80.00", "quatre-vingts euros"),
        ("200.00", "deux cents euros"),
        ("1000000.00", "un million d'euros"),
        ("0.01", "un centime"),
    ],
)
def test_B5_total_in_words(
    montant, lettres, emetteur, membre, django_capture_on_commit_callbacks, texte_pdf
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(),
            objet="Appel de fonds",
            lignes=[LigneAFacturer("appel", "Quote-part", D(montant), base_texte="art. 4.2.6")],
            par=None,
            date_emission=LE,
        )
    assert f"Arrêté le présent titre à la somme de {lettres}." in texte_pdf(_lire(titre))


def test_B5_pdf_rendered_after_commit_by_the_task(
    emetteur, membre, django_capture_on_commit_callbacks
):
    membre()
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        campagne = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
        titre = campagne.bordereau.titres.get()
        assert not titre.pdf  # nothing rendered inside the issuing transaction
    assert len(rappels) == 1
    rappels[0]()  # commit: the task is enqueued (ImmediateBackend runs it at once)
    titre.refresh_from_db()
    bordereau = Bordereau.objects.get(pk=campagne.bordereau.pk)
    assert titre.pdf and titre.pdf_sha256 and titre.pdf_genere_le
    assert (bordereau.pdf_attendus, bordereau.pdf_rendus, bordereau.pdf_echecs) == (1, 1, 0)
    assert bordereau.pdf_termines and bordereau.pdf_fin


def test_B5_one_pdf_per_titre_one_page_each(campagne_avec_pdf, texte_pdf):
    campagne, _ = campagne_avec_pdf
    for titre in campagne.bordereau.titres.all():
        contenu = _lire(titre)
        assert len(PdfReader(io.BytesIO(contenu)).pages) == 1
        texte = texte_pdf(contenu)
        assert titre.debiteur_nom in texte
        autres = {"Commune d'Allaire", "Commune de Redon"} - {titre.debiteur_nom}
        assert not any(autre in texte for autre in autres)
        assert hashlib.sha256(contenu).hexdigest() == titre.pdf_sha256


def test_B5_bundled_fonts_embedded(campagne_avec_pdf):
    _, titre = campagne_avec_pdf
    lecteur = PdfReader(io.BytesIO(_lire(titre)))
    polices = {
        str(police["/BaseFont"]) for police in lecteur.pages[0]["/Resources"]["/Font"].values()
    }
    # The family of static/css/titre.css, whose files are static/fonts/DejaVuSans*.ttf: never a
    # system font (which would be named DejaVuSans, Liberation…).
    assert polices and all(nom.endswith(("+Titre-Sans", "+Titre-Sans-Bold")) for nom in polices)
    assert lecteur.metadata.title == "Titre de recettes n° 1 — exercice 2026"


def test_B5_titre_of_several_pages_is_numbered(
    emetteur, membre, django_capture_on_commit_callbacks, texte_pdf
):
    lignes = [
        LigneAFacturer("appel", f"Quote-part n° {i}", D("10.00"), base_texte="art. 4.2.6 " * 12)
        for i in range(40)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(),
            objet="Appel de fonds",
            lignes=lignes,
            par=None,
            date_emission=LE,
        )
    contenu = _lire(titre)
    pages = len(PdfReader(io.BytesIO(contenu)).pages)
    assert pages >= 2
    texte = texte_pdf(contenu)
    assert f"page 1 / {pages}" in texte and f"page {pages} / {pages}" in texte
    assert "quatre cents euros" in texte


def test_B4_pdf_of_the_annulation_titre(
    campagne_avec_pdf, django_capture_on_commit_callbacks, texte_pdf
):
    _, titre = campagne_avec_pdf
    with django_capture_on_commit_callbacks(execute=True):
        annulation = corrections.annuler_titre(
            titre=titre, motif="Population erronée", par=None, date_emission=date(2026, 3, 1)
        )
    texte = texte_pdf(_lire(annulation))
    assert "TITRE D'ANNULATION" in texte
    assert "Annule le titre n° 1 de l'exercice 2026, émis le 10/02/2026 pour 5 532,50 €" in texte
    assert "Motif : Population erronée" in texte
    assert "-5 532,50 €" in texte
    assert "cinq mille cinq cent trente-deux euros et cinquante centimes, en déduction" in texte


def test_refacturation_invoice_embedded_in_the_pdf(
    emetteur, membre, django_capture_on_commit_callbacks, texte_pdf
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
    contenu = _lire(titre)
    lecteur = PdfReader(io.BytesIO(contenu))
    nom = f"facture-acquittee-{titre.reference}.pdf"
    assert lecteur.attachments == {nom: [PDF_FACTURE]}
    texte = texte_pdf(contenu)
    assert "Pièce jointe : copie de la facture acquittée du fournisseur" in texte
    assert "mille deux cent trente-quatre euros et cinquante-six centimes" in texte


def test_rendering_failure_recorded_on_the_bordereau(
    emetteur, membre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        titre = actes_titres.emettre_refacturation(
            commune=membre(),
            objet="Licences",
            fournisseur="Éditeur SA",
            numero_facture="F-1",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("10.00"),
            facture=SimpleUploadedFile("facture.pdf", PDF_FACTURE),
            par=None,
            date_emission=LE,
        )
    titre.piece_jointe.storage.delete(titre.piece_jointe.name)  # the invoice disappeared
    rappels[0]()
    bordereau = Bordereau.objects.get(pk=titre.bordereau_id)
    titre.refresh_from_db()
    assert not titre.pdf
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (0, 1)
    assert "FileNotFoundError" in bordereau.pdf_message


@pytest.mark.parametrize(
    "url",
    ["http://example.com/logo.png", "file:///etc/passwd", "file:///{static}/../manage.py"],
)
def test_B5_resources_outside_static_refused(url):
    url = url.format(static=str(moteur_pdf.STATIQUE).lstrip("/"))
    with pytest.raises(moteur_pdf.RessourceRefusee):
        moteur_pdf.moteur().document(f'<p>x</p><img src="{url}">', [])


def test_B5_resource_from_static_accepted():
    fetcher = moteur_pdf.FetcherStatique()
    reponse = fetcher.fetch((moteur_pdf.STATIQUE / "css" / "titre.css").as_uri())
    assert b"@font-face" in reponse.read()


# --- Served byte-identical -------------------------------------------------------------------


def test_B5_pdf_served_unchanged(client, campagne_avec_pdf, responsable_financier):
    _, titre = campagne_avec_pdf
    stocke = _lire(titre)
    client.force_login(responsable_financier)
    reponse = client.get(reverse("tarification:titre_pdf", args=[titre.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    recu = b"".join(reponse.streaming_content)
    assert recu == stocke
    assert hashlib.sha256(recu).hexdigest() == titre.pdf_sha256
    # Served again: still the same bytes (never rendered again).
    reponse = client.get(reverse("tarification:titre_pdf", args=[titre.pk]))
    assert b"".join(reponse.streaming_content) == stocke


def test_B5_pdf_restricted(client, campagne_avec_pdf, secretaire_a):
    _, titre = campagne_avec_pdf
    url = reverse("tarification:titre_pdf", args=[titre.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(secretaire_a)
    assert client.get(url).status_code == 403


def test_B5_pdf_not_rendered_yet(client, emetteur, membre, responsable_financier):
    membre()
    titre = actes_campagne.emettre_campagne(
        annee=2025, par=None, date_emission=LE
    ).bordereau.titres.get()
    client.force_login(responsable_financier)
    assert client.get(reverse("tarification:titre_pdf", args=[titre.pk])).status_code == 404
