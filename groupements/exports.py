"""CSV and XLSX exports of the groupements (consolidated needs, amounts to pay back), written
by the one French writer (``outils/exports.py``: formula injection neutralised, since
member-typed designations end up in these files)."""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

from outils.exports import TYPE_CSV, TYPE_XLSX, Feuille, contenu_csv, contenu_xlsx
from tarification.calcul import arrondir


def reponse_csv(nom_fichier: str, entetes: Sequence[str], lignes: Iterable[Sequence]):
    reponse = HttpResponse(contenu_csv(entetes, lignes), content_type=TYPE_CSV)
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return reponse


def reponse_xlsx(nom_fichier: str, feuilles: Sequence[tuple[str, Sequence[str], Iterable]]):
    """``feuilles``: (sheet title, headers, rows) — one sheet each."""
    contenu = contenu_xlsx([Feuille(titre, entetes, lignes) for titre, entetes, lignes in feuilles])
    reponse = HttpResponse(contenu, content_type=TYPE_XLSX)
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
