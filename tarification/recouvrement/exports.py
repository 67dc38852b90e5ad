"""B11 — the restes à recouvrer as rows for ``outils/exports.py`` (French CSV, XLSX with totals)."""

from __future__ import annotations

from tarification.recouvrement.restes import Reste, totaux

ENTETES = [
    "Exercice",
    "Budget",
    "Titre n°",
    "N° officiel",
    "Code INSEE",
    "Débiteur",
    "Objet",
    "Émis le",
    "Échéance",
    "Émis",
    "Corrigé",
    "Payé",
    "Non-valeur",
    "Reste à recouvrer",
    "Trop-perçu",
    "État",
    "Ancienneté",
]


def lignes(restes: list[Reste]) -> list[list]:
    return [
        [
            r.titre.exercice,
            r.titre.budget,
            r.titre.numero,
            r.titre.numero_officiel,
            r.titre.commune.code_insee,
            r.titre.debiteur_nom,
            r.titre.objet,
            r.titre.date_emission,
            r.echeance,
            r.situation.emis,
            r.situation.corrige,
            r.situation.paye,
            r.situation.non_valeur,
            r.situation.reste,
            r.situation.trop_percu,
            r.etat_libelle,
            r.age_libelle,
        ]
        for r in restes
    ]


def ligne_total(restes: list[Reste]) -> list:
    t = totaux(restes)
    return ["Total", "", t.nombre, "", "", "", "", None, None, t.emis, t.corrige, t.paye,
            t.non_valeur, t.reste, t.trop_percu, "", ""]  # fmt: skip
