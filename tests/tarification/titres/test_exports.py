"""B7 — exports: ZIP of the PDFs, bordereau CSV (UTF-8 BOM, ``;``, decimal comma, réductions
negative) and XLSX, escaping of formula cells; ``manage.py campagne_titres``."""

import csv
import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from outils.exports import echapper
from tarification.campagne import actes as actes_campagne
from tarification.models import TitreDeRecettes
from tarification.titres import corrections, exports

LE = date(2026, 2, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture
def titres_emis(emetteur, membre, django_capture_on_commit_callbacks):
    membre(nom="Allaire", reference_engagement="ENG-1")
    membre(nom='=HYPERLINK("http://x")', siret="", code_service_chorus="-2+3")
    with django_capture_on_commit_callbacks(execute=True):
        campagne = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
        allaire = campagne.bordereau.titres.get(debiteur_nom="Commune d'Allaire")
        reduction = corrections.reduire_titre(
            titre=allaire,
            montant=Decimal("1234.50"),
            motif="Erreur de tranche",
            par=None,
            date_emission=date(2026, 3, 1),
        )
    return campagne, allaire, reduction


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ("=1+1", "'=1+1"),
        ("+33", "'+33"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Commune d'Allaire", "Commune d'Allaire"),
        (Decimal("-100.00"), Decimal("-100.00")),
        (12, 12),
    ],
)
def test_B7_formula_escaping(valeur, attendu):
    assert echapper(valeur) == attendu


def _lire_csv(contenu: bytes):
    assert contenu.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))


def test_B7_bordereau_csv(titres_emis):
    campagne, allaire, reduction = titres_emis
    lignes = _lire_csv(
        exports.csv_bordereau(exports.titres_pour_export(TitreDeRecettes.objects.all()))
    )
    assert lignes[0] == exports.COLONNES
    assert lignes[0][:13] == [
        "N° de titre",
        "Bordereau",
        "Exercice",
        "Budget",
        "Date d'émission",
        "Nature",
        "Débiteur",
        "SIRET",
        "Code service Chorus",
        "Engagement",
        "Objet",
        "Imputation",
        "Montant",
    ]
    par_numero = {ligne[0]: ligne for ligne in lignes[1:]}
    ligne = par_numero[str(allaire.numero)]
    assert ligne[1:5] == ["1", "2026", "Budget principal", "10/02/2026"]
    assert ligne[6:10] == ["Commune d'Allaire", "21560001600004", "FACTURES", "ENG-1"]
    assert ligne[11:13] == ["70875", "5532,50"]
    negative = par_numero[str(reduction.numero)]
    assert negative[5] == "réduction" and negative[12] == "-1234,50"  # a number, not escaped
    assert negative[13] == f"{allaire.numero}/2026"
    piege = next(ligne for ligne in lignes[1:] if "HYPERLINK" in ligne[6])
    assert piege[6] == 'Commune de =HYPERLINK("http://x")'  # not at the start: harmless
    assert piege[8] == "'-2+3"  # escaped


def test_B7_bordereau_xlsx(titres_emis):
    _, allaire, reduction = titres_emis
    contenu = exports.xlsx_bordereau(exports.titres_pour_export(TitreDeRecettes.objects.all()))
    feuille = load_workbook(io.BytesIO(contenu)).active
    lignes = list(feuille.iter_rows(values_only=True))
    assert list(lignes[0]) == exports.COLONNES
    par_numero = {ligne[0]: ligne for ligne in lignes[1:]}
    assert par_numero[allaire.numero][12] == 5532.5
    assert par_numero[reduction.numero][12] == -1234.5  # a number
    assert par_numero[allaire.numero][7] == "21560001600004"  # SIRET kept as text
    assert par_numero[allaire.numero][4].date() == LE
    piege = next(ligne for ligne in lignes[1:] if ligne[8] and "2+3" in ligne[8])
    assert piege[8] == "'-2+3"
    assert all(c.data_type != "f" for ligne in feuille.iter_rows() for c in ligne)


def test_B7_zip_of_the_identical_pdfs(titres_emis):
    campagne, _, _ = titres_emis
    sortie = io.BytesIO()
    liste = list(exports.titres_pour_export(campagne.bordereau.titres.all()))
    assert exports.ecrire_zip(liste, sortie) == 2
    with zipfile.ZipFile(sortie) as archive:
        assert sorted(archive.namelist()) == sorted(t.nom_fichier_pdf() for t in liste)
        for titre in liste:
            assert hashlib.sha256(archive.read(titre.nom_fichier_pdf())).hexdigest() == (
                titre.pdf_sha256
            )


def test_B7_campagne_downloads(client, responsable_financier, titres_emis):
    campagne, _, _ = titres_emis
    bordereau = campagne.bordereau
    client.force_login(responsable_financier)

    reponse = client.get(reverse("tarification:bordereau_zip", args=[bordereau.pk]))
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/zip"
    assert f"bordereau-2026-{bordereau.numero:04d}.zip" in reponse["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(reponse.streaming_content))) as archive:
        assert len(archive.namelist()) == 2

    reponse = client.get(reverse("tarification:bordereau_csv", args=[bordereau.pk]))
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    lignes = _lire_csv(reponse.content)
    assert len(lignes) == 4  # header, the two titres of this bordereau, the total row
    assert lignes[-1][0] == "Total"
    assert lignes[-1][12] == str(sum(t.total for t in bordereau.titres.all())).replace(".", ",")

    reponse = client.get(reverse("tarification:bordereau_xlsx", args=[bordereau.pk]))
    feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
    assert feuille.max_row == 4  # header, two titres, total


def test_B7_export_of_the_titres_list(client, responsable_financier, titres_emis):
    client.force_login(responsable_financier)
    reponse = client.get(reverse("tarification:titres"), {"nature": "reduction", "export": "csv"})
    lignes = _lire_csv(reponse.content)
    assert len(lignes) == 3 and lignes[1][12] == "-1234,50"
    assert lignes[2][0] == "Total" and lignes[2][12] == "-1234,50"


# --- manage.py campagne_titres -----------------------------------------------------------------


def test_B7_command_apercu_issue_export(emetteur, membre, tmp_path, capsys):
    membre(nom="Allaire")
    membre(nom="Plessé", service_informatique=True)

    call_command("campagne_titres", "--annee", "2025", "--date", "2026-02-10")
    sortie = capsys.readouterr().out
    assert "Campagne 2025 — exercice 2026 — aperçu au 10/02/2026" in sortie
    assert "Allaire — à émettre 5\u00a0532,50\u00a0€" in sortie
    assert "Plessé — bloqué" in sortie and "revue des moyens manquante" in sortie
    assert not TitreDeRecettes.objects.exists()

    call_command(
        "campagne_titres",
        "--annee",
        "2025",
        "--emettre",
        "--date",
        "2026-02-10",
        "--export",
        str(tmp_path),
    )
    sortie = capsys.readouterr().out
    assert (
        "1 titre(s) émis (titres de recettes), bordereau n° 1 de l'exercice 2026 ; PDF produits."
        in sortie
    )
    titre = TitreDeRecettes.objects.get()
    assert titre.pdf
    base = tmp_path / "campagne-2025-exercice-2026"
    with zipfile.ZipFile(f"{base}.zip") as archive:
        assert archive.namelist() == [titre.nom_fichier_pdf()]
    assert len(_lire_csv((tmp_path / "campagne-2025-exercice-2026.csv").read_bytes())) == 3
    assert load_workbook(f"{base}.xlsx").active.max_row == 3

    call_command("campagne_titres", "--annee", "2025", "--emettre", "--date", "2026-02-10")
    assert "Rien à émettre" in capsys.readouterr().out
    assert TitreDeRecettes.objects.count() == 1
