"""The simulator: what a member would owe (the finance officer's ``simuler_contribution``
command and the public simulator page). It prices a hypothetical case (typed population,
chosen formula) with the grid read from the database, through the same calculator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from membres.models import Formule
from outils.formats import formater_quantite
from tarification import calcul
from tarification.contribution import Grilles, VolumeAnnuel, etat_du_volume

# The four formulas that can be simulated (M1): the adhesion's formula.
FORMULES_SIMULEES = tuple(Formule.values)

# The service whose bracket names the simulation ("tranche").
_SERVICE_PRINCIPAL = {
    Formule.SOCLE_COMPLET: calcul.Service.SOCLE_COMPLET,
    Formule.AUDIT: calcul.Service.AUDIT,
    Formule.GROUPEMENT: calcul.Service.GROUPEMENT,
    Formule.ANNEXE_COMPLET: calcul.Service.GROUPEMENT,
}


class BaremeManquant(ValueError):
    """No grid version in force on the date a simulation needs (French message)."""


@dataclass(frozen=True)
class Simulation:
    annee: int
    formule: str
    population: calcul.PopulationRetenue
    grille: calcul.Grille
    tranche: str
    resultat: calcul.Resultat
    volume: VolumeAnnuel | None = None  # T6: the year's mode and the pool's use, shown


def simuler(
    *,
    population: calcul.PopulationRetenue,
    formule: str,
    annee: int,
    audit_livre_le: date | None = None,
    date_effet: date | None = None,
    demi_journees: int = 0,
    grilles: Grilles | None = None,
) -> Simulation:
    """Price a hypothetical case with the grid of the database.

    - ``socle_complet``: the yearly socle complet (T1, M6) with, when ``audit_livre_le`` and
      ``date_effet`` are given, the deduction of an audit priced at the grid's audit price for
      this population, grid in force on the delivery date (T2, T5);
    - ``audit``: the audit alone (T2), grid in force on 1 January of ``annee``;
    - ``groupement``: the yearly groupement (T3);
    - ``annexe_complet``: first year of the socle annexe complet, audit + groupement (T7).
    Niveau 1 half-days (T6): for the socle complet, by the grid's mode — in *volume partagé*
    they are counted after the half-days already recorded this year by the socle complet
    members (as if recorded today), in *dotation individuelle* against the allowance; from the
    first for the other formulas. The mode and the pool's use are said (``volume``, and a
    remark when half-days are simulated).

    Raises ``BaremeManquant`` when no grid is in force on 1 January of ``annee`` (or on the
    delivery date), ``ValueError`` (French) on an inconsistent case.
    """
    formule = Formule(formule)
    if (audit_livre_le is None) != (date_effet is None):
        raise ValueError(
            "La livraison de l'audit et la date d'effet du socle complet vont ensemble."
        )
    if audit_livre_le is not None and formule != Formule.SOCLE_COMPLET:
        raise ValueError("La déduction de l'audit ne concerne que le socle complet.")
    grilles = grilles or Grilles()
    grille = grilles.le(date(annee, 1, 1))
    if grille is None:
        raise BaremeManquant(f"Aucune version du barème n'est en vigueur au 1er janvier {annee}.")

    lignes: list[calcul.Ligne] = []
    anomalies: list[calcul.Anomalie] = []

    if formule in (Formule.AUDIT, Formule.ANNEXE_COMPLET):
        audit = calcul.calculer_audit(grille, population)  # T2 (T7: + groupement below)
        lignes += audit.lignes
        anomalies += audit.anomalies

    audit_facture = None
    if audit_livre_le is not None:
        grille_audit = grilles.le(audit_livre_le)
        if grille_audit is None:
            raise BaremeManquant(
                f"Aucune version du barème n'est en vigueur le {audit_livre_le:%d/%m/%Y} "
                "(livraison du rapport d'audit)."
            )
        audit = calcul.calculer_audit(grille_audit, population)
        if audit.total is not None:
            audit_facture = calcul.AuditFacture(livre_le=audit_livre_le, montant=audit.total)
        else:
            anomalies += [
                calcul.Anomalie(
                    a.code,
                    f"Déduction de l'audit (T5) impossible à chiffrer : {a.message}",
                    a.bloquante,
                )
                for a in audit.anomalies
            ]
        limite = calcul.fin_fenetre_t5(audit_livre_le)
        # Not errors: the calculator rightly deducts nothing; say why (non-blocking).
        if date_effet.year != annee:
            anomalies.append(
                calcul.Anomalie(
                    "deduction_audit_hors_premiere_annee",
                    f"Pas de déduction de l'audit en {annee} : elle ne porte que sur la première "
                    f"année du socle complet ({date_effet.year}, année de sa date d'effet) (T5).",
                    bloquante=False,
                )
            )
        elif date_effet > limite:
            anomalies.append(
                calcul.Anomalie(
                    "deduction_audit_hors_delai",
                    f"Pas de déduction de l'audit : date d'effet du {date_effet:%d/%m/%Y}, "
                    "au-delà des 6 mois suivant la livraison du rapport (jusqu'au "
                    f"{limite:%d/%m/%Y}) (T5).",
                    bloquante=False,
                )
            )

    socle_complet = formule == Formule.SOCLE_COMPLET
    volume = etat_du_volume(annee, grille)
    saisies = None
    if socle_complet:
        saisies = (
            (calcul.SaisieVolume(demi_journees, avant=volume.etat.utilisees),)
            if demi_journees
            else ()
        )
    if demi_journees:
        anomalies.append(_remarque_volume(volume, demi_journees, socle_complet))
    faits = calcul.Faits(
        annee=annee,
        population=population,
        socle_complet=socle_complet,
        groupement=formule in Formule.avec_groupement(),
        date_effet_socle=date_effet,
        audit=audit_facture,
        demi_journees=demi_journees,
        saisies_volume=saisies,
    )
    annuel = calcul.calculer_contribution(grille, faits)
    lignes += annuel.lignes
    anomalies += annuel.anomalies

    tranche = grille.ligne(_SERVICE_PRINCIPAL[formule], population.valeur).tranche.libelle
    return Simulation(
        annee=annee,
        formule=formule.value,
        population=population,
        grille=grille,
        tranche=tranche,
        resultat=calcul.Resultat(tuple(lignes), tuple(anomalies)),
        volume=volume,
    )


def _remarque_volume(volume: VolumeAnnuel, demi_journees: int, socle_complet: bool):
    """T6 — what the simulated half-days are priced against, in words (non-blocking)."""
    usage = (
        f"volume partagé {volume.annee} utilisé à {formater_quantite(volume.etat.utilisees)} "
        f"demi-journées sur {formater_quantite(volume.etat.capacite)} "
        f"({formater_quantite(volume.jours)} jours) par les membres du socle complet"
    )
    if not socle_complet:
        regle = "sans socle complet, les demi-journées sont facturées dès la première (art. 4.1)"
    elif volume.volume_partage:
        regle = (
            f"les {demi_journees} demi-journées simulées sont comptées après celles déjà "
            "saisies : seules celles au-delà du volume sont facturées"
        )
    else:
        regle = "chaque demi-journée au-delà de la dotation du membre est facturée"
    return calcul.Anomalie(
        "niveau1_mode",
        f"Niveau 1 en mode « {volume.mode_libelle} » (fixé par : {volume.fondement}) : "
        f"{usage} ; {regle} (T6).",
        bloquante=False,
    )
