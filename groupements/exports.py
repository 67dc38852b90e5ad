"""CSV and XLSX exports of the groupements (consolidated needs, amounts to pay back).

CSV for a French finance suite or spreadsheet: UTF-8 with a BOM, `;` separator, decimal comma,
no thousands separator, dates as dd/mm/yyyy. XLSX through openpyxl with real numbers and
dates. In both, a text cell starting with = + - @, a tab or a carriage return is prefixed with
an apostrophe so that no spreadsheet runs it as a formula (formula injection: member-typed
designations end up in these files).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from servicecommun.exports import echapper
from tarification.calcul import arrondir

TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cellule_csv(valeur) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal):
        return format(valeur, "f").replace(".", ",")
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, int):
        return str(valeur)
    if isinstance(valeur, datetime | date):
        return valeur.strftime("%d/%m/%Y")
    return echapper(str(valeur))


def contenu_csv(entetes: Sequence[str], lignes: Iterable[Sequence]) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([echapper(e) for e in entetes])
    for ligne in lignes:
        ecrivain.writerow([_cellule_csv(v) for v in ligne])
    return tampon.getvalue().encode("utf-8-sig")


def reponse_csv(nom_fichier: str, entetes: Sequence[str], lignes: Iterable[Sequence]):
    reponse = HttpResponse(contenu_csv(entetes, lignes), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return reponse


def _ecrire_feuille(feuille, entetes, lignes):
    feuille.append([echapper(e) for e in entetes])
    for cellule in feuille[1]:
        cellule.font = Font(bold=True)
    for ligne in lignes:
        valeurs = []
        for v in ligne:
            if isinstance(v, str):
                v = echapper(v)
            elif isinstance(v, datetime):
                v = v.replace(tzinfo=None)
            valeurs.append(v)
        feuille.append(valeurs)
        for cellule, v in zip(feuille[feuille.max_row], ligne, strict=False):
            if isinstance(v, str):
                cellule.data_type = "s"  # never a formula, whatever the text
            elif isinstance(v, Decimal):
                cellule.number_format = "#,##0.00"
            elif isinstance(v, datetime):
                cellule.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(v, date):
                cellule.number_format = "DD/MM/YYYY"
    feuille.freeze_panes = "A2"
    for colonne in feuille.columns:
        largeur = max(len(str(c.value or "")) for c in colonne)
        feuille.column_dimensions[colonne[0].column_letter].width = min(max(largeur + 2, 10), 60)


def contenu_xlsx(feuilles: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """``feuilles``: (sheet title, headers, rows) — one sheet each."""
    classeur = Workbook()
    classeur.remove(classeur.active)
    for titre, entetes, lignes in feuilles:
        _ecrire_feuille(classeur.create_sheet(title=titre[:31]), entetes, lignes)
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def reponse_xlsx(nom_fichier: str, feuilles):
    reponse = HttpResponse(contenu_xlsx(feuilles), content_type=TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return reponse


# --- The groupements' exports ---------------------------------------------------------------

ENTETES_BESOINS = [
    "Membre",
    "Code INSEE",
    "Établissement",
    "Désignation",
    "Unité",
    "Quantité",
    "Montant estimé HT (€)",
    "Précisions",
]
ENTETES_SYNTHESE = [
    "Désignation",
    "Unité",
    "Quantité totale",
    "Montant estimé total HT (€)",
    "Nombre de membres",
]
ENTETES_QUALITATIFS = [
    "Membre",
    "Code INSEE",
    "Établissement",
    "Déclarés le",
    "Besoins qualitatifs",
]
ENTETES_REVERSEMENTS = [
    "Groupement",
    "Objet",
    "Pièce",
    "Date de la pièce",
    "Membre",
    "Code INSEE",
    "Établissement",
    "SIRET",
    "Poids (€)",
    "Part (%)",
    "Montant à reverser (€)",
]


def lignes_besoins(adhesions) -> list[list]:
    return [
        [
            a.commune.nom,
            a.commune.code_insee,
            a.etablissement.nom if a.etablissement_id else "",
            b.designation,
            b.unite,
            b.quantite,
            b.montant_estime,
            b.precisions,
        ]
        for a in adhesions
        for b in a.besoins.all()
    ]


def lignes_synthese(synthese) -> list[list]:
    return [
        [s["designation"], s["unite"], s["quantite"], s["montant"], s["membres"]] for s in synthese
    ]


def lignes_qualitatifs(adhesions) -> list[list]:
    return [
        [
            a.commune.nom,
            a.commune.code_insee,
            a.etablissement.nom if a.etablissement_id else "",
            a.besoins_declares_le,
            a.besoins_qualitatifs,
        ]
        for a in adhesions
        if a.besoins_qualitatifs
    ]


def lignes_reversements(repartition, parts) -> list[list]:
    """One row per member with an amount to pay back (a share of 0 is not exported)."""
    total = sum((p.poids for p in parts), Decimal("0"))
    lignes = []
    for p in parts:
        if not p.montant:
            continue
        a = p.adhesion
        pourcentage = arrondir(p.poids * 100 / total) if total else None
        lignes.append(
            [
                repartition.groupement.objet,
                repartition.libelle,
                repartition.piece,
                repartition.piece_date,
                a.commune.nom,
                a.commune.code_insee,
                a.etablissement.nom if a.etablissement_id else "",
                (a.etablissement.siret if a.etablissement_id else a.commune.siret) or "",
                p.poids,
                pourcentage,
                p.montant,
            ]
        )
    return lignes
