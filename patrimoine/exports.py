"""A2, A3 — the register of transfers and the inventory as CSV and XLSX, for one member or the
whole service, written by the one French writer (``outils/exports.py``: formula injection
neutralised, since member-typed designations end up in these files). Each export reads a
fixed number of queries whatever the number of rows."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse

from outils.exports import TYPE_CSV, TYPE_XLSX, Feuille, contenu_csv, contenu_xlsx
from outils.formats import de_commune
from patrimoine.models import Bien, Contrat, TransfertBien, TransfertContrat


def entetes_registre(jour: date) -> list[str]:
    return [
        "Membre",
        "Code INSEE",
        "Élément",
        "Désignation",
        "Niveau de service",
        "Sort",
        "Date",
        "Décision",
        "Étude le",
        "Période ou amortissement : du",
        "au",
        "Montant HT (€)",
        "Durée d'amortissement (ans)",
        f"Valeur restante au {jour:%d/%m/%Y} (€)",
        "À la sortie du membre",
    ]


ENTETES_BIENS = [
    "Membre",
    "Code INSEE",
    "Catégorie",
    "Désignation",
    "Référence",
    "Emplacement",
    "Quantité",
    "Niveau de service",
    "Mutualisable",
    "Acquis le",
    "Valeur d'acquisition HT (€)",
    "Inventorié par l'audit remis le",
    "Transféré le",
]
ENTETES_CONTRATS = [
    "Membre",
    "Code INSEE",
    "Fournisseur",
    "Objet",
    "Référence",
    "Début",
    "Fin",
    "Préavis (mois)",
    "Dénoncer avant le",
    "Coût annuel HT (€)",
    "Reconduction",
    "Modalités de reconduction",
    "Niveau de service",
    "Mutualisable",
    "Sort",
    "Date du sort",
]


def _filtre(queryset, chemin: str, commune):
    return queryset.filter(**{chemin: commune}) if commune is not None else queryset


def transferts_biens(commune=None):
    return _filtre(
        TransfertBien.objects.select_related("bien__commune").order_by(
            "bien__commune__nom", "transfere_le", "pk"
        ),
        "bien__commune",
        commune,
    )


def transferts_contrats(commune=None):
    return _filtre(
        TransfertContrat.objects.select_related("contrat__commune").order_by(
            "contrat__commune__nom", "le", "pk"
        ),
        "contrat__commune",
        commune,
    )


def lignes_registre(commune=None, *, jour: date) -> list[list]:
    """A3 — one row per transfer record: assets, then contracts, each by member and date."""
    lignes = []
    for t in transferts_biens(commune):
        b = t.bien
        lignes.append(
            [
                b.commune.nom,
                b.commune.code_insee,
                "bien",
                f"{b.get_categorie_display()} — {b}",
                b.get_niveau_service_display(),
                "transféré à l'EPCI",
                t.transfere_le,
                t.decision,
                t.etude_le,
                t.transfere_le,
                t.fin_amortissement,
                t.valeur,
                t.duree_amortissement_ans,
                t.valeur_restante(jour).montant,
                "restitué au membre",
            ]
        )
    for t in transferts_contrats(commune):
        c = t.contrat
        lignes.append(
            [
                c.commune.nom,
                c.commune.code_insee,
                "contrat",
                str(c),
                c.get_niveau_service_display(),
                t.get_sort_display(),
                t.le,
                t.decision,
                t.etude_le,
                t.periode_debut,
                t.periode_fin,
                t.montant_periode,
                None,
                None,
                t.get_a_la_sortie_display() if t.porte_par_epci else "",
            ]
        )
    return lignes


def lignes_biens(commune=None) -> list[list]:
    biens = _filtre(
        Bien.objects.select_related("commune", "audit", "transfert").order_by(
            "commune__nom", "categorie", "designation", "pk"
        ),
        "commune",
        commune,
    )
    lignes = []
    for b in biens:
        transfert = getattr(b, "transfert", None)
        lignes.append(
            [
                b.commune.nom,
                b.commune.code_insee,
                b.get_categorie_display(),
                b.designation,
                b.reference,
                b.emplacement,
                b.quantite,
                b.get_niveau_service_display(),
                b.mutualisable,
                b.acquis_le,
                b.valeur_acquisition,
                b.audit.livre_le if b.audit_id else None,
                transfert.transfere_le if transfert else None,
            ]
        )
    return lignes


def lignes_contrats(commune=None) -> list[list]:
    contrats = _filtre(
        Contrat.objects.select_related("commune", "transfert").order_by(
            "commune__nom", "fournisseur", "objet", "pk"
        ),
        "commune",
        commune,
    )
    lignes = []
    for c in contrats:
        transfert = getattr(c, "transfert", None)
        lignes.append(
            [
                c.commune.nom,
                c.commune.code_insee,
                c.fournisseur,
                c.objet,
                c.reference,
                c.debut,
                c.fin,
                c.preavis_mois,
                c.denoncer_avant_le,
                c.cout_annuel,
                c.get_reconduction_display(),
                c.reconduction_details,
                c.get_niveau_service_display(),
                c.mutualisable,
                transfert.get_sort_display() if transfert else "non transféré",
                transfert.le if transfert else None,
            ]
        )
    return lignes


def _reponse(contenu: bytes, type_: str, nom: str) -> HttpResponse:
    reponse = HttpResponse(contenu, content_type=type_)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


def reponse_csv(nom: str, *, commune=None, jour: date) -> HttpResponse:
    return _reponse(
        contenu_csv(entetes_registre(jour), lignes_registre(commune, jour=jour)), TYPE_CSV, nom
    )


def reponse_xlsx(nom: str, *, commune=None, jour: date) -> HttpResponse:
    feuilles = [
        Feuille(
            "Registre des transferts", entetes_registre(jour), lignes_registre(commune, jour=jour)
        ),
        Feuille("Inventaire — biens", ENTETES_BIENS, lignes_biens(commune)),
        Feuille("Inventaire — contrats", ENTETES_CONTRATS, lignes_contrats(commune)),
    ]
    titre = (
        f"Registre {de_commune(commune.nom)}"
        if commune is not None
        else "Registre du service commun"
    )
    return _reponse(contenu_xlsx(feuilles, titre=titre), TYPE_XLSX, nom)
