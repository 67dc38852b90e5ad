"""Niveau 1 allowances, the shared pool and the half-days billed beyond (T6; art. 3.2.2, 7.1.1).

Each socle complet member has a yearly allowance taken from the grid in force on 1 January of
the year (NIVEAU1 row of its population bracket, in days, × 2 half-days), or from its tarif
dérogatoire (M6). A member without the socle complet has none: its half-days are billed from the
first (art. 4.1 note). The amount billed is never computed here: the facts and the niveau 1 line
come from ``tarification.contribution.contributions`` — the titres campaign's own path to the
pure calculator — so that this page and the titre always agree.

T6 (revised): the billing mode is the grid version's. In *volume partagé* (the default) the
allowances are the guide for sharing the pool of 117 days, not a billing trigger: nothing is
billed while the socle complet members' half-days of the year stay within the pool, then each
further half-day is billed to its member (by intervention date, then entry order). In
*dotation individuelle* each half-day beyond the member's allowance is billed, whether or not
the pool is used up. In both modes the pool's use is the socle complet members' half-days of
the year, all members together (``tarification.contribution.etat_du_volume``), shown against
117 days with a warning when it is nearly or wholly used, or when the allowances promised
exceed it. Half-days of members without the socle complet, and diagnostic half-days done
without it (art. 4.1 (*)), are outside the pool and billed from the first.

``bilan_niveau1`` reads everything in a fixed number of queries, whatever the number of members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Exists, OuterRef, QuerySet, TextChoices

from membres.models import Adhesion, Commune, libelles_formules
from missions.models import Intervention
from outils.formats import de_commune, formater_euros, formater_nombre, formater_quantite
from tarification import calcul
from tarification.contribution import Contribution, VolumeAnnuel, contributions, etat_du_volume
from tarification.deja_facture import elements_factures
from tarification.models import VersionBareme
from tarification.textes import texte_base

CODE_LIGNE = "niveau1_demi_journees"  # the calculator's code of the T6 line
# Share of the pool above which the page warns that it is nearly used.
SEUIL_ALERTE_POOL = Decimal("0.9")
ZERO = Decimal(0)


class Etat(TextChoices):
    FACTUREE = "facturee", "au-delà du volume partagé : facturé"
    DEPASSEE = "depassee", "dotation dépassée"
    EPUISEE = "epuisee", "dotation épuisée"
    DISPONIBLE = "disponible", "dotation disponible"
    SANS_DOTATION = "sans_dotation", "sans socle : facturé dès la 1re"
    ANOMALIE = "anomalie", "dotation inconnue"


class Niveau(TextChoices):
    ALERTE = "alerte", "alerte"
    AVERTISSEMENT = "avertissement", "avertissement"
    INFO = "info", "information"


@dataclass(frozen=True)
class Alerte:
    niveau: str
    message: str
    commune_id: int | None = None  # None: about the pool or the grid


@dataclass(frozen=True)
class SoldeMembre:
    """One member's niveau 1 account for one year."""

    commune: Commune
    annee: int
    formules: str  # the formulas in force during the year, in order
    socle_complet: bool
    population: int | None
    millesime: int | None
    tranche: str | None
    dotation: Decimal | None  # half-days; 0 without the socle complet; None = unknown
    origine: str  # where the allowance comes from
    utilisees: int  # every half-day of the year, complement of diagnostic included
    ligne: calcul.Ligne | None  # the T6 line of the member's titre for this year, if any
    anomalie: str = ""
    mode: calcul.ModeNiveau1 = calcul.ModeNiveau1.VOLUME_PARTAGE
    diagnostic: int = 0  # half-days of diagnostic done without socle complet (art. 4.1 (*))
    ligne_diagnostic: calcul.Ligne | None = None

    @property
    def dotation_jours(self) -> Decimal | None:
        if self.dotation is None:
            return None
        return self.dotation / calcul.DEMI_JOURNEES_PAR_JOUR

    @property
    def dans_le_volume(self) -> int:
        """Half-days drawn on the shared pool (a socle complet member's, diagnostic aside)."""
        return self.utilisees - self.diagnostic if self.socle_complet else 0

    @property
    def restantes(self) -> Decimal | None:
        if self.dotation is None:
            return None
        return max(ZERO, self.dotation - self.dans_le_volume)

    @property
    def au_dela(self) -> Decimal | None:
        """Half-days billed (T6): the quantities of the member's niveau 1 lines — beyond the
        pool or the allowance by the grid's mode, all of them without the socle complet, and
        the complement of diagnostic. ``None`` when the allowance it depends on is unknown."""
        if self.dotation is None and self.mode is calcul.ModeNiveau1.DOTATION_INDIVIDUELLE:
            return None
        lignes = (self.ligne, self.ligne_diagnostic)
        return sum((lg.base.quantite for lg in lignes if lg is not None), ZERO)

    @property
    def montant(self) -> Decimal:
        lignes = (self.ligne, self.ligne_diagnostic)
        return sum((lg.montant for lg in lignes if lg is not None), ZERO)

    @property
    def etat(self) -> str:
        if self.anomalie:
            return Etat.ANOMALIE
        if not self.socle_complet:
            return Etat.SANS_DOTATION
        if self.mode is calcul.ModeNiveau1.VOLUME_PARTAGE and self.ligne is not None:
            return Etat.FACTUREE
        if self.dotation is None:
            return Etat.DISPONIBLE  # volume partagé: the share is only a guide
        if self.dans_le_volume > self.dotation:
            return Etat.DEPASSEE
        if self.dans_le_volume == self.dotation:
            return Etat.EPUISEE
        return Etat.DISPONIBLE

    @property
    def etat_libelle(self) -> str:
        return Etat(self.etat).label

    @property
    def base(self) -> str:
        """The basis of the T6 lines, as the titre will print them (B5)."""
        lignes = (self.ligne, self.ligne_diagnostic)
        return " ; ".join(texte_base(lg.base) for lg in lignes if lg is not None)


@dataclass(frozen=True)
class Pool:
    """The shared niveau 1 pool of the year (art. 3.2.2: 117 working days), its mode and use.

    ``utilisees``: the socle complet members' half-days of the year, all members together;
    ``consommees``: those of them not billed — in volume partagé, never more than the pool; in
    dotation individuelle, those within each member's allowance."""

    jours: Decimal
    dotations: Decimal  # half-days promised to socle complet members with a known allowance
    utilisees: int  # socle complet members' half-days of the year (all members)
    consommees: Decimal  # of which free (not billed)
    au_dela: Decimal  # half-days of socle complet members billed (beyond pool or allowance)
    hors_socle: int  # half-days outside the pool: no socle complet, or diagnostic (billed)
    mode: calcul.ModeNiveau1 = calcul.ModeNiveau1.VOLUME_PARTAGE
    fondement: str = ""

    @property
    def demi_journees(self) -> Decimal:
        return self.jours * calcul.DEMI_JOURNEES_PAR_JOUR

    @property
    def mode_libelle(self) -> str:
        return self.mode.libelle

    @property
    def volume_partage(self) -> bool:
        return self.mode is calcul.ModeNiveau1.VOLUME_PARTAGE

    @property
    def restantes(self) -> Decimal:
        return max(ZERO, self.demi_journees - self.consommees)

    @property
    def consommees_jours(self) -> Decimal:
        return self.consommees / calcul.DEMI_JOURNEES_PAR_JOUR

    @property
    def pourcentage(self) -> int:
        """Share of the pool used, in whole per cent (rounded down: never "100 %" too early)."""
        if not self.demi_journees:
            return 100 if self.consommees else 0
        return int((self.consommees * 100 / self.demi_journees).to_integral_value(ROUND_FLOOR))

    @property
    def epuise(self) -> bool:
        return self.consommees >= self.demi_journees

    @property
    def total_utilisees(self) -> Decimal:
        return Decimal(self.utilisees + self.hors_socle)


@dataclass
class BilanNiveau1:
    annee: int
    version: VersionBareme | None
    grille: calcul.Grille | None
    soldes: list[SoldeMembre] = field(default_factory=list)
    volume: VolumeAnnuel | None = None
    pool: Pool | None = None
    alertes: list[Alerte] = field(default_factory=list)

    @property
    def prix_demi_journee(self) -> Decimal | None:
        return self.grille.prix_demi_journee if self.grille else None

    @property
    def montant_total(self) -> Decimal:
        return sum((solde.montant for solde in self.soldes), ZERO)

    def solde(self, commune) -> SoldeMembre | None:
        pk = getattr(commune, "pk", commune)
        return next((s for s in self.soldes if s.commune.pk == pk), None)


def _solde(
    *, commune: Commune, annee: int, grille: calcul.Grille, contribution: Contribution
) -> SoldeMembre:
    faits = contribution.faits
    socle_complet = faits.socle_complet  # T8: in force on any day of the year
    retenue = faits.population
    derogation = faits.derogations.get(calcul.Service.NIVEAU1) if socle_complet else None
    tranche = None
    anomalie = ""
    dotation: Decimal | None
    if not socle_complet:
        dotation, origine = ZERO, "sans socle complet : pas de dotation (art. 4.1)"
    elif retenue is None:
        dotation, origine = None, ""
        # P1: never replaced by another year's figure.
        anomalie = f"Population {annee} manquante : la dotation ne peut être calculée (P1)."
    else:
        try:
            ligne_grille = grille.ligne(calcul.Service.NIVEAU1, retenue.valeur)
        except ValueError as erreur:
            ligne_grille, anomalie = None, str(erreur)
        tranche = ligne_grille.tranche.libelle if ligne_grille else None
        if ligne_grille is None:
            dotation, origine = None, ""
        elif derogation is not None and derogation.jours is not None:
            dotation = derogation.jours * calcul.DEMI_JOURNEES_PAR_JOUR
            origine = "dotation dérogatoire"
            if derogation.base_legale:
                origine += f" (base légale : {derogation.base_legale})"
        elif ligne_grille.derogation_requise or ligne_grille.jours is None:
            dotation, origine = None, ""
            if grille.mode_niveau1 is calcul.ModeNiveau1.DOTATION_INDIVIDUELLE:
                anomalie = (
                    "Dotation dérogatoire manquante : le barème ne fixe pas de dotation au-delà "
                    f"de 8 000 habitants ({formater_nombre(retenue.valeur)} hab., M6)."
                )
            else:
                # Volume partagé: a share only guides the sharing, an unknown one bills nothing.
                origine = "part à fixer par dérogation (M6), sans effet sur la facturation"
        else:
            dotation = ligne_grille.jours * calcul.DEMI_JOURNEES_PAR_JOUR
            origine = f"barème, tranche « {ligne_grille.tranche.libelle} »"

    # The amounts are the calculator's lines, as the titre will carry them (T6, T9).
    lignes = {lg.code: lg for lg in contribution.resultat.lignes}
    return SoldeMembre(
        commune=commune,
        annee=annee,
        formules=libelles_formules(contribution.adhesions) or "aucune adhésion en vigueur",
        socle_complet=socle_complet,
        population=retenue.valeur if retenue else None,
        millesime=retenue.millesime if retenue else None,
        tranche=tranche,
        dotation=dotation,
        origine=origine,
        utilisees=faits.demi_journees + faits.demi_journees_diagnostic,
        ligne=lignes.get(CODE_LIGNE),
        anomalie=anomalie,
        mode=grille.mode_niveau1,
        diagnostic=faits.demi_journees_diagnostic,
        ligne_diagnostic=lignes.get(calcul.CODE_DIAGNOSTIC),
    )


def _alertes(bilan: BilanNiveau1) -> list[Alerte]:
    annee, pool = bilan.annee, bilan.pool
    prix = formater_euros(bilan.grille.prix_demi_journee)
    alertes: list[Alerte] = []
    if pool.epuise and pool.consommees:
        suite = (
            "chaque demi-journée de plus est facturée à son membre (T6, volume partagé)."
            if pool.volume_partage
            else "la facturation reste celle des dotations de chaque membre (T6, dotation "
            "individuelle)."
        )
        alertes.append(
            Alerte(
                Niveau.ALERTE,
                f"Le volume partagé de {formater_quantite(pool.jours)} jours du niveau 1 est "
                f"épuisé en {annee} ({formater_quantite(pool.consommees)} demi-journées prises "
                f"pour {formater_quantite(pool.demi_journees)}) : {suite}",
            )
        )
    elif pool.demi_journees and pool.consommees >= pool.demi_journees * SEUIL_ALERTE_POOL:
        alertes.append(
            Alerte(
                Niveau.AVERTISSEMENT,
                f"Le volume partagé du niveau 1 est utilisé à {pool.pourcentage} % en {annee} : "
                f"il reste {formater_quantite(pool.restantes)} demi-journées sur "
                f"{formater_quantite(pool.demi_journees)}.",
            )
        )
    if pool.dotations > pool.demi_journees:
        alertes.append(
            Alerte(
                Niveau.AVERTISSEMENT,
                f"Les dotations des membres ({formater_quantite(pool.dotations)} demi-journées) dépassent "
                f"le volume partagé de {formater_quantite(pool.jours)} jours "
                f"({formater_quantite(pool.demi_journees)} demi-journées, art. 3.2.2).",
            )
        )
    campagne = f"facturés sur le titre de la campagne {annee} (émise début {annee + 1})"
    for solde in bilan.soldes:
        nom, pk = solde.commune.nom, solde.commune.pk
        if solde.anomalie:
            alertes.append(Alerte(Niveau.ALERTE, f"{nom} : {solde.anomalie}", pk))
        elif solde.etat == Etat.FACTUREE:
            facturees = solde.ligne.base.quantite
            alertes.append(
                Alerte(
                    Niveau.ALERTE,
                    f"{nom} : {formater_quantite(facturees)} demi-journées {annee} après "
                    f"l'épuisement du volume partagé, à {prix} = "
                    f"{formater_euros(solde.ligne.montant)}, {campagne}.",
                    pk,
                )
            )
        elif solde.etat == Etat.DEPASSEE and not pool.volume_partage:
            alertes.append(
                Alerte(
                    Niveau.ALERTE,
                    f"{nom} a dépassé sa dotation {annee} : {solde.dans_le_volume} demi-journées "
                    f"utilisées pour {formater_quantite(solde.dotation)}, soit "
                    f"{formater_quantite(solde.dans_le_volume - solde.dotation)} au-delà à {prix} "
                    f"= {formater_euros(solde.ligne.montant if solde.ligne else ZERO)}, "
                    f"{campagne}.",
                    pk,
                )
            )
        elif solde.etat == Etat.DEPASSEE:
            alertes.append(
                Alerte(
                    Niveau.AVERTISSEMENT,
                    f"{nom} a dépassé sa part indicative {annee} ({solde.dans_le_volume} "
                    f"demi-journées pour {formater_quantite(solde.dotation)}) : rien n'est "
                    "facturé tant que le volume partagé n'est pas épuisé (T6, volume partagé).",
                    pk,
                )
            )
        elif solde.etat == Etat.SANS_DOTATION and solde.utilisees:
            alertes.append(
                Alerte(
                    Niveau.INFO,
                    f"{nom} n'a pas le socle complet en {annee} : ses {solde.utilisees} "
                    f"demi-journées sont facturées dès la première, soit "
                    f"{formater_euros(solde.montant)} (art. 4.1 et 7.1.1).",
                    pk,
                )
            )
        elif solde.etat == Etat.EPUISEE and not pool.volume_partage:
            alertes.append(
                Alerte(
                    Niveau.AVERTISSEMENT,
                    f"{nom} a utilisé toute sa dotation {annee} ({formater_quantite(solde.dotation)} "
                    f"demi-journées) : chaque demi-journée de plus sera facturée {prix}.",
                    pk,
                )
            )
        if solde.socle_complet and solde.ligne_diagnostic is not None:
            alertes.append(
                Alerte(
                    Niveau.INFO,
                    f"{nom} : {solde.diagnostic} demi-journées de complément de diagnostic "
                    "réalisées avant son socle complet, facturées dès la première, soit "
                    f"{formater_euros(solde.ligne_diagnostic.montant)} (art. 4.1).",
                    pk,
                )
            )
    return alertes


def version_pour_annee(annee: int) -> VersionBareme | None:
    """The grid version that prices year N: the one in force on 1 January N (decision)."""
    return VersionBareme.objects.en_vigueur_le(date(annee, 1, 1)).prefetch_related("lignes").first()


def bilan_niveau1(annee: int, communes=None) -> BilanNiveau1:
    """Every member's niveau 1 account for `annee` and the pool, in a fixed number of queries.

    Members are the communes with an adhesion in force on at least one day of the year, and any
    commune with half-days recorded that year (validation forbids it, but an adhesion may have
    been changed since: such time is shown, never dropped). `communes` (queryset or iterable of
    communes or ids) restricts the rows; the pool's use stays the year's, all members together
    (its allowances and billed half-days are those of the rows).

    The facts (formulas in force, population, tarif dérogatoire, half-days) and the T6 line
    come from ``tarification.contribution.contributions``, the titres campaign's own path.
    """
    version = version_pour_annee(annee)
    if version is None:
        return BilanNiveau1(
            annee=annee,
            version=None,
            grille=None,
            alertes=[
                Alerte(
                    Niveau.ALERTE,
                    f"Aucune version du barème n'est en vigueur au 1er janvier {annee} : "
                    "les dotations ne peuvent être calculées.",
                )
            ],
        )
    grille = version.grille()

    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    membres = Commune.objects.filter(
        Exists(Adhesion.objects.pour_annee(annee).filter(commune=OuterRef("pk")))
        | Exists(
            Intervention.objects.filter(
                mission__commune=OuterRef("pk"), date__gte=debut, date__lte=fin
            )
        )
    )
    if communes is not None:
        if isinstance(communes, QuerySet):
            membres = membres.filter(pk__in=communes.values("pk"))
        else:
            membres = membres.filter(pk__in=[getattr(c, "pk", c) for c in communes])
    par_commune = contributions(annee, membres)

    soldes = [
        _solde(commune=c.commune, annee=annee, grille=grille, contribution=c)
        for c in par_commune.values()
    ]
    soldes.sort(key=lambda s: (s.commune.nom, s.commune.pk))

    socles = [s for s in soldes if s.socle_complet]
    volume = etat_du_volume(annee, grille)
    au_dela = sum((s.ligne.base.quantite for s in socles if s.ligne is not None), ZERO)
    if grille.mode_niveau1 is calcul.ModeNiveau1.VOLUME_PARTAGE:
        consommees = volume.etat.gratuites  # the year's, whatever rows are shown
    else:
        consommees = Decimal(volume.etat.utilisees) - au_dela
    pool = Pool(
        jours=grille.pool_jours,
        dotations=sum((s.dotation for s in socles if s.dotation is not None), ZERO),
        utilisees=volume.etat.utilisees,
        consommees=consommees,
        au_dela=au_dela,
        hors_socle=sum(s.utilisees - s.dans_le_volume for s in soldes),
        mode=grille.mode_niveau1,
        fondement=grille.fondement_mode,
    )
    bilan = BilanNiveau1(
        annee=annee, version=version, grille=grille, soldes=soldes, pool=pool, volume=volume
    )
    bilan.alertes = _alertes(bilan)
    return bilan


def titres_niveau1(annee: int, commune_ids) -> dict[int, object]:
    """The issued titre line that already bills the T6 item (member, year) of each commune, if
    not annulled (B4), keyed by commune id. One query."""
    factures = elements_factures(annee=annee, communes=list(commune_ids))
    return {pk: ligne for (pk, code), ligne in factures.items() if code == CODE_LIGNE}


def alertes_pour(commune, annees) -> list[Alerte]:
    """Warnings to show after time was recorded for `commune`: its own, the pool's, and
    whether that year's niveau 1 is already billed (an issued titre never changes, B4)."""
    alertes: list[Alerte] = []
    for annee in sorted(set(annees)):
        bilan = bilan_niveau1(annee)
        alertes += [a for a in bilan.alertes if a.commune_id in (None, commune.pk)]
        ligne = titres_niveau1(annee, [commune.pk]).get(commune.pk)
        if ligne is not None:
            titre = ligne.titre
            alertes.append(
                Alerte(
                    Niveau.ALERTE,
                    f"Les demi-journées {annee} {de_commune(commune.nom)} sont déjà facturées par le titre "
                    f"n° {titre.numero} (exercice {titre.exercice}, "
                    f"{formater_euros(ligne.montant)}) : ce titre ne change plus ; la "
                    "prochaine campagne facture l'écart par un titre complémentaire, ou le "
                    "réduit (B4).",
                    commune.pk,
                )
            )
    return alertes
