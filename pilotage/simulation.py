"""R2 "what if": communes joining or leaving the socle complet in year N, priced again.

**Decision**: the simulation changes only the socle complet of the chosen communes for year N
and prices them again with the calculator, every other fact kept (population, other formulas,
niveau 1 half-days — which, without the socle complet, are billed from the first, T6). A
commune joining starts on 1 January N (no prorata, T8).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from membres.models import Commune, Formule
from pilotage.cible import Cible, Couverture, cible_etp
from tarification import calcul
from tarification.contribution import Contribution, contributions

ZERO = Decimal("0.00")

# =============================================================================================
# R2 — "what if": communes joining or leaving the socle complet
# =============================================================================================

REJOINT = "rejoint"
QUITTE = "quitte"


@dataclass(frozen=True)
class ChangementSimule:
    commune: Commune
    sens: str  # REJOINT or QUITTE
    avant: Decimal | None  # the yearly contribution as it is (None: blocked)
    apres: Decimal | None  # priced again by the calculator (None: blocked)
    anomalies: tuple[str, ...] = ()

    @property
    def sens_libelle(self) -> str:
        return "rejoint le socle complet" if self.sens == REJOINT else "quitte le socle complet"

    @property
    def ecart(self) -> Decimal | None:
        if self.avant is None or self.apres is None:
            return None
        return self.apres - self.avant


@dataclass(frozen=True)
class SimulationSocle:
    annee: int
    changements: tuple[ChangementSimule, ...]
    nb_membres_avant: int
    nb_membres_apres: int
    nb_socle_avant: int
    nb_socle_apres: int
    total_avant: Decimal
    total_apres: Decimal
    bloques_avant: int
    bloques_apres: int

    @property
    def cible_avant(self) -> Cible:
        return cible_etp(self.nb_socle_avant, nb_membres=self.nb_membres_avant)

    @property
    def cible_apres(self) -> Cible:
        return cible_etp(self.nb_socle_apres, nb_membres=self.nb_membres_apres)

    @property
    def couverture_avant(self) -> Couverture:
        return Couverture("Aujourd'hui", self.total_avant, self.cible_avant)

    @property
    def couverture_apres(self) -> Couverture:
        return Couverture("Après les changements", self.total_apres, self.cible_apres)


def _a_le_socle(contribution: Contribution) -> bool:
    return any(a.formule == Formule.SOCLE_COMPLET for a in contribution.adhesions)


def _reprixer(contribution: Contribution, *, socle_complet: bool) -> calcul.Resultat:
    """The same facts priced again with or without the socle complet (no other change)."""
    faits, grille = contribution.faits, contribution.grille
    if faits is None or grille is None:
        return contribution.resultat  # already blocked (no grid): stays blocked
    annee = contribution.annee
    if socle_complet:
        faits = dataclasses.replace(
            faits, socle_complet=True, date_effet_socle=faits.date_effet_socle or date(annee, 1, 1)
        )
    else:
        faits = dataclasses.replace(faits, socle_complet=False, date_effet_socle=None, audit=None)
    return calcul.calculer_contribution(grille, faits)


def simuler_socle(
    *,
    annee: int,
    rejoignent: Iterable[int] = (),
    quittent: Iterable[int] = (),
    contributions_annee: dict[int, Contribution] | None = None,
    audits: Decimal = ZERO,
    bloques: Iterable[int] = (),
) -> SimulationSocle:
    """R2 "what if": if the communes ``rejoignent`` (ids) had the socle complet in N and the
    communes ``quittent`` had not, what would N's contributions and the staffing target be?

    Each changed commune is priced again by the calculator with its own facts (population,
    other formulas, niveau 1 half-days, tarifs dérogatoires, review: M6 still blocks); the
    others keep their contribution. A commune that leaves and has no other formula in N is
    out of the service for N: it pays nothing and is no longer counted as a member. No audit
    deduction (T5) is simulated for a commune joining. ``audits`` (the audits of N that can be
    priced) is added to both totals; ``bloques`` are members left out of both totals for a
    reason the socle does not change (an audit of N that cannot be priced). ``ValueError``
    (French) when a commune is in both lists, already has the socle complet and "joins", or
    has not and "leaves".
    """
    rejoignent, quittent, bloques = set(rejoignent), set(quittent), set(bloques)
    if rejoignent & quittent:
        raise ValueError("Une commune ne peut à la fois rejoindre et quitter le socle complet.")
    contribs = dict(contributions(annee) if contributions_annee is None else contributions_annee)
    manquantes = [pk for pk in rejoignent if pk not in contribs]
    if manquantes:
        contribs.update(contributions(annee, manquantes))
    inconnues = (rejoignent | quittent) - set(contribs)
    if inconnues:
        raise ValueError("Commune inconnue dans la simulation.")

    for pk in rejoignent:
        if _a_le_socle(contribs[pk]):
            raise ValueError(f"{contribs[pk].commune.nom} a déjà le socle complet en {annee}.")
    for pk in quittent:
        if not _a_le_socle(contribs[pk]):
            raise ValueError(f"{contribs[pk].commune.nom} n'a pas le socle complet en {annee}.")

    changements = []
    membres_avant = socle_avant = membres_apres = socle_apres = 0
    total_avant = total_apres = audits
    bloques_avant = bloques_apres = 0
    for pk, contribution in contribs.items():
        membre_avant = bool(contribution.adhesions)
        resultat_avant = contribution.resultat
        if pk in rejoignent:
            resultat_apres = _reprixer(contribution, socle_complet=True)
            membre_apres, socle_ap = True, True
        elif pk in quittent:
            membre_apres = any(a.formule != Formule.SOCLE_COMPLET for a in contribution.adhesions)
            socle_ap = False
            resultat_apres = (
                _reprixer(contribution, socle_complet=False)
                if membre_apres
                else calcul.Resultat((), ())  # out of the service in N: nothing due
            )
        else:
            resultat_apres = resultat_avant
            membre_apres, socle_ap = membre_avant, _a_le_socle(contribution)
        if pk in rejoignent or pk in quittent:
            changements.append(
                ChangementSimule(
                    commune=contribution.commune,
                    sens=REJOINT if pk in rejoignent else QUITTE,
                    avant=resultat_avant.total if membre_avant else ZERO,
                    apres=resultat_apres.total,
                    anomalies=tuple(a.message for a in resultat_apres.anomalies if a.bloquante),
                )
            )
        if membre_avant:
            membres_avant += 1
            socle_avant += _a_le_socle(contribution)
            if resultat_avant.total is None or pk in bloques:
                bloques_avant += 1
            else:
                total_avant += resultat_avant.total
        if membre_apres:
            membres_apres += 1
            socle_apres += socle_ap
            if resultat_apres.total is None or pk in bloques:
                bloques_apres += 1
            else:
                total_apres += resultat_apres.total
    return SimulationSocle(
        annee=annee,
        changements=tuple(sorted(changements, key=lambda c: (c.sens, c.commune.nom))),
        nb_membres_avant=membres_avant,
        nb_membres_apres=membres_apres,
        nb_socle_avant=socle_avant,
        nb_socle_apres=socle_apres,
        total_avant=total_avant,
        total_apres=total_apres,
        bloques_avant=bloques_avant,
        bloques_apres=bloques_apres,
    )
