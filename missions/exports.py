"""Exports of the niveau 1 page: CSV (UTF-8 with BOM, `;`, decimal comma) and XLSX (B7's
layout conventions), one row per member and year."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from missions.dotations import BilanNiveau1, SoldeMembre
from servicecommun.exports import echapper

COLONNES = [
    "année",
    "membre",
    "code INSEE",
    "formule(s) de l'année",
    "socle complet",
    "population",
    "millésime",
    "tranche",
    "origine de la dotation",
    "dotation (demi-journées)",
    "utilisées",
    "restantes",
    "facturées",
    "prix de la demi-journée (€)",
    "à facturer (€)",
    "titre n° (exercice)",
    "état",
    "anomalie",
]
MONNAIE = {COLONNES.index("prix de la demi-journée (€)"), COLONNES.index("à facturer (€)")}


def _valeurs(solde: SoldeMembre, prix: Decimal | None, ligne_titre) -> list:
    titre = ligne_titre.titre if ligne_titre is not None else None
    return [
        solde.annee,
        solde.commune.nom,
        solde.commune.code_insee,
        solde.formules,
        "oui" if solde.socle_complet else "non",
        solde.population,
        solde.millesime,
        solde.tranche or "",
        solde.origine,
        solde.dotation,
        solde.utilisees,
        solde.restantes if solde.socle_complet else None,
        solde.au_dela,
        prix,
        solde.montant,
        f"{titre.numero} ({titre.exercice})" if titre else "",
        solde.etat_libelle,
        solde.anomalie,
    ]


def _texte(valeur) -> str:
    return echapper(valeur)


def _csv_cellule(valeur, monnaie=False) -> str:
    if valeur is None:
        return ""
    if monnaie:
        return format(valeur.quantize(Decimal("0.01")), "f").replace(".", ",")
    if isinstance(valeur, Decimal):
        valeur = valeur.normalize() if valeur == valeur.to_integral_value() else valeur
        return format(valeur, "f").replace(".", ",")
    if isinstance(valeur, int):
        return str(valeur)
    return _texte(valeur)


def exporter_csv(bilan: BilanNiveau1, soldes: list[SoldeMembre], titres: dict) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES)
    for solde in soldes:
        valeurs = _valeurs(solde, bilan.prix_demi_journee, titres.get(solde.commune.pk))
        ecrivain.writerow(_csv_cellule(v, i in MONNAIE) for i, v in enumerate(valeurs))
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def exporter_xlsx(bilan: BilanNiveau1, soldes: list[SoldeMembre], titres: dict) -> bytes:
    classeur = Workbook()
    feuille = classeur.active
    feuille.title = f"Niveau 1 {bilan.annee}"
    feuille.append(COLONNES)
    for cellule in feuille[1]:
        cellule.font = Font(bold=True)
    for solde in soldes:
        valeurs = _valeurs(solde, bilan.prix_demi_journee, titres.get(solde.commune.pk))
        feuille.append([_texte(v) for v in valeurs])
    for ligne in feuille.iter_rows(min_row=2):
        for i in MONNAIE:
            ligne[i].number_format = "#,##0.00"
    if bilan.pool:
        pool = classeur.create_sheet("Volume partagé")
        pool.append(["année", bilan.annee])
        pool.append(["volume partagé (jours)", bilan.pool.jours])
        pool.append(["volume partagé (demi-journées)", bilan.pool.demi_journees])
        pool.append(["dotations des membres (demi-journées)", bilan.pool.dotations])
        pool.append(["prises dans les dotations (demi-journées)", bilan.pool.consommees])
        pool.append(["restantes (demi-journées)", bilan.pool.restantes])
        pool.append(["au-delà des dotations, facturées (demi-journées)", bilan.pool.au_dela])
        pool.append(
            ["membres sans socle complet, facturées (demi-journées)", bilan.pool.hors_socle]
        )
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()
