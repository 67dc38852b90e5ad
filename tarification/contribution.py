"""The contribution of real members for a year, read from the database and priced by the pure
calculator (``tarification/calcul.py``).

Each fact handed to the calculator serves one rule of ``docs/regles.md``:

- the grid (barème): the version in force on 1 January of year N prices year N; an audit is
  priced by the version in force on its report's delivery date (decision "Tariff grid").
  No version in force on 1 January N → blocking anomaly ``bareme_manquant``;
- ``population``: the commune's population record for year N, with its vintage (P1). A missing
  record is the calculator's blocking anomaly; another year's figure is never used;
- ``socle_complet`` / ``groupement``: a formula in force on at least one day of N (T8, no
  prorata): socle complet (T1), groupement or socle annexe complet (T3, T7); both true in the
  same year (change of choice mid-year) → groupement exempted (T4, done by the calculator);
- ``date_effet_socle``: date d'effet of the socle complet adhesion in force in N (T5: first year);
- ``audit``: the audit adhesion delivered just before the socle complet, at its billed amount
  (``prix_audit_retenu``), for the T5 deduction;
- ``demi_journees``, ``demi_journees_diagnostic``, ``saisies_volume``: niveau 1 half-days of
  year N from the missions (T6, ``missions/volume.py``): a socle complet member's entries each
  with its place in the year's shared pool (by intervention date, then entry order, computed by
  the database over all members), and apart the half-days of diagnostic missions done while
  the member had no socle complet (art. 4.1 (*), billed from the first);
- ``service_informatique`` and ``revue``: from the Commune (M6);
- ``derogations``: the TarifDerogatoire rows of the adhésions in force in N (M6).

``contributions(annee)`` runs a fixed number of queries whatever the number of communes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from membres.models import Adhesion, Commune, Formule, Population, TarifDerogatoire
from missions.volume import (
    demi_journees_du_volume,
    demi_journees_par_commune_qs,
    saisies_du_volume_qs,
)
from outils import flux
from tarification import calcul
from tarification.deja_facture import audits_emis_nets, titres_audit_emis
from tarification.models import VersionBareme

__all__ = [
    "Contribution",
    "Grilles",
    "VolumeAnnuel",
    "contribution",
    "contributions",
    "etat_du_volume",
    "parcourir_contributions",
    "prix_audit_retenu",
    "prix_audits_retenus",
    "prix_audit",
]


@dataclass(frozen=True)
class Contribution:
    commune: Commune
    annee: int
    grille: calcul.Grille | None  # None: no grid version in force on 1 January (blocking)
    faits: calcul.Faits | None
    resultat: calcul.Resultat  # lines + anomalies (+ total / bloque)
    adhesions: tuple[Adhesion, ...]  # the adhésions in force during the year (T8)


# ---------------------------------------------------------------------------------------------
# Grid versions: loaded once (a handful of rows), chosen by date in Python
# ---------------------------------------------------------------------------------------------


class Grilles:
    """Every grid version with its lines (two queries), and the calculator's Grille of each."""

    def __init__(self, versions: Iterable[VersionBareme] | None = None):
        if versions is None:
            versions = VersionBareme.objects.prefetch_related("lignes")
        self.versions = list(versions)
        self._grilles: dict[int, calcul.Grille] = {}

    def le(self, jour: date) -> calcul.Grille | None:
        """The grid in force on ``jour`` (versions never overlap: at most one)."""
        for version in self.versions:
            if version.debut <= jour and (version.fin is None or jour <= version.fin):
                if version.pk not in self._grilles:
                    self._grilles[version.pk] = version.grille(list(version.lignes.all()))
                return self._grilles[version.pk]
        return None


def _anomalie_bareme(jour: date, objet: str) -> calcul.Anomalie:
    return calcul.Anomalie(
        "bareme_manquant",
        f"Aucune version du barème n'est en vigueur le {jour:%d/%m/%Y} : {objet} ne peut être "
        "calculé(e) ; complétez le barème dans l'administration.",
    )


ZERO = calcul.ZERO
_NATURES = dict(Population.Nature.choices)  # get_nature_display() rebuilds it on each call


def _population_retenue(population: Population | None) -> calcul.PopulationRetenue | None:
    if population is None:
        return None
    return calcul.PopulationRetenue(
        valeur=population.valeur,
        millesime=population.millesime,
        nature=str(_NATURES.get(population.nature, population.nature)),
    )


def _derogation(ligne) -> calcul.TarifDerogatoire:
    return calcul.TarifDerogatoire(
        montant=ligne.montant, jours=ligne.jours, base_legale=ligne.base_legale
    )


# ---------------------------------------------------------------------------------------------
# T2 — the audit, priced at delivery
# ---------------------------------------------------------------------------------------------


def _prix_audit(
    adhesion: Adhesion, grilles: Grilles, population: Population | None
) -> calcul.Resultat:
    """Shared by ``prix_audit`` and the bulk path: ``population`` is the commune's record for
    the delivery year, the adhesion's derogations are read from its (prefetched) rows."""
    livre_le = adhesion.audit_livre_le
    if livre_le is None:
        return calcul.Resultat(
            (),
            (
                calcul.Anomalie(
                    "audit_non_livre",
                    "Audit : le rapport n'est pas livré ; l'audit se facture à la livraison (T2).",
                ),
            ),
        )
    grille = grilles.le(livre_le)
    if grille is None:
        return calcul.Resultat((), (_anomalie_bareme(livre_le, "le prix de l'audit"),))
    derogation = next(
        (_derogation(d) for d in _derogations(adhesion) if d.service == calcul.Service.AUDIT.value),
        None,
    )
    return calcul.calculer_audit(grille, _population_retenue(population), derogation)


def prix_audit(adhesion: Adhesion) -> calcul.Resultat:
    """T2 — the audit of ``adhesion``, priced with the grid in force on its report's delivery
    date and the population in force that date's year (P1), with its tarif dérogatoire if any
    (M6). Blocking anomalies instead of a price when the report is not delivered, no grid is in
    force that day, the population is missing, or a tarif dérogatoire is needed."""
    population = None
    if adhesion.audit_livre_le is not None:
        population = Population.objects.filter(
            commune_id=adhesion.commune_id, annee=adhesion.audit_livre_le.year
        ).first()
    return _prix_audit(adhesion, Grilles(), population)


def prix_audits_retenus(
    adhesions: Iterable[Adhesion], *, grilles: Grilles | None = None
) -> dict[int, Decimal | None]:
    """T5 — the audit of each adhesion AS BILLED, net of any réduction, keyed by adhesion id;
    ``None`` when it cannot be priced. A fixed number of queries whatever the number.

    This is the ONE place that says what "the audit as billed" is: the issued audit titre net
    of its réductions and annulations (one query); for an audit whose titre is not issued yet,
    the grid price at delivery (``prix_audit``; ``grilles`` reuses grid versions already loaded).
    """
    adhesions = [a for a in adhesions if a.audit_livre_le is not None]
    if not adhesions:
        return {}
    factures = audits_emis_nets([a.pk for a in adhesions])
    adhesions = [a for a in adhesions if a.pk not in factures]
    if not adhesions:
        return dict(factures)
    grilles = grilles or Grilles()
    paires = {(a.commune_id, a.audit_livre_le.year) for a in adhesions}
    populations = {
        (p.commune_id, p.annee): p
        for p in Population.objects.filter(
            commune_id__in={c for c, _ in paires}, annee__in={a for _, a in paires}
        )
    }
    montants: dict[int, Decimal | None] = dict(factures)
    for adhesion in adhesions:
        population = populations.get((adhesion.commune_id, adhesion.audit_livre_le.year))
        montants[adhesion.pk] = _montant_audit(adhesion, factures, grilles, population)
    return montants


def _montant_audit(
    adhesion: Adhesion,
    factures: dict[int, Decimal],
    grilles: Grilles,
    population: Population | None,
) -> Decimal | None:
    """T5 — the audit as billed: its issued titre net of corrections (``factures``, by
    adhesion id), else its grid price at delivery; ``None`` when it cannot be priced."""
    if adhesion.pk in factures:
        return factures[adhesion.pk]
    return _prix_audit(adhesion, grilles, population).total


def prix_audit_retenu(adhesion: Adhesion) -> Decimal | None:
    """T5 — the audit of one adhesion as billed (see ``prix_audits_retenus``)."""
    return prix_audits_retenus([adhesion]).get(adhesion.pk)


# ---------------------------------------------------------------------------------------------
# Annual contribution of real members
# ---------------------------------------------------------------------------------------------


def _audit_avant(audits: list[Adhesion], socle: Adhesion) -> Adhesion | None:
    """T5 — the audit adhesion just before the socle complet: the latest delivered audit
    adhesion that started before the socle complet's date d'effet."""
    candidates = [a for a in audits if a.pk != socle.pk and a.date_effet < socle.date_effet]
    return max(candidates, key=lambda a: (a.date_effet, a.audit_livre_le), default=None)


def _faits_et_resultat(
    commune: Commune,
    annee: int,
    grille: calcul.Grille | None,
    adhesions: tuple[Adhesion, ...],
    population: Population | None,
    audit: Adhesion | None,
    montant_audit: Decimal | None,
    demi_journees: tuple[int, int, tuple[calcul.SaisieVolume, ...]],
) -> tuple[calcul.Faits, calcul.Resultat]:
    """``demi_journees``: the member's ordinary half-days, its diagnostic half-days done without
    socle complet, and its entries in the shared pool (see ``missions/volume.py``)."""
    en_force = sorted(adhesions, key=lambda a: a.date_effet)
    socles = [a for a in en_force if a.formule == Formule.SOCLE_COMPLET]
    socle = socles[0] if socles else None  # earliest: a socle already running on 1 January wins
    groupement = any(a.formule in Formule.avec_groupement() for a in en_force)

    # M6 — tarifs dérogatoires of the adhésions in force (a later adhesion's row wins).
    derogations = {
        calcul.Service(d.service): _derogation(d) for a in en_force for d in _derogations(a)
    }
    revue = (
        calcul.Revue(date=commune.revue_date, conclusion=commune.revue_conclusion)
        if commune.revue_date
        else None
    )
    audit_facture = None
    anomalies: list[calcul.Anomalie] = []
    if socle is not None and audit is not None:
        if montant_audit is not None:
            audit_facture = calcul.AuditFacture(
                livre_le=audit.audit_livre_le, montant=montant_audit
            )
        elif calcul.deduction_audit_due(annee, socle.date_effet, audit.audit_livre_le):
            # T5 applies this year but the audit's price is unknown: the socle complet line
            # would be wrong by the deduction, so billing is blocked until it is fixed.
            anomalies.append(
                calcul.Anomalie(
                    "audit_non_tarife",
                    f"Déduction de l'audit (T5) : le prix de l'audit livré le "
                    f"{audit.audit_livre_le:%d/%m/%Y} ne peut être établi (population, barème "
                    "ou tarif dérogatoire manquant à cette date).",
                )
            )

    anomalies += anomalies_des_adhesions(en_force, annee)

    ordinaires, diagnostic, saisies = demi_journees
    if socle is not None:
        # A socle complet member's half-days are its entries in the pool, read by the same
        # statement that places them (another statement could see a later entry).
        ordinaires = sum(s.demi_journees for s in saisies)
    faits = calcul.Faits(
        annee=annee,
        population=_population_retenue(population),
        socle_complet=socle is not None,
        groupement=groupement,
        date_effet_socle=socle.date_effet if socle else None,
        audit=audit_facture,
        demi_journees=ordinaires,
        demi_journees_diagnostic=diagnostic,
        saisies_volume=saisies if socle is not None else None,
        service_informatique=commune.service_informatique,
        revue=revue,
        derogations=derogations,
    )
    if grille is None:
        resultat = calcul.Resultat(
            (), (_anomalie_bareme(date(annee, 1, 1), f"la contribution {annee}"),)
        )
    else:
        resultat = calcul.calculer_contribution(grille, faits)
    if anomalies:
        resultat = calcul.Resultat(resultat.lignes, resultat.anomalies + tuple(anomalies))
    return faits, resultat


# T8: below this many days in force in a year, the finance officer is told that the whole year
# is due all the same (Decision: a month).
JOURS_AVERTISSEMENT_T8 = 31


def anomalies_des_adhesions(adhesions, annee: int) -> list[calcul.Anomalie]:
    """M2 — an adhesion not signed by both parties, or in force before its signatures or
    délibération (unless a retroactive effect was agreed), blocks billing; T8 — warnings when
    the whole year ``annee`` is due for a few days, or because of a résiliation's last day."""
    anomalies = [
        calcul.Anomalie("adhesion_non_signee", message)
        for a in adhesions
        if (message := a.anomalie_signature())
    ]
    jours = sum(a.jours_en_vigueur(annee) for a in adhesions)
    resiliee = next(
        (
            a
            for a in adhesions
            if a.motif_fin == Adhesion.MotifFin.RESILIATION
            and a.dernier_jour
            and a.dernier_jour.year == annee
            and a.dernier_jour < date(annee, 12, 31)
        ),
        None,
    )
    if resiliee is not None:
        notifiee = (
            f"notifiée le {resiliee.resiliation_notifiee_le:%d/%m/%Y}"
            if resiliee.resiliation_notifiee_le
            else "convenue par écrit"
        )
        conseil = (
            f" Notifiée au plus tard le 01/01/{annee - 1}, elle aurait pris fin le "
            f"31/12/{annee - 1}."
            if resiliee.resiliation_notifiee_le
            else ""
        )
        anomalies.append(
            calcul.Anomalie(
                "annee_due_resiliation",
                f"La résiliation {notifiee} prend fin le {resiliee.dernier_jour:%d/%m/%Y} : "
                f"l'année {annee} est due en entier pour {jours} jour"
                f"{'s' if jours > 1 else ''} d'adhésion (T8, pas de prorata).{conseil}",
                bloquante=False,
            )
        )
    elif 0 < jours < JOURS_AVERTISSEMENT_T8:
        anomalies.append(
            calcul.Anomalie(
                "annee_due_peu_de_jours",
                f"En vigueur {jours} jour{'s' if jours > 1 else ''} seulement en {annee} : "
                f"la contribution {annee} est due pour l'année entière (T8, pas de prorata).",
                bloquante=False,
            )
        )
    return anomalies


def _derogations(adhesion: Adhesion):
    """M6 — the adhesion's tarifs dérogatoires: those read with it by ``parcourir_contributions``
    (no query), else its own rows (prefetched or not)."""
    charges = getattr(adhesion, "_derogations", None)
    return charges if charges is not None else adhesion.derogations.all()


def _avec_derogations(adhesions: list[Adhesion], derogations: list) -> list[Adhesion]:
    par_adhesion: dict[int, list] = {}
    for derogation in derogations:
        par_adhesion.setdefault(derogation.adhesion_id, []).append(derogation)
    for adhesion in adhesions:
        adhesion._derogations = par_adhesion.get(adhesion.pk, [])
    return adhesions


def _derogations_de(adhesions: QuerySet) -> QuerySet:
    """The tarifs dérogatoires of ``adhesions`` (a subquery), in commune order."""
    return (
        TarifDerogatoire.objects.filter(adhesion__in=adhesions.values("pk"))
        .annotate(commune_id=F("adhesion__commune_id"))
        .order_by("adhesion__commune_id", "pk")
    )


def _perimetre(annee: int, communes) -> tuple[QuerySet[Commune], list[int] | None]:
    """The communes to price, and their ids when the caller named them (else ``None``)."""
    if communes is None:
        qs = Commune.objects.filter(
            Exists(Adhesion.objects.pour_annee(annee).filter(commune=OuterRef("pk")))
        )
        ids = None
    elif isinstance(communes, QuerySet):
        qs = Commune.objects.filter(pk__in=communes.values("pk"))
        ids = None
    else:
        ids = sorted({c.pk if isinstance(c, Commune) else c for c in communes})
        qs = Commune.objects.filter(pk__in=ids)
    return qs.order_by("pk"), ids


def parcourir_contributions(annee: int, communes=None) -> Iterator[Contribution]:
    """The contribution of year ``annee`` of each commune, one at a time, in commune id order.

    ``communes``: an optional queryset or iterable of communes (or ids); by default every
    commune with an adhesion in force on at least one day of the year (T8).

    A fixed number of queries whatever the number of communes, and a memory that does not grow
    with it: the grid (two queries), then one stream per kind of row, each read by subquery on
    the same commune filter and ordered by commune id (``servicecommun/flux.py``): communes,
    their populations (of the year, and of the years their audits were delivered), their
    adhésions of the year and those adhésions' derogations, their delivered audits and those
    audits' derogations, their missions' half-days, their issued audit titres. Each commune is
    priced from its own rows as the streams go past it.
    """
    debut, fin = date(annee, 1, 1), date(annee, 12, 31)
    qs, ids = _perimetre(annee, communes)
    # The related rows are read on the same commune filter: the members' queryset as a
    # subquery, or the few ids a page names.
    perimetre = qs.values("pk") if ids is None else ids
    grilles = Grilles()
    grille = grilles.le(debut)

    adhesions = Adhesion.objects.pour_annee(annee).filter(commune__in=perimetre)
    audits = Adhesion.objects.filter(
        audit_livre_le__isnull=False, date_effet__lte=fin, commune__in=perimetre
    )
    populations = Population.objects.filter(commune__in=perimetre).filter(
        Q(annee=annee)
        | Exists(
            audits.filter(commune=OuterRef("commune_id"), audit_livre_le__year=OuterRef("annee"))
        )
    )
    # A few communes named by the caller (a portal page, one commune's bilan): plain reads;
    # the campaign's queryset of members: server-side cursors.
    lire = flux.lire if ids is None else flux.lister
    flux_communes = lire(qs)
    f_populations = flux.Flux(lire(populations.order_by("commune_id")))
    f_adhesions = flux.Flux(lire(adhesions.order_by("commune_id", "date_effet", "pk")))
    f_derogations = flux.Flux(lire(_derogations_de(adhesions)))
    f_audits = flux.Flux(lire(audits.order_by("commune_id", "date_effet", "pk")))
    f_derogations_audits = flux.Flux(lire(_derogations_de(audits)))
    f_demi_journees = flux.Flux(
        lire(demi_journees_par_commune_qs(annee, perimetre)), lambda ligne: ligne[0]
    )
    # The pool's entries are placed among ALL members' entries; named communes keep theirs only,
    # a queryset of members reads them all (the stream skips the communes not priced).
    f_saisies = flux.Flux(lire(saisies_du_volume_qs(annee, ids)), lambda ligne: ligne[0])
    f_titres_audit = flux.Flux(
        lire(
            titres_audit_emis(commune__in=perimetre)
            .order_by("commune_id")
            .values_list("commune_id", "adhesion_id", "total", "corrige_de", "mandats")
        ),
        lambda ligne: ligne[0],
    )

    for commune in flux_communes:
        pk = commune.pk
        population = {p.annee: p for p in f_populations.pour(pk)}
        en_force = tuple(_avec_derogations(f_adhesions.pour(pk), f_derogations.pour(pk)))
        livres = _avec_derogations(f_audits.pour(pk), f_derogations_audits.pour(pk))
        comptes = f_demi_journees.pour(pk)
        saisies = tuple(
            calcul.SaisieVolume(demi_journees=n, avant=avant or 0, le=le)
            for _, le, n, avant in f_saisies.pour(pk)
        )
        demi_journees = (
            sum(ligne[1] for ligne in comptes),
            sum(ligne[2] for ligne in comptes),
            saisies,
        )
        factures: dict[int, Decimal] = {}
        for _, adhesion_id, total, corrige_de, mandats in f_titres_audit.pour(pk):
            factures[adhesion_id] = factures.get(adhesion_id, ZERO) + total + corrige_de - mandats

        # T5 — the audit to deduct, for a socle complet adhesion whose first year is N, at its
        # price as billed (the issued titre net of its corrections, else the grid price).
        socle = next((a for a in en_force if a.formule == Formule.SOCLE_COMPLET), None)
        audit = montant_audit = None
        if socle is not None and socle.date_effet.year == annee:
            audit = _audit_avant(livres, socle)
        if audit is not None:
            montant_audit = _montant_audit(
                audit, factures, grilles, population.get(audit.audit_livre_le.year)
            )

        faits, res = _faits_et_resultat(
            commune,
            annee,
            grille,
            en_force,
            population.get(annee),
            audit,
            montant_audit,
            demi_journees,
        )
        yield Contribution(
            commune=commune,
            annee=annee,
            grille=grille,
            faits=faits,
            resultat=res,
            adhesions=en_force,
        )


@dataclass(frozen=True)
class VolumeAnnuel:
    """T6 — the niveau 1 billing mode of year N and the use of its shared pool, as shown
    wherever niveau 1 is priced (missions page, preview, portal, simulator)."""

    annee: int
    mode: calcul.ModeNiveau1
    fondement: str
    jours: Decimal
    etat: calcul.EtatVolume

    @property
    def mode_libelle(self) -> str:
        return self.mode.libelle

    @property
    def volume_partage(self) -> bool:
        return self.mode is calcul.ModeNiveau1.VOLUME_PARTAGE


def etat_du_volume(annee: int, grille: calcul.Grille | None = None) -> VolumeAnnuel | None:
    """T6 — the mode and the pool's use of ``annee``: two queries (one with the ``grille`` in
    force on 1 January of ``annee``); ``None`` when no grid version is in force then."""
    if grille is not None:
        mode, fondement, jours = grille.mode_niveau1, grille.fondement_mode, grille.pool_jours
    else:
        version = (
            VersionBareme.objects.en_vigueur_le(date(annee, 1, 1))
            .values("mode_niveau1", "fondement_mode", "pool_jours")
            .first()
        )
        if version is None:
            return None
        mode = calcul.ModeNiveau1(version["mode_niveau1"])
        fondement, jours = version["fondement_mode"], version["pool_jours"]
    capacite = jours * calcul.DEMI_JOURNEES_PAR_JOUR
    return VolumeAnnuel(
        annee=annee,
        mode=mode,
        fondement=fondement,
        jours=jours,
        etat=calcul.EtatVolume(capacite, demi_journees_du_volume(annee)),
    )


def contributions(annee: int, communes=None) -> dict[int, Contribution]:
    """The contribution of year ``annee`` of each commune, keyed by commune id (see
    ``parcourir_contributions``, which does the work in a fixed number of queries)."""
    return {c.commune.pk: c for c in parcourir_contributions(annee, communes)}


def contribution(commune: Commune, annee: int) -> Contribution:
    """The contribution of one commune for ``annee`` (the same code path as ``contributions``)."""
    return contributions(annee, [commune])[commune.pk]
