"""Le barème (article 7) en données : services, tranches de population (P2), lignes et versions
de la grille, et la vérification qu'une grille couvre chaque population sans trou ni
chevauchement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tarification.calcul.nombres import _decimal

# T6 — les missions de niveau 1 se comptent en demi-journées ; dotations et volume en jours.
DEMI_JOURNEES_PAR_JOUR = 2

# ---------------------------------------------------------------------------------------------
# Services et tranches (P2)
# ---------------------------------------------------------------------------------------------


class ModeNiveau1(StrEnum):
    """T6 — comment le niveau 1 est facturé, propriété de la version du barème (avec la
    délibération ou la décision qui l'a fixé)."""

    # Le texte : « volume annuel de 117 jours ouvrés maximum, partagés » ; « au-delà des 117
    # jours » (3.2.2) ; « en dehors d'un volume de 117 jours ouvrés partagés sur l'ensemble des
    # communes membres » (7.1.1). Mode par défaut.
    VOLUME_PARTAGE = "volume_partage"
    # Chaque demi-journée au-delà de la part du membre (l'« exemple de répartition ») est
    # facturée, que le volume commun soit épuisé ou non.
    DOTATION_INDIVIDUELLE = "dotation_individuelle"

    @property
    def libelle(self) -> str:
        return _LIBELLES_MODE[self]


_LIBELLES_MODE = {
    ModeNiveau1.VOLUME_PARTAGE: "volume partagé",
    ModeNiveau1.DOTATION_INDIVIDUELLE: "dotation individuelle",
}

# La référence du mode par défaut : la convention elle-même.
FONDEMENT_VOLUME_PARTAGE = (
    "convention de service commun (version 2, septembre 2022), art. 3.2.2 et 7.1.1"
)


class Service(StrEnum):
    SOCLE_COMPLET = "socle_complet"
    AUDIT = "audit"
    GROUPEMENT = "groupement"
    NIVEAU1 = "niveau1"

    @property
    def libelle(self) -> str:
        return _LIBELLES_SERVICE[self]


_LIBELLES_SERVICE = {
    Service.SOCLE_COMPLET: "Socle complet",
    Service.AUDIT: "Audit",
    Service.GROUPEMENT: "Groupement d'achats",
    Service.NIVEAU1: "Niveau 1",
}


@dataclass(frozen=True)
class Tranche:
    """Tranche de population ; ``None`` = pas de borne de ce côté."""

    libelle: str
    borne_inf: int | None
    inf_incluse: bool
    borne_sup: int | None
    sup_incluse: bool

    def contient(self, population: int) -> bool:
        # P2 — le test exactement tel que les tableaux l'écrivent.
        if self.borne_inf is not None:
            if population < self.borne_inf:
                return False
            if population == self.borne_inf and not self.inf_incluse:
                return False
        if self.borne_sup is not None:
            if population > self.borne_sup:
                return False
            if population == self.borne_sup and not self.sup_incluse:
                return False
        return True

    def intervalle(self) -> tuple[int, int | None]:
        """Populations entières couvertes, ``(min, max)`` inclus ; ``max=None`` = sans limite."""
        if self.borne_inf is None:
            bas = 0
        else:
            bas = max(0, self.borne_inf if self.inf_incluse else self.borne_inf + 1)
        if self.borne_sup is None:
            haut = None
        else:
            haut = self.borne_sup if self.sup_incluse else self.borne_sup - 1
        return bas, haut


# P2 — les quatre tranches de l'article 7.
MOINS_DE_1500 = Tranche("moins de 1 500", None, False, 1500, False)  # p < 1500
DE_1500_A_3000 = Tranche("de 1 500 à moins de 3 000", 1500, True, 3000, False)  # 1500 ≤ p < 3000
DE_3000_A_8000 = Tranche("de 3 000 à 8 000", 3000, True, 8000, True)  # 3000 ≤ p ≤ 8000
PLUS_DE_8000 = Tranche("plus de 8 000", 8000, False, None, False)  # p > 8000
TRANCHES_ARTICLE_7 = (MOINS_DE_1500, DE_1500_A_3000, DE_3000_A_8000, PLUS_DE_8000)


# ---------------------------------------------------------------------------------------------
# Barème (grille)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneGrille:
    service: Service
    tranche: Tranche
    part_fixe: Decimal = Decimal("0")  # €
    taux: Decimal = Decimal("0")  # € par habitant
    jours: Decimal | None = None  # dotation niveau 1 en jours (service NIVEAU1 seulement)
    derogation_requise: bool = False  # M6 : tranche non tarifée, tarif dérogatoire nécessaire
    article: str = ""  # ex. « art. 7.1 »

    def __post_init__(self) -> None:
        object.__setattr__(self, "service", Service(self.service))
        object.__setattr__(self, "part_fixe", _decimal(self.part_fixe, "part_fixe"))
        object.__setattr__(self, "taux", _decimal(self.taux, "taux"))
        if self.jours is not None:
            object.__setattr__(self, "jours", _decimal(self.jours, "jours"))


@dataclass(frozen=True)
class Grille:
    libelle: str
    debut: date
    fin: date | None
    pool_jours: Decimal  # T6 : 117 jours ouvrés partagés
    prix_demi_journee: Decimal  # T6 : 200 € la demi-journée
    lignes: tuple[LigneGrille, ...]
    mode_niveau1: ModeNiveau1 = ModeNiveau1.VOLUME_PARTAGE  # T6
    fondement_mode: str = FONDEMENT_VOLUME_PARTAGE  # la délibération ou la décision du mode

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode_niveau1", ModeNiveau1(self.mode_niveau1))
        object.__setattr__(self, "pool_jours", _decimal(self.pool_jours, "pool_jours"))
        object.__setattr__(
            self, "prix_demi_journee", _decimal(self.prix_demi_journee, "prix_demi_journee")
        )
        object.__setattr__(self, "lignes", tuple(self.lignes))

    def ligne(self, service: Service, population: int) -> LigneGrille:
        """La ligne du barème de ce service dont la tranche contient la population (P2)."""
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise ValueError(f"Population invalide : {population!r} (entier positif attendu).")
        service = Service(service)
        trouvees = [
            ligne
            for ligne in self.lignes
            if ligne.service == service and ligne.tranche.contient(population)
        ]
        if not trouvees:
            raise ValueError(
                f"Barème « {self.libelle} » : aucune tranche du service {service.libelle} "
                f"pour une population de {population} habitants."
            )
        if len(trouvees) > 1:
            libelles = ", ".join(f"« {ligne.tranche.libelle} »" for ligne in trouvees)
            raise ValueError(
                f"Barème « {self.libelle} » : plusieurs tranches du service {service.libelle} "
                f"pour une population de {population} habitants ({libelles})."
            )
        return trouvees[0]

    @property
    def volume_demi_journees(self) -> Decimal:
        """T6 — le volume partagé de l'année, en demi-journées (117 jours → 234)."""
        return self.pool_jours * DEMI_JOURNEES_PAR_JOUR


def tranche_de(grille: Grille, service: Service, population: int) -> Tranche:
    return grille.ligne(service, population).tranche


def verifier_tranches(lignes: Iterable[LigneGrille]) -> list[str]:
    """P2 — pour chaque service, les tranches couvrent chaque population entière ≥ 0, sans
    trou ni chevauchement. Renvoie les erreurs en français ; liste vide = barème correct."""
    par_service: dict[Service, list[LigneGrille]] = {}
    for ligne in lignes:
        par_service.setdefault(Service(ligne.service), []).append(ligne)

    erreurs: list[str] = []
    for service in Service:
        if service not in par_service:
            continue
        nom = service.libelle
        intervalles = []
        for ligne in par_service[service]:
            bas, haut = ligne.tranche.intervalle()
            if haut is not None and haut < bas:
                erreurs.append(f"{nom} : la tranche « {ligne.tranche.libelle} » est vide.")
                continue
            intervalles.append((bas, haut, ligne.tranche.libelle))
        intervalles.sort(key=lambda i: (i[0], -1 if i[1] is None else i[1]))

        attendu: int | None = 0  # première population pas encore couverte ; None = tout couvert
        precedente = ""
        for bas, haut, libelle in intervalles:
            if attendu is not None and bas > attendu:
                if attendu == 0:
                    erreurs.append(f"{nom} : aucune tranche de 0 à {bas - 1} habitants.")
                else:
                    manquantes = f"{attendu}" if attendu == bas - 1 else f"de {attendu} à {bas - 1}"
                    erreurs.append(
                        f"{nom} : trou entre {attendu - 1} et {bas} habitants "
                        f"(aucune tranche pour {manquantes} habitants)."
                    )
            elif attendu is None or bas < attendu:
                # Populations couvertes deux fois : de ``bas`` à la fin de la partie commune.
                fins = [
                    f for f in (haut, None if attendu is None else attendu - 1) if f is not None
                ]
                etendue = f"de {bas} à {min(fins)}" if fins else f"à partir de {bas}"
                erreurs.append(
                    f"{nom} : chevauchement entre « {precedente} » et « {libelle} » "
                    f"({etendue} habitants)."
                )
            if haut is None:
                attendu = None
            elif attendu is not None:
                attendu = max(attendu, haut + 1)
            precedente = libelle
        if attendu == 0:
            erreurs.append(f"{nom} : aucune tranche ne couvre la moindre population.")
        elif attendu is not None:
            erreurs.append(f"{nom} : aucune tranche au-delà de {attendu - 1} habitants.")
    return erreurs


def grille_article_7(debut: date = date(2022, 1, 1)) -> Grille:
    """Le barème de l'article 7 de la convention (version 2, septembre 2022), en données."""
    d = Decimal
    lignes = (
        # T1 — socle complet, annuel (art. 7.1) ; au-delà de 8 000 : tarif dérogatoire (M6).
        LigneGrille(Service.SOCLE_COMPLET, MOINS_DE_1500, d("1500"), d("1.50"), article="art. 7.1"),
        LigneGrille(
            Service.SOCLE_COMPLET, DE_1500_A_3000, d("2000"), d("1.50"), article="art. 7.1"
        ),
        LigneGrille(
            Service.SOCLE_COMPLET, DE_3000_A_8000, d("2500"), d("1.50"), article="art. 7.1"
        ),
        LigneGrille(
            Service.SOCLE_COMPLET, PLUS_DE_8000, derogation_requise=True, article="art. 7.1"
        ),
        # T2 — audit, une fois (art. 7.2.1) ; au-delà de 8 000 : tarif dérogatoire (M6).
        LigneGrille(Service.AUDIT, MOINS_DE_1500, d("990"), article="art. 7.2.1"),
        LigneGrille(Service.AUDIT, DE_1500_A_3000, d("3500"), article="art. 7.2.1"),
        LigneGrille(Service.AUDIT, DE_3000_A_8000, d("7000"), article="art. 7.2.1"),
        LigneGrille(Service.AUDIT, PLUS_DE_8000, derogation_requise=True, article="art. 7.2.1"),
        # T3 — groupement d'achats, annuel (art. 7.2.2) ; décision : 0,25 €/hab. partout.
        LigneGrille(Service.GROUPEMENT, MOINS_DE_1500, d("750"), d("0.25"), article="art. 7.2.2"),
        LigneGrille(Service.GROUPEMENT, DE_1500_A_3000, d("1250"), d("0.25"), article="art. 7.2.2"),
        LigneGrille(Service.GROUPEMENT, DE_3000_A_8000, d("2000"), d("0.25"), article="art. 7.2.2"),
        LigneGrille(Service.GROUPEMENT, PLUS_DE_8000, d("3500"), d("0.25"), article="art. 7.2.2"),
        # T6 — dotation niveau 1 (décision : l'exemple de répartition de l'art. 3.2.2).
        LigneGrille(Service.NIVEAU1, MOINS_DE_1500, jours=d("2.5"), article="art. 3.2.2 et 7.1.1"),
        LigneGrille(Service.NIVEAU1, DE_1500_A_3000, jours=d("4.5"), article="art. 3.2.2 et 7.1.1"),
        LigneGrille(Service.NIVEAU1, DE_3000_A_8000, jours=d("6.5"), article="art. 3.2.2 et 7.1.1"),
        LigneGrille(
            Service.NIVEAU1, PLUS_DE_8000, derogation_requise=True, article="art. 3.2.2 et 7.1.1"
        ),
    )
    return Grille(
        libelle="Article 7 de la convention (version 2, septembre 2022)",
        debut=debut,
        fin=None,
        pool_jours=d("117"),
        prix_demi_journee=d("200"),
        lignes=lignes,
    )
