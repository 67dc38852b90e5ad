"""Exports for the finance officer (B7): the PDFs of a campaign as one ZIP, and the bordereau
as CSV (UTF-8 with BOM, ``;``, decimal comma) and XLSX, one row per titre.

Cells are protected against formula injection: a text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with an apostrophe (OWASP); amounts are written
as numbers (a réduction's negative amount stays a number, never escaped).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from servicecommun.exports import echapper  # noqa: F401 (re-exported)
from tarification.models import TitreDeRecettes

COLONNES = [
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
    "Titre corrigé",
    "N° de titre officiel",
    "N° de bordereau officiel",
]


def titres_pour_export(queryset):
    return queryset.select_related("bordereau", "corrige").order_by("exercice", "budget", "numero")


def lignes_bordereau(titres: Iterable[TitreDeRecettes]) -> list[list]:
    """One row per titre, B7's columns; amounts stay ``Decimal``, integers stay ``int``."""
    lignes = []
    for titre in titres:
        corrige = titre.corrige
        lignes.append(
            [
                titre.numero,
                titre.bordereau.numero if titre.bordereau_id else None,
                titre.exercice,
                titre.budget,
                titre.date_emission,
                titre.get_nature_display(),
                titre.debiteur_nom,
                titre.debiteur_siret,
                titre.debiteur_code_service,
                titre.debiteur_engagement,
                titre.objet,
                titre.imputation,
                titre.total,
                f"{corrige.numero}/{corrige.exercice}" if corrige else "",
                titre.numero_officiel,
                titre.bordereau_officiel,
            ]
        )
    return lignes


def _texte_csv(valeur) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal):
        return format(valeur, "f").replace(".", ",")  # decimal comma, no thousands separator
    if isinstance(valeur, int):
        return str(valeur)
    if hasattr(valeur, "strftime"):
        return valeur.strftime("%d/%m/%Y")
    return echapper(str(valeur))


def csv_bordereau(titres: Iterable[TitreDeRecettes]) -> bytes:
    """B7 — UTF-8 with BOM, ``;`` separator, decimal comma, réductions negative."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES)
    for ligne in lignes_bordereau(titres):
        ecrivain.writerow([_texte_csv(v) for v in ligne])
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")


def xlsx_bordereau(titres: Iterable[TitreDeRecettes]) -> bytes:
    """B7 — the same rows as an Excel workbook (amounts as numbers, dates as dates)."""
    classeur = Workbook()
    feuille = classeur.active
    feuille.title = "Bordereau"
    feuille.append(COLONNES)
    for cellule in feuille[1]:
        cellule.font = Font(bold=True)
    for ligne in lignes_bordereau(titres):
        feuille.append([echapper(v) if isinstance(v, str) else v for v in ligne])
        rang = feuille.max_row
        for cellule in feuille[rang]:
            if isinstance(cellule.value, str):
                cellule.data_type = "s"  # never a formula
        feuille.cell(rang, 5).number_format = "DD/MM/YYYY"
        feuille.cell(rang, 13).number_format = "#,##0.00"
    for colonne, largeur in zip(
        "ABCDEFGHIJKLMNOP",
        [10, 10, 9, 18, 12, 20, 34, 16, 18, 14, 60, 12, 14, 12, 16, 16],
        strict=True,
    ):
        feuille.column_dimensions[colonne].width = largeur
    feuille.freeze_panes = "A2"
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def ecrire_zip(titres: Iterable[TitreDeRecettes], cible) -> int:
    """Write the stored PDF of each titre (byte-identical) into a ZIP; returns how many.
    PDFs are already compressed: stored as is."""
    nombre = 0
    with zipfile.ZipFile(cible, "w", compression=zipfile.ZIP_STORED) as archive:
        for titre in titres:
            if not titre.pdf:
                continue
            with titre.pdf.open("rb") as fichier:
                archive.writestr(titre.nom_fichier_pdf(), fichier.read())
            nombre += 1
    return nombre
