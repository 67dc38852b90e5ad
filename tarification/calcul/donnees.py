"""Les données du calcul : les faits qu'il reçoit (``Faits`` et ce qui les compose) et ce qu'il
rend (lignes avec leur base de liquidation, anomalies). Bibliothèque standard seulement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tarification.calcul.grille import Service
from tarification.calcul.nombres import ZERO, Texte, _decimal

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


def _demi_journees(valeur: object) -> int:
    if isinstance(valeur, bool) or not isinstance(valeur, int) or valeur < 0:
        raise ValueError(f"Nombre de demi-journées invalide : {valeur!r}.")
    return valeur


@dataclass(frozen=True)
class SaisieVolume:
    """T6, volume partagé — une saisie de temps d'un membre du socle complet à sa place dans le
    volume de l'année : ``avant`` demi-journées des membres du socle complet la précèdent
    (par date d'intervention, puis par ordre de saisie). L'ordre est établi par l'appelant
    (la base de données) ; le calcul n'en lit que ces nombres."""

    demi_journees: int
    avant: int
    le: date | None = None  # date de l'intervention (None : une simulation)

    def __post_init__(self) -> None:
        _demi_journees(self.demi_journees)
        _demi_journees(self.avant)


@dataclass(frozen=True)
class Faits:
    annee: int
    population: PopulationRetenue | None  # None → anomalie bloquante (P1)
    socle_complet: bool = False  # en vigueur au moins un jour de l'année (T8)
    groupement: bool = False  # en vigueur au moins un jour de l'année (T8)
    date_effet_socle: date | None = None  # T5 : la première année du socle est celle de cette date
    audit: AuditFacture | None = None  # audit acheté auparavant (T5)
    # T6 — demi-journées de niveau 1 de l'année N, hors complément de diagnostic ci-dessous.
    demi_journees: int = 0
    # T6, art. 4.1 (*) — demi-journées des missions « diagnostic » réalisées quand le membre
    # n'avait pas le socle complet : facturées dès la première, quelle que soit la formule qui
    # débute ensuite dans l'année (jamais absorbées par une part du volume).
    demi_journees_diagnostic: int = 0
    # T6, volume partagé — les saisies du membre (socle complet) dans le volume de l'année ;
    # leur somme est ``demi_journees``. ``None`` : non fournies (mode dotation individuelle).
    saisies_volume: tuple[SaisieVolume, ...] | None = None
    service_informatique: bool = False  # M6
    revue: Revue | None = None  # M6
    derogations: Mapping[Service, TarifDerogatoire] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _demi_journees(self.demi_journees)
        _demi_journees(self.demi_journees_diagnostic)
        if self.saisies_volume is not None:
            saisies = tuple(self.saisies_volume)
            if sum(s.demi_journees for s in saisies) != self.demi_journees:
                raise ValueError(
                    "Les saisies du volume partagé ne font pas le nombre de demi-journées "
                    f"({sum(s.demi_journees for s in saisies)} pour {self.demi_journees})."
                )
            object.__setattr__(self, "saisies_volume", saisies)
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


def anomalie_derogation(service: Service, population: int) -> Anomalie:
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
