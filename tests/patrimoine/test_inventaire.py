"""A2 — an inventory imported from a spreadsheet: CSV (UTF-8 with or without BOM, « ; ») or
XLSX, all or nothing, every error named with its line number, in French."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from outils.exports import contenu_csv
from patrimoine.exports import ENTETES_BIENS, lignes_biens
from patrimoine.inventaire import ImportInvalide, importer
from patrimoine.models import Audit, Bien, Contrat
from tests.patrimoine import fabrique

pytestmark = pytest.mark.django_db
D = Decimal

CONTRATS_CSV = (
    "Fournisseur;Objet;Référence;Début;Fin;Préavis (mois);Coût annuel HT (€);Reconduction;"
    "Modalités de reconduction;Niveau de service;Mutualisable\r\n"
    "Berger-Levrault;Logiciel de gestion financière;BL-42;01/01/2024;31/12/2026;3;"
    "2 400,00;tacite;par périodes d'un an;2;oui\r\n"
    "Orange;Téléphonie fixe;;01/07/2023;;1;1\u00a0180,50;Tacite reconduction;;niveau 4;non\r\n"
)


def _csv(texte: str, *, bom=True, nom="inventaire.csv"):
    contenu = texte.encode("utf-8")
    return SimpleUploadedFile(nom, (b"\xef\xbb\xbf" if bom else b"") + contenu)


def _xlsx(lignes, nom="inventaire.xlsx"):
    classeur = Workbook()
    feuille = classeur.active
    for ligne in lignes:
        feuille.append(ligne)
    tampon = io.BytesIO()
    classeur.save(tampon)
    return SimpleUploadedFile(nom, tampon.getvalue())


@pytest.fixture
def commune(membre):
    return membre(formule="socle_complet", date_effet=date(2023, 1, 1))


@pytest.mark.parametrize("bom", [True, False])
def test_A2_contracts_from_a_french_csv_with_or_without_bom(commune, bom):
    resultat = importer(
        fichier=_csv(CONTRATS_CSV, bom=bom), genre="contrats", commune=commune, par=None
    )
    assert len(resultat.objets) == 2
    bl, orange = Contrat.objects.filter(commune=commune).order_by("fournisseur")
    assert (bl.objet, bl.reference, bl.debut, bl.fin, bl.preavis_mois) == (
        "Logiciel de gestion financière",
        "BL-42",
        date(2024, 1, 1),
        date(2026, 12, 31),
        3,
    )
    assert (bl.cout_annuel, bl.reconduction, bl.niveau_service, bl.mutualisable) == (
        D("2400.00"),
        "tacite",
        "niveau2",
        True,
    )
    assert (orange.fin, orange.cout_annuel, orange.niveau_service, orange.mutualisable) == (
        None,
        D("1180.50"),
        "niveau4",
        False,
    )
    # Imports are historised like any change (simple_history).
    assert bl.history.count() == 1


def test_A2_assets_from_an_xlsx_with_real_dates_and_numbers(commune):
    audit = Audit.objects.create(
        commune=commune,
        origine=Audit.Origine.PREALABLE,
        demande_le=date(2022, 6, 1),
        demande_reference="courrier",
        commence_le=date(2022, 9, 1),
        livre_le=date(2022, 10, 14),
    )
    fichier = _xlsx(
        [
            [
                "Catégorie",
                "Désignation",
                "Référence",
                "Quantité",
                "Niveau de service",
                "Mutualisable",
                "Acquis le",
                "Valeur d'acquisition",
            ],
            [
                "matériel",
                "Serveur de fichiers",
                "SRV-01",
                1,
                3,
                "oui",
                datetime(2021, 3, 1),
                4800.5,
            ],
            [None, None, None, None, None, None, None, None],  # an empty line is skipped
            ["Logiciel", "Suite bureautique", "", 12, "hors socle", "non", None, 0],
        ]
    )
    importer(fichier=fichier, genre="biens", commune=commune, audit=audit, par=None)
    serveur, suite = Bien.objects.order_by("designation")
    assert (serveur.categorie, serveur.niveau_service, serveur.acquis_le) == (
        "materiel",
        "niveau3",
        date(2021, 3, 1),
    )
    assert serveur.valeur_acquisition == D("4800.50") and serveur.audit == audit
    assert (suite.quantite, suite.niveau_service, suite.mutualisable) == (12, "hors_socle", False)


def test_A2_every_error_is_named_with_its_line_and_nothing_is_recorded(commune):
    fabrique.contrat(
        commune, fournisseur="Orange", objet="Téléphonie fixe", debut=date(2023, 7, 1), fin=None
    )
    texte = (
        "Fournisseur;Objet;Début;Fin;Coût annuel;Niveau de service;Mutualisable\n"
        "Berger-Levrault;Logiciel financier;01/01/2024;31/12/2026;2400;2;oui\n"
        "Orange;Téléphonie fixe;01/07/2023;;1180,50;4;non\n"
        "Sans date;Objet;31/02/2024;;12,345;5;peut-être\n"
        ";Objet manquant;01/01/2024;01/01/2023;-3;2;oui\n"
        "Berger-Levrault;Logiciel financier;01/01/2024;;10;2;oui\n"
    )
    with pytest.raises(ImportInvalide) as erreur:
        importer(fichier=_csv(texte), genre="contrats", commune=commune, par=None)
    assert erreur.value.messages == [
        "Ligne 3 : Ce contrat figure déjà à l'inventaire de cette commune.",
        "Ligne 4 : début : « 31/02/2024 » n'est pas une date (JJ/MM/AAAA attendu) ; coût annuel "
        ": « 12,345 » a plus de deux décimales ; niveau de service : « 5 » inconnu (2, 3, 4 ou "
        "hors socle attendu) ; mutualisable : « peut-être » : oui ou non attendu.",
        "Ligne 5 : fournisseur : valeur manquante ; coût annuel : « -3 » n'est pas un montant positif.",
        "Ligne 6 : déjà présent ligne 2.",
    ]
    assert Contrat.objects.count() == 1


def test_A2_a_file_that_is_not_a_french_csv_or_an_xlsx_is_refused(commune):
    virgules = "Fournisseur,Objet,Début,Coût annuel,Niveau de service,Mutualisable\n"
    cas = [
        (_csv(virgules), "séparateur « ; » attendu"),
        (
            SimpleUploadedFile("i.csv", "Fournisseur;é".encode("latin-1")),
            "n'est pas encodé en UTF-8",
        ),
        (
            _csv("Fournisseur;Objet\nA;B\n"),
            "Ligne 1 : colonne(s) manquante(s) : début, coût annuel",
        ),
        (SimpleUploadedFile("i.ods", b"PK\x03\x04"), "Format refusé (.ods)"),
        (SimpleUploadedFile("i.xlsx", b"PK\x03\x04pas un classeur"), "est endommagé"),
        (_csv(""), "Le fichier est vide"),
    ]
    for fichier, message in cas:
        with pytest.raises(ImportInvalide) as erreur:
            importer(fichier=fichier, genre="contrats", commune=commune, par=None)
        assert message in " ".join(erreur.value.messages), (fichier.name, erreur.value.messages)
    assert not Contrat.objects.exists()


def test_A2_an_xlsx_line_number_is_the_sheets(commune):
    fichier = _xlsx(
        [
            ["Catégorie", "Désignation", "Niveau de service", "Mutualisable"],
            ["matériel", "Poste", "4", "non"],
            [None, None, None, None],
            ["ordinateur", "Portable", "4", "non"],
        ]
    )
    with pytest.raises(ImportInvalide) as erreur:
        importer(fichier=fichier, genre="biens", commune=commune, par=None)
    assert erreur.value.messages == [
        "Ligne 4 : catégorie : « ordinateur » inconnu (matériel, logiciel ou immatériel attendu)."
    ]
    assert not Bien.objects.exists()


def test_A2_formula_like_text_is_kept_as_text_and_exported_neutralised(commune):
    texte = (
        "Catégorie;Désignation;Niveau de service;Mutualisable\n"
        'logiciel;=HYPERLINK("http://x");2;oui\n'
    )
    importer(fichier=_csv(texte), genre="biens", commune=commune, par=None)
    assert Bien.objects.get().designation == '=HYPERLINK("http://x")'
    contenu = contenu_csv(ENTETES_BIENS, lignes_biens(commune)).decode("utf-8-sig")
    assert "'=HYPERLINK" in contenu
