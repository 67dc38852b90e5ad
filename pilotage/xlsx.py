"""The bilan annuel as an XLSX workbook (R1, R2): one sheet per topic.

Amounts are numbers (``Decimal`` written as is, shown with two decimals and « € »), counts
are integers, dates are dates; text cells are protected against formula injection like the
bordereau's (``outils/exports.py``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from openpyxl import Workbook

from outils.exports import GRAS, Quantite, ajouter_lignes, largeurs
from pilotage.bilan import BilanAnnuel
from pilotage.cible import PALIERS_ETP


def _q(valeur) -> Quantite | None:
    return None if valeur is None else Quantite(valeur)


def _oui_non(valeur: bool) -> str:
    return "oui" if valeur else "non"


def _ecrire(feuille, lignes: Sequence[Sequence], *, entete: bool = True) -> None:
    """Append rows (the first one bold when ``entete``), numbers and dates formatted."""
    if entete and lignes:
        ajouter_lignes(feuille, lignes[:1], gras=True)
        lignes = lignes[1:]
    ajouter_lignes(feuille, lignes)


def _synthese(feuille, bilan: BilanAnnuel) -> None:
    cible = bilan.cible
    estime = bilan.couvertures[0]
    lignes = [
        ["Bilan annuel du service commun des systèmes d'information", bilan.annee],
        ["Édité le", timezone.localdate()],
        ["Montants", bilan.source_montants],
        ["Membres (adhésion en vigueur au moins un jour de l'année)", bilan.nb_membres],
        ["Communes au socle complet", bilan.nb_socle_complet],
        ["Contributions estimées (calculateur)", bilan.total_estime],
        ["Membres sans montant estimé (anomalie bloquante)", len(bilan.bloques)],
        ["Contributions émises (titres nets des réductions et annulations)", bilan.total_emis],
        [
            "Autres titres émis (refacturations, appels de fonds, frais de sortie)",
            bilan.total_autres_emis,
        ],
        ["Encaissé par le comptable public (titres de l'année)", _recouvrement(bilan, "paye")],
        ["Restant à recouvrer (titres de l'année)", _recouvrement(bilan, "reste")],
        ["Cible de personnel (ETP)", cible.etp],
        ["Cible de personnel (€)", cible.montant],
        ["Écart des contributions estimées à la cible", estime.ecart],
        ["Couverture de la cible par les contributions estimées (%)", estime.pourcentage],
    ]
    if bilan.total_emis is not None:
        emis = bilan.couvertures[1]
        lignes += [
            ["Écart des contributions émises à la cible", emis.ecart],
            ["Couverture de la cible par les contributions émises (%)", emis.pourcentage],
        ]
    lignes += [
        [
            "Niveau 1 : demi-journées utilisées",
            _q(bilan.niveau1.pool.total_utilisees) if bilan.niveau1.pool else None,
        ],
        ["Groupements de commandes de l'année", len(bilan.groupements)],
        ["Montant estimé des besoins des groupements", bilan.montant_besoins_groupements],
    ]
    _ecrire(feuille, lignes, entete=False)
    for ligne in feuille.iter_rows(min_col=1, max_col=1):
        ligne[0].font = GRAS
    largeurs(feuille, [70, 60])


def _cible(feuille, bilan: BilanAnnuel) -> None:
    lignes = [["ETP", "Condition (art. 7)", "Montant annuel"]]
    lignes += [[p.etp, p.libelle, p.montant] for p in sorted(PALIERS_ETP, key=lambda p: p.etp)]
    lignes += [[], ["Contributions", "Montant", "Cible", "Écart", "Couverture (%)"]]
    rang_entete = len(lignes)
    lignes += [
        [c.libelle, c.montant, c.cible.montant, c.ecart, c.pourcentage] for c in bilan.couvertures
    ]
    _ecrire(feuille, lignes)
    for cellule in feuille[rang_entete]:
        cellule.font = GRAS
    largeurs(feuille, [32, 40, 18, 18, 16])


def _formules(feuille, bilan: BilanAnnuel) -> None:
    lignes = [["Formule", "Membres"]]
    lignes += [[ligne.libelle, ligne.nb_membres] for ligne in bilan.membres_par_formule]
    lignes += [[], ["Formules de l'année", "Membres", "Estimé", "Membres bloqués", "Émis (net)"]]
    rang_entete = len(lignes)
    lignes += [
        [m.libelle, m.nb_membres, m.estime, m.nb_bloques, m.emis]
        for m in bilan.montants_par_formules
    ]
    lignes.append(
        ["Total", len(bilan.membres), bilan.total_estime, len(bilan.bloques), bilan.total_emis]
    )
    _ecrire(feuille, lignes)
    for cellule in feuille[rang_entete]:
        cellule.font = GRAS
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    largeurs(feuille, [60, 12, 18, 18, 18])


def _prestations(feuille, bilan: BilanAnnuel) -> None:
    lignes = [["Prestation", "Article", "Estimé", "Émis (net)"]]
    lignes += [
        [p.prestation.libelle, p.prestation.article, p.estime, p.emis] for p in bilan.prestations
    ]
    lignes.append(["Total", "", bilan.total_estime, bilan.total_emis])
    _ecrire(feuille, lignes)
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    largeurs(feuille, [44, 12, 18, 18])


def _membres(feuille, bilan: BilanAnnuel) -> None:
    lignes = [
        [
            "Membre",
            "Code INSEE",
            "Formules de l'année",
            "Population",
            "Socle complet",
            "Estimé",
            "Émis (net)",
            "Exercices",
            "Titres",
            "Autres titres (net)",
            "Niveau 1 : demi-journées utilisées",
            "Niveau 1 : dotation (demi-journées)",
            "Groupements",
            "Anomalies",
        ]
    ]
    for m in bilan.membres:
        lignes.append(
            [
                m.commune.nom,
                m.commune.code_insee,
                m.formules,
                m.population,
                _oui_non(m.socle_complet),
                m.estime,
                m.emis,
                ", ".join(str(e) for e in m.exercices),
                m.references_titres,
                m.autres_emis,
                m.demi_journees,
                _q(m.dotation),
                " ; ".join(m.groupements),
                " ; ".join(m.anomalies),
            ]
        )
    lignes.append(
        [
            "Total",
            "",
            "",
            None,
            "",
            bilan.total_estime,
            bilan.total_emis,
            "",
            "",
            bilan.total_autres_emis,
        ]
    )
    _ecrire(feuille, lignes)
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    largeurs(feuille, [28, 11, 40, 11, 9, 15, 15, 11, 26, 15, 14, 14, 50, 60])
    feuille.freeze_panes = "B2"


def _niveau1(feuille, bilan: BilanAnnuel) -> None:
    niveau1 = bilan.niveau1
    pool = niveau1.pool
    lignes = []
    if pool is not None:
        lignes += [
            ["Volume partagé (jours)", _q(pool.jours)],
            ["Volume partagé (demi-journées)", _q(pool.demi_journees)],
            ["Mode de facturation du niveau 1", pool.mode_libelle],
            ["Demi-journées prises dans le volume, non facturées", _q(pool.consommees)],
            ["Demi-journées des membres du socle complet facturées", _q(pool.au_dela)],
            [
                "Demi-journées hors volume : sans socle complet ou diagnostic (facturées)",
                pool.hors_socle,
            ],
            ["Part du volume utilisée (%)", pool.pourcentage],
            ["Montant des demi-journées facturées", niveau1.montant_total],
            [],
        ]
    else:
        lignes += [
            ["Aucune version du barème en vigueur au 1er janvier : dotations inconnues."],
            [],
        ]
    entete = len(lignes) + 1
    lignes.append(
        [
            "Membre",
            "Formules",
            "Dotation (demi-journées)",
            "Utilisées",
            "Au-delà",
            "Montant",
            "État",
        ]
    )
    for solde in niveau1.soldes:
        lignes.append(
            [
                solde.commune.nom,
                solde.formules,
                _q(solde.dotation),
                solde.utilisees,
                _q(solde.au_dela),
                solde.montant,
                solde.etat_libelle,
            ]
        )
    _ecrire(feuille, lignes, entete=False)
    for cellule in feuille[entete]:
        cellule.font = GRAS
    largeurs(feuille, [55, 40, 14, 12, 12, 15, 26])


def _groupements(feuille, bilan: BilanAnnuel) -> None:
    lignes = [["Groupement", "Étape", "Membre", "Montant estimé des besoins", "Retrait notifié le"]]
    for g in bilan.groupements:
        for m in g.membres:
            lignes.append([g.groupement.objet, g.etape, m.nom, m.montant_besoins, m.retire_le])
        if not g.membres:
            lignes.append([g.groupement.objet, g.etape, "aucun membre", None, None])
    lignes.append(["Total (membres sans retrait)", "", "", bilan.montant_besoins_groupements, None])
    _ecrire(feuille, lignes)
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    largeurs(feuille, [60, 22, 40, 18, 16])


def _titres(feuille, bilan: BilanAnnuel) -> None:
    lignes = [
        [
            "N° de titre",
            "Exercice",
            "Budget",
            "Date d'émission",
            "Nature",
            "Nature du titre d'origine",
            "Débiteur",
            "Année facturée",
            "Objet",
            "Montant",
            "Titre corrigé",
        ]
    ]
    for t in bilan.titres:
        titre = t.titre
        corrige = titre.corrige
        lignes.append(
            [
                titre.numero,
                titre.exercice,
                titre.budget,
                titre.date_emission,
                titre.get_nature_display(),
                type(titre).Nature(t.nature_origine).label,
                titre.debiteur_nom,
                titre.annee,
                titre.objet,
                titre.total,
                f"{corrige.numero}/{corrige.exercice}" if corrige else "",
            ]
        )
    total = bilan.total_titres
    lignes.append(["Total net", "", "", None, "", "", "", None, "", total.net, ""])
    _ecrire(feuille, lignes)
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    largeurs(feuille, [10, 9, 18, 13, 22, 22, 34, 10, 60, 15, 12])
    feuille.freeze_panes = "A2"


FEUILLES = [
    ("Synthèse", _synthese),
    ("Cible ETP", _cible),
    ("Formules", _formules),
    ("Prestations", _prestations),
    ("Membres", _membres),
    ("Niveau 1", _niveau1),
    ("Groupements", _groupements),
    ("Titres", _titres),
]


def classeur_bilan(bilan: BilanAnnuel) -> bytes:
    classeur = Workbook()
    classeur.remove(classeur.active)
    for nom, ecrire in FEUILLES:
        ecrire(classeur.create_sheet(nom), bilan)
    classeur.properties.title = f"Bilan annuel {bilan.annee} du service commun"
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def _recouvrement(bilan, champ):
    return getattr(bilan.recouvrement, champ) if bilan.recouvrement else None
