"""Exports for the finance officer (B7): the PDFs of a campaign as one ZIP, and the bordereau
as CSV (UTF-8 with BOM, ``;``, decimal comma) and XLSX, one row per titre.

Cells are protected against formula injection: a text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with an apostrophe (OWASP); amounts are written
as numbers (a réduction's negative amount stays a number, never escaped).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from decimal import Decimal

from outils.exports import Feuille, contenu_csv, contenu_xlsx
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


def _total(lignes: list[list]) -> list:
    return ["Total", *[""] * 11, sum((ligne[12] for ligne in lignes), Decimal("0.00")), "", "", ""]


def csv_bordereau(titres: Iterable[TitreDeRecettes]) -> bytes:
    """B7 — UTF-8 with BOM, ``;`` separator, decimal comma, réductions negative, a total row."""
    lignes = lignes_bordereau(titres)
    return contenu_csv(COLONNES, lignes, total=_total(lignes))


def xlsx_bordereau(titres: Iterable[TitreDeRecettes]) -> bytes:
    """B7 — the same rows as an Excel workbook (amounts as numbers, dates as dates)."""
    lignes = lignes_bordereau(titres)
    largeurs = [10, 10, 9, 18, 12, 20, 34, 16, 18, 14, 60, 12, 14, 12, 16, 16]
    return contenu_xlsx(
        [Feuille("Bordereau", COLONNES, lignes, total=_total(lignes), largeurs=largeurs)]
    )


def ecrire_zip(titres: Iterable[TitreDeRecettes], cible, *, bordereaux=()) -> int:
    """Write the stored PDF of each titre (byte-identical) into a ZIP, with the signed
    récapitulatif of each of ``bordereaux`` that has one (B10); returns how many titres.
    PDFs are already compressed: stored as is."""
    nombre = 0
    with zipfile.ZipFile(cible, "w", compression=zipfile.ZIP_STORED) as archive:
        for bordereau in bordereaux:
            if bordereau.recapitulatif:
                with bordereau.recapitulatif.open("rb") as fichier:
                    archive.writestr(
                        f"recapitulatif-{bordereau.exercice}-{bordereau.numero:04d}.pdf",
                        fichier.read(),
                    )
        for titre in titres:
            if not titre.pdf:
                continue
            with titre.pdf.open("rb") as fichier:
                archive.writestr(titre.nom_fichier_pdf(), fichier.read())
            nombre += 1
    return nombre
