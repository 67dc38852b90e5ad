"""The bilan annuel (R1, art. 6.2) and the staffing target (R2, art. 7), read for one year.

Where each figure comes from — always the module that bills it, so that the bilan ties back to
the titres and to the calculator to the cent:

- **estimated** amounts: ``tarification.contribution.contributions`` (the campaign's own path
  to the pure calculator) for the yearly contributions of year N, plus the audits delivered in
  N at their price "as billed" (``prix_audits_retenus``, the same figure the T5 deduction
  uses: the issued audit titre net of its corrections, or the grid price at delivery while no
  titre is issued);
- **collected** and **outstanding** amounts (B11): the same titres as followed by recouvrement
  (``tarification.recouvrement.restes``: issued − corrections − payments − non-valeur);
- **issued** amounts: the issued titres whose billed year is N (``annee``; for a titre without
  one, such as an appel de fonds, its exercice), réductions and annulations netted (B4). A
  correction is counted with the nature of the titre it corrects;
- niveau 1: ``missions.dotations.bilan_niveau1`` (allowances, pool, half-days, T6);
- groupements: the groupements alive during N and their members then, with the estimated
  amount of their needs (G3);
- the members' quantitative inventory (A2) and what was transferred to the EPCI by the end of
  N (A3), the audits delivered in N (A1); the disputes open during N (art. 2.5).

**Decisions** (the convention is silent):

- R2 counts as members the communes with an adhesion in force on at least one day of N, and
  as socle complet communes those with a socle complet adhesion in force on at least one day
  of N (the domain's rule, like T8). The convention writes "1 ETP … supplémentaire", "2 ETP
  supplémentaires", "3 ETP supplémentaires": read, as domain.md does, as a total of 1, 2 or 3
  ETP, not a sum (``PALIERS_ETP``).
- The "year's contributions" set against the target are the yearly contributions of N (socle
  complet, audit deduction, groupement, niveau 1 half-days) and the audits delivered in N:
  both pay for the DSI's staff (art. 7). Mandate refacturations, appels de fonds and exit
  costs pass costs through and are shown apart, never against the target.
- A member whose contribution is blocked (B2 anomaly) has no estimated amount; totals are
  those of the members that can be priced, and the page says how many are left out.

Everything is read in a fixed number of queries, whatever the number of members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Prefetch, Q

from groupements.models import AdhesionGroupement, Groupement
from groupements.regles import Etape
from membres.models import Adhesion, Commune, Formule, libelles_formules
from missions.dotations import BilanNiveau1, SoldeMembre, bilan_niveau1
from outils.formats import formater_quantite
from outils.requetes import compte, somme
from patrimoine.models import Audit, Bien, Contrat, TransfertBien, TransfertContrat
from pilotage.cible import Cible, Couverture, Palier, cible_etp, prochain_palier
from pilotage.simulation import simuler_socle
from tarification.contribution import Contribution, contributions, prix_audits_retenus
from tarification.models import Campagne, LigneTitre, Litige, TitreDeRecettes
from tarification.recouvrement import restes as recouvrement_restes

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")

# =============================================================================================
# R1 — the bilan annuel
# =============================================================================================

# The contributions (art. 7) among the natures of titres; the others pass costs through.
NATURES_CONTRIBUTION = (Nature.CONTRIBUTION, Nature.COMPLEMENT, Nature.AUDIT)


class Prestation(NamedTuple):
    code: str  # the calculator's line code, also the titre line's code
    libelle: str
    article: str


PRESTATIONS = (
    Prestation("socle_complet", "Socle complet", "art. 7.1"),
    Prestation("deduction_audit", "Déduction de l'audit (T5)", "art. 7.2.1"),
    Prestation("groupement", "Groupement d'achats", "art. 7.2.2"),
    Prestation(
        "niveau1_demi_journees", "Niveau 1 au-delà du volume ou de la dotation", "art. 7.1.1"
    ),
    Prestation("niveau1_diagnostic", "Niveau 1 — complément de diagnostic", "art. 4.1"),
    Prestation("audit", "Audit", "art. 7.2.1"),
)


@dataclass
class TitreBilan:
    """An issued titre of the year, as the bilan lists it."""

    titre: TitreDeRecettes
    nature_origine: str  # the corrected titre's nature for a réduction or an annulation

    @property
    def est_contribution(self) -> bool:
        return self.nature_origine in NATURES_CONTRIBUTION


@dataclass
class MembreBilan:
    """R1 — one member's year: formulas in force, amounts estimated and billed (with their
    exercice), niveau 1 half-days used, groupements joined."""

    commune: Commune
    contribution: Contribution | None  # None: not a member in N (titres only)
    audit_estime: Decimal | None = None  # audit delivered in N, priced (None: none)
    audit_bloque: bool = False  # an audit delivered in N that cannot be priced
    emis_par_code: dict[str, Decimal] = field(default_factory=dict)  # contributions, net
    autres_emis: Decimal = ZERO  # refacturations, appels de fonds, frais de sortie, net
    titres: list[TitreBilan] = field(default_factory=list)
    solde_niveau1: SoldeMembre | None = None
    groupements: list[str] = field(default_factory=list)

    @property
    def adhesions(self) -> tuple[Adhesion, ...]:
        return self.contribution.adhesions if self.contribution else ()

    @property
    def formules(self) -> str:
        return libelles_formules(self.adhesions) or "aucune adhésion en vigueur"

    @property
    def codes_formules(self) -> frozenset[str]:
        return frozenset(a.formule for a in self.adhesions)

    @property
    def est_membre(self) -> bool:
        return bool(self.adhesions)

    @property
    def socle_complet(self) -> bool:
        return Formule.SOCLE_COMPLET in self.codes_formules

    @property
    def population(self) -> int | None:
        faits = self.contribution.faits if self.contribution else None
        return faits.population.valeur if faits and faits.population else None

    @property
    def bloque(self) -> bool:
        """No estimated amount: a blocking anomaly (B2) on the contribution or the audit."""
        if self.audit_bloque:
            return True
        return bool(self.contribution and self.contribution.resultat.bloque)

    @property
    def anomalies(self) -> list[str]:
        messages = []
        if self.contribution:
            messages += [a.message for a in self.contribution.resultat.anomalies if a.bloquante]
        if self.audit_bloque:
            messages.append("Audit livré dans l'année : son prix ne peut être établi (T2, M6).")
        return messages

    @property
    def lignes_estimees(self) -> dict[str, Decimal]:
        """Estimated amount by line code (empty when blocked: never a partial amount)."""
        if self.bloque:
            return {}
        montants: dict[str, Decimal] = defaultdict(lambda: ZERO)
        if self.contribution:
            for ligne in self.contribution.resultat.lignes:
                montants[ligne.code] += ligne.montant
        if self.audit_estime is not None:
            montants["audit"] += self.audit_estime
        return dict(montants)

    @property
    def estime(self) -> Decimal | None:
        if self.bloque:
            return None
        return sum(self.lignes_estimees.values(), ZERO)  # T9: a total is the sum of its lines

    @property
    def titres_contribution(self) -> list[TitreBilan]:
        return [t for t in self.titres if t.est_contribution]

    @property
    def emis(self) -> Decimal | None:
        """Contributions billed for N, net of réductions and annulations (None: no titre)."""
        if not self.titres_contribution:
            return None
        return sum(self.emis_par_code.values(), ZERO)

    @property
    def exercices(self) -> list[int]:
        return sorted({t.titre.exercice for t in self.titres})

    @property
    def references_titres(self) -> str:
        """« n° 12 (2025), n° 3 (2026) » — the issued titres of the member for N."""
        return ", ".join(f"n° {t.titre.numero} ({t.titre.exercice})" for t in self.titres)

    @property
    def demi_journees(self) -> int:
        return self.solde_niveau1.utilisees if self.solde_niveau1 else 0

    @property
    def dotation(self) -> Decimal | None:
        return self.solde_niveau1.dotation if self.solde_niveau1 else None

    @property
    def niveau1_texte(self) -> str:
        """« 12 / 9 »: half-days used / allowance (socle complet), « 4 » without allowance."""
        texte = formater_quantite(self.demi_journees)
        if self.socle_complet:
            texte += " / " + ("?" if self.dotation is None else formater_quantite(self.dotation))
        return texte


@dataclass(frozen=True)
class LignePrestation:
    prestation: Prestation
    estime: Decimal
    emis: Decimal | None


@dataclass(frozen=True)
class LigneFormule:
    """Members by formula (a member that changed formula in the year counts under each)."""

    formule: str
    libelle: str
    nb_membres: int


@dataclass(frozen=True)
class MontantsFormules:
    """Amounts by the formulas a member had during the year (a partition of the members)."""

    libelle: str
    nb_membres: int
    estime: Decimal
    nb_bloques: int
    emis: Decimal | None


@dataclass(frozen=True)
class LigneNature:
    """Titres of one nature for the year: issued, reduced, annulled (counts and amounts)."""

    nature: str
    libelle: str
    nb_emis: int
    montant_emis: Decimal
    nb_reductions: int
    montant_reductions: Decimal
    nb_annulations: int
    montant_annulations: Decimal

    @property
    def net(self) -> Decimal:
        return self.montant_emis + self.montant_reductions + self.montant_annulations


@dataclass(frozen=True)
class MembreGroupement:
    nom: str
    commune_id: int
    montant_besoins: Decimal
    retire_le: date | None


@dataclass(frozen=True)
class GroupementBilan:
    groupement: Groupement
    membres: tuple[MembreGroupement, ...]

    @property
    def etape(self) -> str:
        return Etape.LIBELLES[self.groupement.etape]

    @property
    def membres_actifs(self) -> tuple[MembreGroupement, ...]:
        return tuple(m for m in self.membres if m.retire_le is None)

    @property
    def montant_besoins(self) -> Decimal:
        """Estimated amount of the needs of the members still in (G3)."""
        return sum((m.montant_besoins for m in self.membres_actifs), ZERO)


@dataclass
class InventaireMembre:
    """R1, A1–A3 — a member's inventory in figures, and its transfers by the end of N."""

    nom: str
    audits_livres: int = 0
    biens: int = 0
    contrats: int = 0
    biens_transferes: int = 0
    contrats_portes: int = 0


@dataclass
class BilanAnnuel:
    annee: int
    membres: list[MembreBilan]
    campagnes: list[Campagne]
    titres: list[TitreBilan]
    niveau1: BilanNiveau1
    groupements: list[GroupementBilan]
    contributions: dict[int, Contribution]
    inventaires: list[InventaireMembre] = field(default_factory=list)
    litiges: list[Litige] = field(default_factory=list)
    # B11: the year's titres as collected: paid and still outstanding (every nature).
    recouvrement: recouvrement_restes.Totaux | None = None

    # --- Members (R1, R2) ------------------------------------------------------------------
    @property
    def adherents(self) -> list[MembreBilan]:
        return [m for m in self.membres if m.est_membre]

    @property
    def nb_membres(self) -> int:
        return len(self.adherents)

    @property
    def nb_socle_complet(self) -> int:
        return sum(1 for m in self.adherents if m.socle_complet)

    @property
    def bloques(self) -> list[MembreBilan]:
        return [m for m in self.membres if m.bloque]

    # --- Amounts ---------------------------------------------------------------------------
    @property
    def total_estime(self) -> Decimal:
        """Contributions of N estimated by the calculator, members that can be priced."""
        return sum((m.estime for m in self.membres if m.estime is not None), ZERO)

    @property
    def total_emis(self) -> Decimal | None:
        """Contributions billed for N, net (None while no contribution titre exists)."""
        montants = [m.emis for m in self.membres if m.emis is not None]
        return sum(montants, ZERO) if montants else None

    @property
    def total_autres_emis(self) -> Decimal:
        return sum((m.autres_emis for m in self.membres), ZERO)

    @property
    def campagne_emise(self) -> bool:
        return bool(self.campagnes)

    @property
    def source_montants(self) -> str:
        """Which amounts the page shows, in words (B1: estimated before, issued after)."""
        if self.total_emis is None:
            return (
                f"Montants estimés par le calculateur : aucun titre de contribution n'est encore "
                f"émis pour {self.annee}."
            )
        if not self.campagne_emise:
            return (
                f"Montants estimés par le calculateur et montants émis (titres d'audit) : la "
                f"campagne {self.annee} n'est pas encore émise."
            )
        return (
            f"Montants émis (titres nets des réductions et annulations) et montants estimés "
            f"par le calculateur avec les données actuelles : la campagne {self.annee} est émise."
        )

    # --- R2 --------------------------------------------------------------------------------
    @property
    def cible(self) -> Cible:
        return cible_etp(self.nb_socle_complet, nb_membres=self.nb_membres)

    @property
    def prochain_palier(self) -> Palier | None:
        return prochain_palier(self.nb_socle_complet)

    @property
    def couvertures(self) -> list[Couverture]:
        lignes = [Couverture("Contributions estimées", self.total_estime, self.cible)]
        if self.total_emis is not None:
            lignes.append(Couverture("Contributions émises (nettes)", self.total_emis, self.cible))
        return lignes

    # --- By formula, by service ------------------------------------------------------------
    @property
    def membres_par_formule(self) -> list[LigneFormule]:
        return [
            LigneFormule(
                formule.value,
                formule.label,
                sum(1 for m in self.adherents if formule.value in m.codes_formules),
            )
            for formule in Formule
        ]

    @property
    def montants_par_formules(self) -> list[MontantsFormules]:
        groupes: dict[str, list[MembreBilan]] = defaultdict(list)
        for membre in self.membres:
            groupes[membre.formules].append(membre)
        lignes = []
        for libelle, membres in sorted(groupes.items()):
            emis = [m.emis for m in membres if m.emis is not None]
            lignes.append(
                MontantsFormules(
                    libelle=libelle,
                    nb_membres=len(membres),
                    estime=sum((m.estime for m in membres if m.estime is not None), ZERO),
                    nb_bloques=sum(1 for m in membres if m.bloque),
                    emis=sum(emis, ZERO) if emis else None,
                )
            )
        return lignes

    @property
    def prestations(self) -> list[LignePrestation]:
        estimes: dict[str, Decimal] = defaultdict(lambda: ZERO)
        emis: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for membre in self.membres:
            for code, montant in membre.lignes_estimees.items():
                estimes[code] += montant
            for code, montant in membre.emis_par_code.items():
                emis[code] += montant
        connues = {p.code for p in PRESTATIONS}
        autres = sorted((set(estimes) | set(emis)) - connues)
        prestations = list(PRESTATIONS) + [Prestation(code, code, "") for code in autres]
        aucun_titre = self.total_emis is None
        return [
            LignePrestation(p, estimes[p.code], None if aucun_titre else emis[p.code])
            for p in prestations
        ]

    # --- Titres ----------------------------------------------------------------------------
    @property
    def titres_par_nature(self) -> list[LigneNature]:
        lignes = []
        for nature in Nature:
            if nature in Nature.corrections():
                continue
            originaux = [t.titre for t in self.titres if t.titre.nature == nature]
            corrections = [
                t.titre
                for t in self.titres
                if t.nature_origine == nature and t.titre.nature in Nature.corrections()
            ]
            reductions = [t for t in corrections if t.nature == Nature.REDUCTION]
            annulations = [t for t in corrections if t.nature == Nature.ANNULATION]
            lignes.append(
                LigneNature(
                    nature=nature.value,
                    libelle=nature.label,
                    nb_emis=len(originaux),
                    montant_emis=sum((t.total for t in originaux), ZERO),
                    nb_reductions=len(reductions),
                    montant_reductions=sum((t.total for t in reductions), ZERO),
                    nb_annulations=len(annulations),
                    montant_annulations=sum((t.total for t in annulations), ZERO),
                )
            )
        return lignes

    @property
    def total_titres(self) -> LigneNature:
        lignes = self.titres_par_nature
        return LigneNature(
            nature="",
            libelle="Total",
            nb_emis=sum(ligne.nb_emis for ligne in lignes),
            montant_emis=sum((ligne.montant_emis for ligne in lignes), ZERO),
            nb_reductions=sum(ligne.nb_reductions for ligne in lignes),
            montant_reductions=sum((ligne.montant_reductions for ligne in lignes), ZERO),
            nb_annulations=sum(ligne.nb_annulations for ligne in lignes),
            montant_annulations=sum((ligne.montant_annulations for ligne in lignes), ZERO),
        )

    @property
    def niveau1_texte(self) -> dict[str, str] | None:
        """The pool's figures in French, without useless decimals (« 117 », « 12,5 »)."""
        pool = self.niveau1.pool
        if pool is None:
            return None
        return {
            nom: formater_quantite(getattr(pool, nom))
            for nom in (
                "jours",
                "demi_journees",
                "consommees",
                "au_dela",
                "hors_socle",
                "restantes",
            )
        }

    # --- Groupements -----------------------------------------------------------------------
    @property
    def montant_besoins_groupements(self) -> Decimal:
        return sum((g.montant_besoins for g in self.groupements), ZERO)

    # --- What if ---------------------------------------------------------------------------
    @property
    def audits_estimes(self) -> Decimal:
        return sum((m.audit_estime for m in self.membres if m.audit_estime is not None), ZERO)

    def simuler(self, *, rejoignent: Iterable[int] = (), quittent: Iterable[int] = ()):
        """R2 "what if": see ``simuler_socle``; the audits of the year are kept as they are."""
        return simuler_socle(
            annee=self.annee,
            contributions_annee=self.contributions,
            rejoignent=rejoignent,
            quittent=quittent,
            audits=sum(
                (m.audit_estime for m in self.membres if m.audit_estime and not m.bloque), ZERO
            ),
            bloques=[m.commune.pk for m in self.membres if m.audit_bloque],
        )


def annee_des_titres(annee: int, prefixe: str = "") -> Q:
    """The titres of year N: their billed year, or their exercice when they have none (an
    appel de fonds). A correction carries the year of the titre it corrects."""
    return Q(**{f"{prefixe}annee": annee}) | Q(
        **{f"{prefixe}annee__isnull": True, f"{prefixe}exercice": annee}
    )


def _titres(annee: int) -> list[TitreBilan]:
    titres = (
        TitreDeRecettes.objects.emis()
        .filter(annee_des_titres(annee))
        .select_related("corrige")
        .order_by("exercice", "budget", "numero")
    )
    return [TitreBilan(t, t.corrige.nature if t.corrige_id else t.nature) for t in titres]


def _emis_par_commune(annee: int) -> dict[int, dict[tuple[str, str], Decimal]]:
    """Issued amounts of N by commune, (nature of origin, line code), netted: one query."""
    lignes = (
        LigneTitre.objects.filter(titre__statut=TitreDeRecettes.Statut.EMIS)
        .filter(annee_des_titres(annee, "titre__"))
        .values("titre__commune_id", "titre__nature", "titre__corrige__nature", "code")
        .annotate(montant=somme("montant"))
        .order_by()
    )
    montants: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for ligne in lignes:
        origine = ligne["titre__corrige__nature"] or ligne["titre__nature"]
        montants[ligne["titre__commune_id"]][(origine, ligne["code"])] += ligne["montant"]
    return montants


def _groupements(annee: int) -> list[GroupementBilan]:
    """Groupements alive in N (constituted by its end, not ended before its start) with their
    members in N (joined by its end, not withdrawn before its start): two queries."""
    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    membres = (
        AdhesionGroupement.objects.filter(adhere_le__lte=fin)
        .filter(Q(retrait_notifie_le__isnull=True) | Q(retrait_notifie_le__gte=debut))
        .select_related("commune", "etablissement")
        .annotate(montant_besoins=somme("besoins__montant_estime"))
        .order_by("commune__nom", "etablissement__nom", "pk")
    )
    groupements = (
        Groupement.objects.filter(constitue_le__lte=fin)
        .exclude(echu_le__lt=debut)
        .exclude(resilie_le__lt=debut)
        .prefetch_related(Prefetch("adhesions", queryset=membres, to_attr="membres_annee"))
        .order_by("constitue_le", "objet")
    )
    return [
        GroupementBilan(
            groupement=g,
            membres=tuple(
                MembreGroupement(
                    nom=a.nom_membre,
                    commune_id=a.commune_id,
                    montant_besoins=a.montant_besoins,
                    retire_le=a.retrait_notifie_le,
                )
                for a in g.membres_annee
            ),
        )
        for g in groupements
    ]


def _audits_livres(annee: int) -> tuple[dict[int, list[Adhesion]], dict[int, Decimal | None]]:
    """T2 — the audits delivered in N, by commune, and their price as billed."""
    audits = list(
        Adhesion.objects.filter(
            audit_livre_le__gte=date(annee, 1, 1), audit_livre_le__lte=date(annee, 12, 31)
        ).prefetch_related("derogations")
    )
    par_commune: dict[int, list[Adhesion]] = defaultdict(list)
    for adhesion in audits:
        par_commune[adhesion.commune_id].append(adhesion)
    return par_commune, prix_audits_retenus(audits) if audits else {}


def _inventaires(annee: int) -> list[InventaireMembre]:
    """A1–A3 by member: the members with an audit or an inventory, their figures counted by
    subqueries (one query whatever the number of members)."""
    fin = date(annee, 12, 31)
    communes = (
        Commune.objects.filter(
            Exists(Audit.objects.filter(commune=OuterRef("pk")))
            | Exists(Bien.objects.filter(commune=OuterRef("pk")))
            | Exists(Contrat.objects.filter(commune=OuterRef("pk")))
        )
        .annotate(
            n_audits=compte(Audit.objects.filter(livre_le__year=annee), "commune"),
            n_biens=compte(Bien.objects.all(), "commune"),
            n_contrats=compte(Contrat.objects.all(), "commune"),
            n_biens_transferes=compte(
                TransfertBien.objects.filter(transfere_le__lte=fin), "bien__commune"
            ),
            n_contrats_portes=compte(
                TransfertContrat.objects.filter(
                    le__lte=fin, sort__in=TransfertContrat.Sort.portes_par_epci()
                ),
                "contrat__commune",
            ),
        )
        .order_by("nom")
        .values_list(
            "nom", "n_audits", "n_biens", "n_contrats", "n_biens_transferes", "n_contrats_portes"
        )
    )
    return [InventaireMembre(*valeurs) for valeurs in communes]


def _litiges(annee: int) -> list[Litige]:
    """Art. 2.5 — the disputes open on at least one day of N, with their steps (two queries)."""
    return list(
        Litige.objects.filter(ouvert_le__lte=date(annee, 12, 31))
        .filter(Q(clos_le__isnull=True) | Q(clos_le__gte=date(annee, 1, 1)))
        .select_related("commune", "titre")
        .prefetch_related("etapes")
        .order_by("ouvert_le", "pk")
    )


def bilan_annuel(annee: int) -> BilanAnnuel:
    """R1 — the bilan of year ``annee`` (see the module docstring for the sources)."""
    contribs = contributions(annee)
    audits, prix_audits = _audits_livres(annee)
    titres = _titres(annee)
    emis = _emis_par_commune(annee)
    niveau1 = bilan_niveau1(annee)
    groupements = _groupements(annee)

    # Communes billed for N without an adhesion in force in N are listed too (never dropped).
    autres_ids = ({t.titre.commune_id for t in titres} | set(audits)) - set(contribs)
    autres = {c.pk: c for c in Commune.objects.filter(pk__in=autres_ids)} if autres_ids else {}

    membres: dict[int, MembreBilan] = {}
    for pk, contribution in contribs.items():
        membres[pk] = MembreBilan(commune=contribution.commune, contribution=contribution)
    for pk, commune in autres.items():
        membres[pk] = MembreBilan(commune=commune, contribution=None)

    for pk, adhesions in audits.items():
        prix = [prix_audits.get(a.pk) for a in adhesions]
        membre = membres[pk]
        membre.audit_bloque = any(p is None for p in prix)
        membre.audit_estime = sum((p for p in prix if p is not None), ZERO)
    for titre in titres:
        membres[titre.titre.commune_id].titres.append(titre)
    for pk, montants in emis.items():
        for (origine, code), montant in montants.items():
            if origine in NATURES_CONTRIBUTION:
                membres[pk].emis_par_code[code] = (
                    membres[pk].emis_par_code.get(code, ZERO) + montant
                )
            else:
                membres[pk].autres_emis += montant
    for solde in niveau1.soldes:
        if solde.commune.pk in membres:
            membres[solde.commune.pk].solde_niveau1 = solde
    for groupement in groupements:
        for membre_g in groupement.membres:
            if membre_g.commune_id in membres and membre_g.retire_le is None:
                noms = membres[membre_g.commune_id].groupements
                if groupement.groupement.objet not in noms:
                    noms.append(groupement.groupement.objet)

    return BilanAnnuel(
        annee=annee,
        membres=sorted(membres.values(), key=lambda m: (m.commune.nom, m.commune.pk)),
        campagnes=list(
            Campagne.objects.filter(annee=annee)
            .prefetch_related("bordereaux")
            .order_by("lancee_le")
        ),
        titres=titres,
        niveau1=niveau1,
        groupements=groupements,
        contributions=contribs,
        inventaires=_inventaires(annee),
        litiges=_litiges(annee),
        recouvrement=recouvrement_restes.totaux(
            recouvrement_restes.restes(
                titres=TitreDeRecettes.objects.filter(annee_des_titres(annee))
            )
        ),
    )
