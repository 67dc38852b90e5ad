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
- T6  niveau 1 : demi-journées au-delà de la dotation (3.2.2, 7.1.1) ;
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tarification.calcul.grille import (
    DE_1500_A_3000,
    DE_3000_A_8000,
    MOINS_DE_1500,
    PLUS_DE_8000,
    TRANCHES_ARTICLE_7,
    Grille,
    LigneGrille,
    Service,
    Tranche,
    grille_article_7,
    tranche_de,
    verifier_tranches,
)
from tarification.calcul.nombres import (
    CENT,
    ZERO,
    Euros,
    Fragment,
    Quantite,
    Texte,
    _decimal,
    arrondir,
    au_centime,
)

__all__ = [
    "CENT",
    "DEMI_JOURNEES_PAR_JOUR",
    "DE_1500_A_3000",
    "DE_3000_A_8000",
    "MOINS_DE_1500",
    "PLUS_DE_8000",
    "TRANCHES_ARTICLE_7",
    "ZERO",
    "Anomalie",
    "AuditFacture",
    "Base",
    "Euros",
    "Faits",
    "Fragment",
    "Grille",
    "Ligne",
    "LigneGrille",
    "PopulationRetenue",
    "Quantite",
    "Resultat",
    "Revue",
    "Service",
    "TarifDerogatoire",
    "Texte",
    "Tranche",
    "arrondir",
    "au_centime",
    "calculer_audit",
    "calculer_contribution",
    "deduction_audit_due",
    "fin_fenetre_t5",
    "grille_article_7",
    "tranche_de",
    "verifier_tranches",
]

# T6 — les missions de niveau 1 se comptent en demi-journées ; la dotation est exprimée en jours.
DEMI_JOURNEES_PAR_JOUR = 2

# T5 (décision) — délai entre la livraison du rapport d'audit et la date d'effet du socle complet.
MOIS_FENETRE_T5 = 6


# ---------------------------------------------------------------------------------------------
# Faits (entrées du calcul)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationRetenue:
    valeur: int
    millesime: int
    nature: str = "population municipale"

    def __post_init__(self) -> None:
        if isinstance(self.valeur, bool) or not isinstance(self.valeur, int) or self.valeur < 0:
            raise ValueError(f"Population invalide : {self.valeur!r} (entier positif attendu).")


@dataclass(frozen=True)
class TarifDerogatoire:
    """M6 — remplace tout le montant du barème de son service (parts fixe et variable) ;
    pour le niveau 1, ``jours`` remplace la dotation."""

    montant: Decimal | None = None
    jours: Decimal | None = None
    base_legale: str = ""

    def __post_init__(self) -> None:
        if self.montant is not None:
            montant = _decimal(self.montant, "montant")
            if montant < 0:
                raise ValueError("Un tarif dérogatoire ne peut pas être négatif.")
            object.__setattr__(self, "montant", montant)
        if self.jours is not None:
            jours = _decimal(self.jours, "jours")
            if jours < 0:
                raise ValueError("Une dotation dérogatoire ne peut pas être négative.")
            object.__setattr__(self, "jours", jours)


@dataclass(frozen=True)
class AuditFacture:
    """L'audit tel que facturé, net de toute réduction (T5)."""

    livre_le: date
    montant: Decimal

    def __post_init__(self) -> None:
        montant = _decimal(self.montant, "montant")
        if montant < 0:
            raise ValueError("Le montant facturé d'un audit ne peut pas être négatif.")
        object.__setattr__(self, "montant", montant)


@dataclass(frozen=True)
class Revue:
    """M6 — revue des moyens d'une commune de 8 000 habitants ou moins dotée d'un service
    informatique, préalable à la facturation du socle complet."""

    date: date
    conclusion: str


@dataclass(frozen=True)
class Faits:
    annee: int
    population: PopulationRetenue | None  # None → anomalie bloquante (P1)
    socle_complet: bool = False  # en vigueur au moins un jour de l'année (T8)
    groupement: bool = False  # en vigueur au moins un jour de l'année (T8)
    date_effet_socle: date | None = None  # T5 : la première année du socle est celle de cette date
    audit: AuditFacture | None = None  # audit acheté auparavant (T5)
    demi_journees: int = 0  # demi-journées de niveau 1 consommées l'année N (T6)
    service_informatique: bool = False  # M6
    revue: Revue | None = None  # M6
    derogations: Mapping[Service, TarifDerogatoire] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (
            isinstance(self.demi_journees, bool)
            or not isinstance(self.demi_journees, int)
            or self.demi_journees < 0
        ):
            raise ValueError(f"Nombre de demi-journées invalide : {self.demi_journees!r}.")
        object.__setattr__(
            self, "derogations", {Service(k): v for k, v in dict(self.derogations).items()}
        )


# ---------------------------------------------------------------------------------------------
# Résultat
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """Base de liquidation d'une ligne (B5), en données ; ``textes.texte_base`` l'écrit en
    français (« art. 7.1 — population municipale 2 355 hab. (millésime 2021), tranche « de
    1 500 à moins de 3 000 » : part fixe 2 000,00 € + 1,50 € × 2 355 hab. »)."""

    article: str
    population: int | None
    millesime: int | None
    tranche: str | None
    part_fixe: Decimal | None
    taux: Decimal | None
    quantite: Decimal | None
    detail: Texte = ()
    nature_population: str = "population municipale"
    unite: str = "hab."  # unité de la quantité

    def __post_init__(self) -> None:
        if isinstance(self.detail, str):
            object.__setattr__(self, "detail", (self.detail,) if self.detail else ())
        else:
            object.__setattr__(self, "detail", tuple(self.detail))


@dataclass(frozen=True)
class Ligne:
    code: str
    libelle: str
    base: Base
    montant: Decimal


@dataclass(frozen=True)
class Anomalie:
    code: str
    message: str
    bloquante: bool = True


@dataclass(frozen=True)
class Resultat:
    lignes: tuple[Ligne, ...]
    anomalies: tuple[Anomalie, ...]

    @property
    def bloque(self) -> bool:
        return any(anomalie.bloquante for anomalie in self.anomalies)

    @property
    def total(self) -> Decimal | None:
        # T9 — le total est la somme des lignes (déjà arrondies), sans nouvel arrondi.
        if self.bloque:
            return None
        return sum((ligne.montant for ligne in self.lignes), ZERO)


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


def _anomalie_derogation(service: Service, population: int) -> Anomalie:
    # M6 — au-delà de 8 000 habitants, le barème ne tarife pas ce service.
    manque = (
        "dotation dérogatoire manquante"
        if service is Service.NIVEAU1
        else "tarif dérogatoire manquant"
    )
    return Anomalie(
        "tarif_derogatoire_manquant",
        f"{service.libelle} : {manque} — le barème ne tarife pas ce service au-delà "
        "de 8 000 habitants (M6).",
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
        return _anomalie_derogation(service, p)
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


def _ligne_niveau1(grille: Grille, faits: Faits, anomalies: list[Anomalie]) -> Ligne | None:
    """T6 — demi-journées de niveau 1 au-delà de la dotation annuelle du membre."""
    utilisees = faits.demi_journees
    prix = grille.prix_demi_journee
    if faits.socle_complet:
        population = faits.population
        if population is None:
            return None  # déjà signalé (P1)
        p = population.valeur
        ligne = grille.ligne(Service.NIVEAU1, p)  # P2
        derogation = faits.derogations.get(Service.NIVEAU1)
        if derogation is not None and derogation.jours is not None:
            jours = derogation.jours  # M6 — dotation dérogatoire
            origine = "dotation dérogatoire"
            if derogation.base_legale:
                origine += f" (base légale : {derogation.base_legale})"
        elif ligne.derogation_requise or ligne.jours is None:
            if utilisees > 0:
                anomalies.append(_anomalie_derogation(Service.NIVEAU1, p))
            return None
        else:
            jours = ligne.jours
            origine = "dotation"
        dotation = jours * DEMI_JOURNEES_PAR_JOUR
        au_dela = max(Decimal(0), utilisees - dotation)
        if au_dela == 0:
            return None
        detail: Texte = (
            f"{origine} ",
            Quantite(jours),
            " jours soit ",
            Quantite(dotation),
            " demi-journées, utilisées ",
            Quantite(utilisees),
            ", au-delà ",
            Quantite(au_dela),
            ", à ",
            Euros(prix),
            " la demi-journée",
        )
        base = Base(
            article=ligne.article,
            population=p,
            millesime=population.millesime,
            tranche=ligne.tranche.libelle,
            part_fixe=None,
            taux=prix,
            quantite=au_dela,
            detail=detail,
            nature_population=population.nature,
            unite="demi-journées",
        )
    else:
        # Sans socle complet : pas de dotation, facturé dès la première demi-journée.
        au_dela = Decimal(utilisees)
        if au_dela == 0:
            return None
        detail = (
            "sans socle complet : pas de dotation (art. 4.1) ; utilisées ",
            Quantite(utilisees),
            ", à ",
            Euros(prix),
            " la demi-journée",
        )
        base = Base(
            article="art. 4.1 et 7.1.1",
            population=None,
            millesime=None,
            tranche=None,
            part_fixe=None,
            taux=prix,
            quantite=au_dela,
            detail=detail,
            unite="demi-journées",
        )
    montant = arrondir(au_dela * prix)  # T9 — un seul arrondi
    return Ligne(
        "niveau1_demi_journees", "Niveau 1 — demi-journées au-delà de la dotation", base, montant
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

    niveau1 = _ligne_niveau1(grille, faits, anomalies)  # T6
    if niveau1 is not None:
        lignes.append(niveau1)

    return Resultat(tuple(lignes), tuple(anomalies))
