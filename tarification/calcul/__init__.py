"""Calcul des contributions du service commun — barème de l'article 7 de la convention.

Source : convention de service commun REDON Agglomération (version 2, septembre 2022),
article 7 « Modalités financières » (7.1, 7.1.1, 7.2.1, 7.2.2, 7.2.3), avec les articles
3.2.2 et 4.1 qu'il cite ; règles de ``docs/domain.md`` :

- P1  population municipale en vigueur ; une population manquante bloque la facturation ;
- P2  tranches de population, bornes exactement comme les tableaux les écrivent ;
- M6  au-delà de 8 000 habitants : tarif dérogatoire par service ; commune de 8 000 habitants
      ou moins dotée d'un service informatique : revue préalable du socle complet ;
- T1  socle complet, annuel (7.1) ;
- T2  audit, une fois, à la livraison du rapport (7.2.1) ;
- T3  groupement d'achats, annuel (7.2.2) ; T4 exonération si socle complet la même année ;
- T5  déduction du prix de l'audit la première année du socle complet (4.1, 7.2.1) ;
- T6  niveau 1 : demi-journées au-delà du volume partagé ou de la dotation, selon le mode de la
      version du barème, et complément de diagnostic (3.2.2, 4.1 (*), 7.1.1 ; ``niveau1.py``) ;
- T7  socle annexe complet = audit (``calculer_audit``) + groupement annuel ;
- T8  pas de prorata ; T9 argent en ``Decimal``, arrondi une fois par ligne ;
- T10 montants hors taxe (la mention de TVA est affaire de présentation, pas de calcul).

Le module est pur : bibliothèque standard seulement, ni Django, ni base de données, ni
``float``, ni mise en forme (les textes sont des fragments que ``tarification/textes.py`` écrit
à la française). Le barème est une donnée (``Grille``) ; ``grille_article_7`` en donne la version
de l'article 7, qui sert de référence aux tests et au chargement initial.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from tarification.calcul.donnees import (
    Anomalie,
    AuditFacture,
    Base,
    Faits,
    Ligne,
    PopulationRetenue,
    Resultat,
    Revue,
    SaisieVolume,
    TarifDerogatoire,
    anomalie_derogation,
)
from tarification.calcul.grille import (
    DE_1500_A_3000,
    DE_3000_A_8000,
    DEMI_JOURNEES_PAR_JOUR,
    FONDEMENT_VOLUME_PARTAGE,
    MOINS_DE_1500,
    PLUS_DE_8000,
    TRANCHES_ARTICLE_7,
    Grille,
    LigneGrille,
    ModeNiveau1,
    Service,
    Tranche,
    grille_article_7,
    tranche_de,
    verifier_tranches,
)
from tarification.calcul.niveau1 import (
    CODE_DIAGNOSTIC,
    CODE_NIVEAU1,
    EtatVolume,
    etat_volume,
    hors_volume,
    lignes_niveau1,
)
from tarification.calcul.nombres import (
    CENT,
    ZERO,
    Euros,
    Fragment,
    Quantite,
    Texte,
    arrondir,
    au_centime,
)

__all__ = [
    "CENT",
    "CODES_ANNUELS",
    "CODE_DIAGNOSTIC",
    "CODE_NIVEAU1",
    "DEMI_JOURNEES_PAR_JOUR",
    "FONDEMENT_VOLUME_PARTAGE",
    "DE_1500_A_3000",
    "DE_3000_A_8000",
    "MOINS_DE_1500",
    "PLUS_DE_8000",
    "TRANCHES_ARTICLE_7",
    "ZERO",
    "Anomalie",
    "AuditFacture",
    "Base",
    "EtatVolume",
    "Euros",
    "Faits",
    "Fragment",
    "Grille",
    "Ligne",
    "LigneGrille",
    "ModeNiveau1",
    "PopulationRetenue",
    "Quantite",
    "Resultat",
    "Revue",
    "SaisieVolume",
    "Service",
    "TarifDerogatoire",
    "Texte",
    "Tranche",
    "arrondir",
    "au_centime",
    "calculer_audit",
    "calculer_contribution",
    "deduction_audit_due",
    "etat_volume",
    "fin_fenetre_t5",
    "grille_article_7",
    "hors_volume",
    "tranche_de",
    "verifier_tranches",
]

# B4 — les éléments annuels (membre, année, service) que la campagne facture : les codes des
# lignes de ``calculer_contribution``. Un élément facturé puis devenu nul est réduit.
CODES_ANNUELS = (
    "socle_complet",
    "deduction_audit",
    "groupement",
    CODE_NIVEAU1,
    CODE_DIAGNOSTIC,
)

# T5 (décision) — délai entre la livraison du rapport d'audit et la date d'effet du socle complet.
MOIS_FENETRE_T5 = 6


# ---------------------------------------------------------------------------------------------
# Calcul
# ---------------------------------------------------------------------------------------------


def fin_fenetre_t5(livre_le: date) -> date:
    """T5 — dernier jour (inclus) où la date d'effet du socle complet ouvre droit à la
    déduction : livraison + 6 mois calendaires, jour ramené à la fin du mois si besoin."""
    mois = livre_le.month - 1 + MOIS_FENETRE_T5
    annee, mois = livre_le.year + mois // 12, mois % 12 + 1
    jour = min(livre_le.day, calendar.monthrange(annee, mois)[1])
    return date(annee, mois, jour)


def deduction_audit_due(annee: int, date_effet: date, livre_le: date) -> bool:
    """T5 — LA décision : l'audit livré le ``livre_le`` se déduit du socle complet de l'année
    ``annee`` si c'est la première année du socle (celle de sa date d'effet) et que la date
    d'effet tombe au plus tard 6 mois après la livraison (une date antérieure convient)."""
    return annee == date_effet.year and date_effet <= fin_fenetre_t5(livre_le)


def _anomalie_population(objet: str) -> Anomalie:
    # P1 — jamais remplacée par la population d'une autre année.
    return Anomalie(
        "population_manquante",
        f"Population manquante : aucune population municipale en vigueur pour {objet} (P1) ; "
        "la facturation de ce membre est bloquée.",
    )


def _tarifer(
    grille: Grille,
    service: Service,
    population: PopulationRetenue,
    derogation: TarifDerogatoire | None,
    complement: Texte = (),
) -> tuple[Decimal, Base] | Anomalie:
    """Montant d'un service tarifé par population (T1, T2, T3), ou l'anomalie M6."""
    p = population.valeur
    ligne = grille.ligne(service, p)  # P2
    commun = {
        "article": ligne.article,
        "population": p,
        "millesime": population.millesime,
        "tranche": ligne.tranche.libelle,
        "nature_population": population.nature,
    }
    if derogation is not None and derogation.montant is not None:
        # M6 — le tarif dérogatoire remplace tout le montant du barème (fixe et variable).
        montant = arrondir(derogation.montant)
        detail: Texte = ("tarif dérogatoire ", Euros(montant))
        if derogation.base_legale:
            detail += (f" (base légale : {derogation.base_legale})",)
        if complement:
            detail += (" ; ", *complement)
        base = Base(part_fixe=None, taux=None, quantite=None, detail=detail, **commun)
        return montant, base
    if ligne.derogation_requise:
        # M6 — tranche non tarifée par le barème (plus de 8 000 habitants).
        return anomalie_derogation(service, p)
    # T1 / T2 / T3 — part fixe + taux × population, arrondi une seule fois (T9).
    montant = arrondir(ligne.part_fixe + ligne.taux * p)
    base = Base(
        part_fixe=ligne.part_fixe,
        taux=ligne.taux,
        quantite=Decimal(p),
        detail=complement,
        **commun,
    )
    return montant, base


def calculer_audit(
    grille: Grille,
    population: PopulationRetenue | None,
    derogation: TarifDerogatoire | None = None,
) -> Resultat:
    """T2 — l'audit, facturé une fois à la livraison du rapport (avec la population et le
    barème en vigueur à cette date, choisis par l'appelant)."""
    if population is None:
        return Resultat((), (_anomalie_population("la tarification de l'audit"),))
    tarif = _tarifer(grille, Service.AUDIT, population, derogation)
    if isinstance(tarif, Anomalie):
        return Resultat((), (tarif,))
    montant, base = tarif
    return Resultat((Ligne("audit", "Audit (niveau 1 du socle annexe)", base, montant),), ())


def _ligne_socle(grille: Grille, faits: Faits, anomalies: list[Anomalie]) -> Ligne | None:
    """T1 + M6 — contribution annuelle au socle complet."""
    population = faits.population
    assert population is not None
    p = population.valeur
    derogation = faits.derogations.get(Service.SOCLE_COMPLET)
    complement: Texte = ()
    if p <= 8000 and faits.service_informatique:
        # M6 — commune dotée d'un service informatique : revue préalable obligatoire.
        if faits.revue is None:
            anomalies.append(
                Anomalie(
                    "revue_manquante",
                    "Socle complet : revue des moyens manquante (commune dotée d'un service "
                    "informatique, art. 7.1 (*), M6) ; le socle complet ne peut être facturé.",
                )
            )
            return None
        complement = ("revue du ", faits.revue.date, f" : {faits.revue.conclusion}")
    tarif = _tarifer(grille, Service.SOCLE_COMPLET, population, derogation, complement)
    if isinstance(tarif, Anomalie):
        anomalies.append(tarif)
        return None
    montant, base = tarif
    return Ligne(
        "socle_complet", f"Socle complet — contribution annuelle {faits.annee}", base, montant
    )


def _ligne_deduction(faits: Faits, socle: Ligne) -> Ligne | None:
    """T5 — déduction du prix de l'audit la première année du socle complet."""
    audit, effet = faits.audit, faits.date_effet_socle
    if (
        audit is None
        or effet is None
        or not deduction_audit_due(faits.annee, effet, audit.livre_le)
    ):
        return None
    limite = fin_fenetre_t5(audit.livre_le)
    prix_audit = arrondir(audit.montant)
    # Plancher : socle + déduction jamais sous 0, ni remboursement ni report de l'excédent.
    deduit = min(prix_audit, socle.montant)
    detail: Texte = (
        "audit livré le ",
        audit.livre_le,
        ", facturé ",
        Euros(prix_audit),
        " ; date d'effet du socle complet ",
        effet,
        ", dans les 6 mois (jusqu'au ",
        limite,
        ")",
    )
    if deduit < prix_audit:
        detail += (
            " ; déduction limitée au montant du socle complet (",
            Euros(socle.montant),
            "), sans remboursement ni report de l'excédent",
        )
    base = Base(
        article="art. 4.1 et 7.2.1",
        population=None,
        millesime=None,
        tranche=None,
        part_fixe=None,
        taux=None,
        quantite=None,
        detail=detail,
    )
    return Ligne("deduction_audit", "Déduction du prix de l'audit (art. 7.2.1)", base, -deduit)


def _ligne_groupement(grille: Grille, faits: Faits, anomalies: list[Anomalie]) -> Ligne | None:
    """T3 — contribution annuelle au groupement d'achats."""
    population = faits.population
    assert population is not None
    derogation = faits.derogations.get(Service.GROUPEMENT)
    tarif = _tarifer(grille, Service.GROUPEMENT, population, derogation)
    if isinstance(tarif, Anomalie):
        anomalies.append(tarif)
        return None
    montant, base = tarif
    return Ligne(
        "groupement", f"Groupement d'achats — contribution annuelle {faits.annee}", base, montant
    )


def calculer_contribution(grille: Grille, faits: Faits) -> Resultat:
    """Contribution ANNUELLE de l'année ``faits.annee`` (facturée par la campagne de N+1) :
    socle complet (T1), groupement (T3 sauf T4), déduction de l'audit (T5), demi-journées
    de niveau 1 (T6). L'audit lui-même (T2) est facturé à la livraison : ``calculer_audit``.

    T8 — pas de prorata : une formule en vigueur un jour de l'année est due pour l'année.
    """
    lignes: list[Ligne] = []
    anomalies: list[Anomalie] = []

    # T4 — le socle complet exonère de la contribution au groupement la même année.
    doit_groupement = faits.groupement and not faits.socle_complet
    besoin_population = faits.socle_complet or doit_groupement

    # P1 — population manquante : anomalie bloquante, aucune ligne tarifée par la population.
    population_ok = faits.population is not None
    if besoin_population and not population_ok:
        anomalies.append(_anomalie_population(f"l'année {faits.annee}"))

    if faits.socle_complet and population_ok:
        socle = _ligne_socle(grille, faits, anomalies)  # T1, M6
        if socle is not None:
            lignes.append(socle)
            deduction = _ligne_deduction(faits, socle)  # T5
            if deduction is not None:
                lignes.append(deduction)

    if doit_groupement and population_ok:
        groupement = _ligne_groupement(grille, faits, anomalies)  # T3
        if groupement is not None:
            lignes.append(groupement)

    lignes += lignes_niveau1(grille, faits, anomalies)  # T6, art. 4.1 (*)

    return Resultat(tuple(lignes), tuple(anomalies))
