"""The bilan's charts (server-side SVG, ``outils/graphiques.py``): each with its text
alternative; the page and the PDF show the same data as a table next to it."""

from __future__ import annotations

from decimal import Decimal

from outils.formats import formater_euros, formater_quantite
from outils.graphiques import Barre, Serie, Seuil, barres_groupees, barres_horizontales
from pilotage.bilan import BilanAnnuel
from pilotage.cible import PALIERS_ETP
from pilotage.simulation import SimulationSocle

# =============================================================================================
# Charts (server-side SVG, servicecommun/graphiques.py): each with its text alternative; the
# page and the PDF show the same data as a table next to it.
# =============================================================================================


def _demi_journees(valeur: Decimal | int) -> str:
    return f"{formater_quantite(valeur)} demi-journées"


def _membres(valeur: Decimal | int) -> str:
    nombre = int(valeur)
    return f"{nombre} membre{'s' if nombre > 1 else ''}"


def graphique_cible(bilan: BilanAnnuel):
    """R2 — the year's contributions against the 1, 2 and 3 ETP steps."""
    barres = [Barre(c.libelle, c.montant) for c in bilan.couvertures]
    seuils = tuple(
        Seuil(f"{p.etp} ETP", p.montant) for p in sorted(PALIERS_ETP, key=lambda p: p.etp)
    )
    cible = bilan.cible
    return barres_horizontales(
        f"Contributions {bilan.annee} et cible de personnel : {cible.etp} ETP, "
        f"{formater_euros(cible.montant)}",
        barres,
        seuils=seuils,
        ident="graphique-cible",
    )


def graphique_formules(bilan: BilanAnnuel):
    return barres_horizontales(
        f"Membres {bilan.annee} par formule",
        [Barre(ligne.libelle, Decimal(ligne.nb_membres)) for ligne in bilan.membres_par_formule],
        formater=_membres,
        ident="graphique-formules",
    )


def graphique_prestations(bilan: BilanAnnuel):
    lignes = [ligne for ligne in bilan.prestations if ligne.estime or ligne.emis]
    series = [Serie("Estimé", tuple(ligne.estime for ligne in lignes))]
    if bilan.total_emis is not None:
        series.append(Serie("Émis (net)", tuple(ligne.emis for ligne in lignes)))
    return barres_groupees(
        f"Montants {bilan.annee} par prestation",
        [ligne.prestation.libelle for ligne in lignes],
        series,
        ident="graphique-prestations",
    )


def graphique_niveau1(bilan: BilanAnnuel):
    pool = bilan.niveau1.pool
    if pool is None:
        return None
    return barres_horizontales(
        f"Niveau 1 en {bilan.annee} : demi-journées et volume partagé",
        [
            Barre("Dans le volume, non facturées", pool.consommees),
            Barre("Socle complet, facturées", pool.au_dela),
            Barre("Hors volume (sans socle, diagnostic)", Decimal(pool.hors_socle)),
        ],
        seuils=(Seuil("Volume partagé", pool.demi_journees),),
        formater=_demi_journees,
        ident="graphique-niveau1",
    )


def graphique_simulation(simulation: SimulationSocle):
    seuils = [
        Seuil(f"cible actuelle {simulation.cible_avant.etp} ETP", simulation.cible_avant.montant)
    ]
    if simulation.cible_apres != simulation.cible_avant:
        seuils.append(
            Seuil(f"cible simulée {simulation.cible_apres.etp} ETP", simulation.cible_apres.montant)
        )
    return barres_horizontales(
        f"Simulation {simulation.annee} : contributions et cible de personnel",
        [
            Barre("Aujourd'hui", simulation.total_avant),
            Barre("Après les changements", simulation.total_apres),
        ],
        seuils=tuple(seuils),
        ident="graphique-simulation",
    )


def graphiques(bilan: BilanAnnuel) -> dict:
    """Every chart of the bilan, by name (for the page and the PDF)."""
    return {
        "cible": graphique_cible(bilan),
        "formules": graphique_formules(bilan),
        "prestations": graphique_prestations(bilan),
        "niveau1": graphique_niveau1(bilan),
    }
