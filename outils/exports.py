"""The one French CSV/XLSX writer of every export (bordereaux, niveau 1, groupements, bilan).

CSV for a French finance suite or spreadsheet: UTF-8 with a BOM, ``;`` separator, CRLF,
decimal comma, no thousands separator, dates as dd/mm/yyyy. XLSX through openpyxl with real
numbers and dates, a bold and frozen header row, an autofilter, and an optional bold total
row. In both, a text cell a spreadsheet would run as a formula is neutralised (``echapper``):
member-typed text (designations, objects) ends up in these files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

TYPE_CSV = "text/csv; charset=utf-8"
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMAT_EUROS = '#,##0.00 "€"'
FORMAT_NOMBRE = "#,##0.00"
FORMAT_QUANTITE = "0.##"
FORMAT_DATE = "DD/MM/YYYY"
FORMAT_DATE_HEURE = "DD/MM/YYYY HH:MM"
GRAS = Font(bold=True)

# A text cell starting with one of these would be read as a formula by a spreadsheet
# (CSV/formula injection): it gets a leading apostrophe. Numbers, negative ones included,
# are written as numbers and never pass through here.
DEBUTS_DANGEREUX = ("=", "+", "-", "@", "\t", "\r")


def echapper(valeur):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe;
    anything that is not text is returned unchanged."""
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DANGEREUX):
        return "'" + valeur
    return valeur


class Quantite(Decimal):
    """A number that is not money (days, half-days, percentages): without « € » in XLSX and
    without useless zeros in CSV."""


def cellule_csv(valeur) -> str:
    """One CSV cell, the French way."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Quantite):
        valeur = Decimal(valeur)
        if valeur == valeur.to_integral_value():
            valeur = valeur.to_integral_value()
        return format(valeur, "f").replace(".", ",")
    if isinstance(valeur, Decimal):
        return format(valeur, "f").replace(".", ",")  # decimal comma, no thousands separator
    if isinstance(valeur, int):
        return str(valeur)
    if isinstance(valeur, datetime):
        return valeur.strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    return echapper(str(valeur))


def contenu_csv(
    entetes: Sequence[str], lignes: Iterable[Sequence], *, total: Sequence | None = None
) -> bytes:
    """A whole CSV file: headers, rows and an optional total row."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([echapper(e) for e in entetes])
    for ligne in lignes:
        ecrivain.writerow([cellule_csv(v) for v in ligne])
    if total is not None:
        ecrivain.writerow([cellule_csv(v) for v in total])
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def _valeur_xlsx(valeur):
    if isinstance(valeur, str):
        return echapper(valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, datetime):
        return valeur.replace(tzinfo=None)
    if isinstance(valeur, Quantite):
        return Decimal(valeur)
    return valeur


def _format_xlsx(valeur, cellule, euros: bool) -> None:
    if isinstance(valeur, str | bool):
        cellule.data_type = "s"  # never a formula, whatever the text
    elif isinstance(valeur, Quantite):
        cellule.number_format = FORMAT_QUANTITE
    elif isinstance(valeur, Decimal):
        cellule.number_format = FORMAT_EUROS if euros else FORMAT_NOMBRE
    elif isinstance(valeur, datetime):
        cellule.number_format = FORMAT_DATE_HEURE
    elif isinstance(valeur, date):
        cellule.number_format = FORMAT_DATE


def ajouter_lignes(feuille, lignes: Iterable[Sequence], *, gras: bool = False, euros=True):
    """Append rows to an openpyxl sheet, each value typed and formatted (``gras``: bold)."""
    for valeurs in lignes:
        feuille.append([_valeur_xlsx(v) for v in valeurs])
        if not valeurs:
            continue  # a blank row: no cell to format
        for valeur, cellule in zip(valeurs, feuille[feuille.max_row], strict=False):
            _format_xlsx(valeur, cellule, euros)
            if gras:
                cellule.font = GRAS


def largeurs(feuille, valeurs: Sequence[int] | None = None) -> None:
    """Column widths: given, or from the longest value (between 10 and 60 characters)."""
    if valeurs is not None:
        for index, largeur in enumerate(valeurs, start=1):
            feuille.column_dimensions[get_column_letter(index)].width = largeur
        return
    for colonne in feuille.columns:
        largeur = max(len(str(c.value or "")) for c in colonne)
        feuille.column_dimensions[colonne[0].column_letter].width = min(max(largeur + 2, 10), 60)


@dataclass
class Feuille:
    """One sheet of a workbook: a table with its header row and an optional total row."""

    titre: str
    entetes: Sequence[str]
    lignes: Iterable[Sequence]
    total: Sequence | None = None
    largeurs: Sequence[int] | None = None
    euros: bool = True  # Decimal cells shown as euros (else plain numbers)

    def ecrire(self, feuille) -> None:
        ajouter_lignes(feuille, [list(self.entetes)], gras=True)
        ajouter_lignes(feuille, self.lignes, euros=self.euros)
        derniere = feuille.max_row
        if derniere > 1:
            feuille.auto_filter.ref = f"A1:{get_column_letter(len(self.entetes))}{derniere}"
        if self.total is not None:
            ajouter_lignes(feuille, [self.total], gras=True, euros=self.euros)
        feuille.freeze_panes = "A2"
        largeurs(feuille, self.largeurs)


def contenu_xlsx(feuilles: Sequence[Feuille], *, titre: str = "") -> bytes:
    """A workbook with one sheet per ``Feuille``."""
    classeur = Workbook()
    classeur.remove(classeur.active)
    for feuille in feuilles:
        feuille.ecrire(classeur.create_sheet(title=feuille.titre[:31]))
    if titre:
        classeur.properties.title = titre
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()
