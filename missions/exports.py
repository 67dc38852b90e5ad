"""Exports of the niveau 1 page: CSV (UTF-8 with BOM, `;`, decimal comma) and XLSX (B7's
layout conventions), one row per member and year."""

from decimal import Decimal

from missions.dotations import BilanNiveau1, SoldeMembre
from outils.exports import Feuille, Quantite, contenu_csv, contenu_xlsx

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


def _lignes(soldes: list[SoldeMembre], prix: Decimal | None, titres: dict) -> list[list]:
    lignes = []
    for solde in soldes:
        valeurs = _valeurs(solde, prix, titres.get(solde.commune.pk))
        lignes.append(
            [
                Quantite(v) if isinstance(v, Decimal) and i not in MONNAIE else v
                for i, v in enumerate(valeurs)
            ]
        )
    return lignes


def exporter_csv(bilan: BilanNiveau1, soldes: list[SoldeMembre], titres: dict) -> bytes:
    return contenu_csv(COLONNES, _lignes(soldes, bilan.prix_demi_journee, titres))


def exporter_xlsx(bilan: BilanNiveau1, soldes: list[SoldeMembre], titres: dict) -> bytes:
    feuilles = [
        Feuille(
            f"Niveau 1 {bilan.annee}", COLONNES, _lignes(soldes, bilan.prix_demi_journee, titres)
        )
    ]
    if bilan.pool:
        pool = bilan.pool
        feuilles.append(
            Feuille(
                "Volume partagé",
                ["", "valeur"],
                [
                    ["année", bilan.annee],
                    ["mode de facturation", f"{pool.mode_libelle} ({pool.fondement})"],
                    ["volume partagé (jours)", Quantite(pool.jours)],
                    ["volume partagé (demi-journées)", Quantite(pool.demi_journees)],
                    ["dotations des membres (demi-journées)", Quantite(pool.dotations)],
                    [
                        "prises dans le volume, non facturées (demi-journées)",
                        Quantite(pool.consommees),
                    ],
                    ["restantes (demi-journées)", Quantite(pool.restantes)],
                    [
                        "membres du socle complet, facturées (demi-journées)",
                        Quantite(pool.au_dela),
                    ],
                    [
                        "hors volume : sans socle complet ou diagnostic, facturées (demi-journées)",
                        Quantite(pool.hors_socle),
                    ],
                ],
            )
        )
    return contenu_xlsx(feuilles)
