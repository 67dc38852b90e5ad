"""T6 — le niveau 1 : demi-journées facturées au-delà du volume partagé ou de la dotation du
membre, selon le mode de la version du barème, et le complément de diagnostic (art. 3.2.2,
4.1 (*), 7.1.1). Pur : bibliothèque standard seulement ; l'ordre des saisies dans le volume
partagé est établi par l'appelant et reçu en nombres (``SaisieVolume``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tarification.calcul.donnees import (
    Anomalie,
    Base,
    Faits,
    Ligne,
    SaisieVolume,
    anomalie_derogation,
)
from tarification.calcul.grille import DEMI_JOURNEES_PAR_JOUR, Grille, ModeNiveau1, Service
from tarification.calcul.nombres import Euros, Quantite, Texte, arrondir

CODE_NIVEAU1 = "niveau1_demi_journees"
CODE_DIAGNOSTIC = "niveau1_diagnostic"
ARTICLE_NIVEAU1 = "art. 3.2.2 et 7.1.1"


def hors_volume(saisie: SaisieVolume, capacite: Decimal) -> Decimal:
    """T6, volume partagé — les demi-journées d'une saisie qui tombent après l'épuisement du
    volume (``capacite`` demi-journées) : aucune tant qu'il reste de la place, une partie pour
    la saisie qui l'épuise, toutes ensuite. Les jours gratuits ne dépassent jamais le volume."""
    debordement = Decimal(saisie.avant + saisie.demi_journees) - capacite
    return max(Decimal(0), min(Decimal(saisie.demi_journees), debordement))


@dataclass(frozen=True)
class EtatVolume:
    """T6 — l'utilisation du volume partagé d'une année : ``utilisees`` demi-journées des
    membres du socle complet pour un volume de ``capacite`` ; ce qui dépasse est facturé."""

    capacite: Decimal
    utilisees: int

    @property
    def gratuites(self) -> Decimal:
        return min(Decimal(self.utilisees), self.capacite)

    @property
    def au_dela(self) -> Decimal:
        return max(Decimal(0), Decimal(self.utilisees) - self.capacite)

    @property
    def restantes(self) -> Decimal:
        return max(Decimal(0), self.capacite - self.utilisees)

    @property
    def epuise(self) -> bool:
        return self.utilisees >= self.capacite


def etat_volume(grille: Grille, saisies: Iterable[SaisieVolume]) -> EtatVolume:
    """L'état du volume partagé de l'année d'après toutes ses saisies."""
    return EtatVolume(grille.volume_demi_journees, sum(s.demi_journees for s in saisies))


def _mention_mode(grille: Grille) -> Texte:
    texte: Texte = (f"mode « {grille.mode_niveau1.libelle} »",)
    if grille.fondement_mode:
        texte += (f" fixé par : {grille.fondement_mode}",)
    return texte


def _ligne_volume_partage(grille: Grille, faits: Faits) -> Ligne | None:
    """T6, volume partagé — rien n'est facturé tant que les demi-journées de l'année des membres
    du socle complet restent dans le volume ; ensuite, chaque demi-journée à son membre."""
    saisies = faits.saisies_volume
    if saisies is None:
        if faits.demi_journees:
            raise ValueError(
                "Volume partagé : la place des saisies du membre dans le volume de l'année est "
                "nécessaire (saisies_volume)."
            )
        return None
    capacite = grille.volume_demi_journees
    facturees = [(s, hors_volume(s, capacite)) for s in saisies]
    au_dela = sum((n for _, n in facturees), Decimal(0))
    if au_dela == 0:
        return None
    prix = grille.prix_demi_journee
    premiere = next(s for s, n in facturees if n > 0)
    detail: Texte = (
        "volume partagé de ",
        Quantite(grille.pool_jours),
        " jours (",
        Quantite(capacite),
        " demi-journées) entre les membres du socle complet, épuisé ; demi-journées du membre ",
        Quantite(faits.demi_journees),
        ", dont ",
        Quantite(au_dela),
        " après l'épuisement du volume (par date d'intervention, puis ordre de saisie)",
    )
    if premiere.le is not None:
        detail += (", à partir du ", premiere.le)
    detail += (", à ", Euros(prix), " la demi-journée ; ", *_mention_mode(grille))
    base = Base(
        article=ARTICLE_NIVEAU1,
        population=None,
        millesime=None,
        tranche=None,
        part_fixe=None,
        taux=prix,
        quantite=au_dela,
        detail=detail,
        unite="demi-journées",
    )
    return Ligne(
        CODE_NIVEAU1,
        "Niveau 1 — demi-journées au-delà du volume partagé",
        base,
        arrondir(au_dela * prix),  # T9 — un seul arrondi
    )


def _ligne_dotation_individuelle(
    grille: Grille, faits: Faits, anomalies: list[Anomalie]
) -> Ligne | None:
    """T6, dotation individuelle — chaque demi-journée au-delà de la dotation du membre."""
    utilisees = faits.demi_journees
    prix = grille.prix_demi_journee
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
            anomalies.append(anomalie_derogation(Service.NIVEAU1, p))
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
        " la demi-journée ; ",
        *_mention_mode(grille),
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
    return Ligne(
        CODE_NIVEAU1,
        "Niveau 1 — demi-journées au-delà de la dotation",
        base,
        arrondir(au_dela * prix),  # T9 — un seul arrondi
    )


def _ligne_sans_socle(grille: Grille, faits: Faits) -> Ligne | None:
    """Art. 4.1 — sans socle complet : pas de part, facturé dès la première demi-journée."""
    utilisees = faits.demi_journees
    if utilisees == 0:
        return None
    prix = grille.prix_demi_journee
    detail: Texte = (
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
        quantite=Decimal(utilisees),
        detail=detail,
        unite="demi-journées",
    )
    montant = arrondir(utilisees * prix)  # T9 — un seul arrondi
    return Ligne(CODE_NIVEAU1, "Niveau 1 — demi-journées au-delà de la dotation", base, montant)


def _ligne_diagnostic(grille: Grille, faits: Faits) -> Ligne | None:
    """Art. 4.1 (*) — le complément de diagnostic d'un membre sans socle complet, facturé dès la
    première demi-journée, quelle que soit la formule qui débute ensuite dans l'année."""
    nombre = faits.demi_journees_diagnostic
    if nombre == 0:
        return None
    prix = grille.prix_demi_journee
    detail: Texte = (
        "mission de diagnostic réalisée sans socle complet en vigueur : facturée dès la "
        "première demi-journée (art. 4.1, note), quelle que soit la formule qui débute ensuite "
        "dans l'année ; ",
        Quantite(nombre),
        " demi-journées à ",
        Euros(prix),
    )
    base = Base(
        article="art. 4.1 et 7.1.1",
        population=None,
        millesime=None,
        tranche=None,
        part_fixe=None,
        taux=prix,
        quantite=Decimal(nombre),
        detail=detail,
        unite="demi-journées",
    )
    montant = arrondir(nombre * prix)  # T9 — un seul arrondi
    return Ligne(CODE_DIAGNOSTIC, "Niveau 1 — complément de diagnostic (art. 4.1)", base, montant)


def lignes_niveau1(grille: Grille, faits: Faits, anomalies: list[Anomalie]) -> list[Ligne]:
    """T6 — les lignes de niveau 1 de l'année : les demi-journées facturées selon le mode de la
    grille (ou toutes, sans socle complet), puis le complément de diagnostic."""
    if not faits.socle_complet:
        ligne = _ligne_sans_socle(grille, faits)
    elif grille.mode_niveau1 is ModeNiveau1.VOLUME_PARTAGE:
        # Les parts par tranche guident le partage, elles ne déclenchent pas la facturation :
        # pas d'anomalie M6 pour une part dérogatoire manquante dans ce mode.
        ligne = _ligne_volume_partage(grille, faits)
    else:
        ligne = _ligne_dotation_individuelle(grille, faits, anomalies)
    diagnostic = _ligne_diagnostic(grille, faits)
    return [lg for lg in (ligne, diagnostic) if lg is not None]
