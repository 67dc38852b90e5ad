"""B2 — the campaign preview as one JSON object: what ``campagne_titres --json`` prints and what
the stored preview keeps for its page (``ApercuMembre.donnees``), built in one place so that
both show the same figures.

    {"annee": 2026, "exercice": 2026, "budget": "Budget principal", "total": "400.00",
     "membres": [{"code_insee", "siret", "nom", "statut", "calcule", "deja_facture",
                  "a_emettre", "lignes": [{"code", "libelle", "base", "montant",
                                           "deja_facture", "ecart", "motif"}],
                  "anomalies": [...], "avertissements": [...]}]}

``statut`` is ``a_emettre``, ``bloque``, ``sans_titre`` or ``a_jour``; ``base`` is the French
text of the base de liquidation (now); amounts are strings (``tarification/titres/en_json.py``);
``calcule`` is ``null`` when the member is blocked (its lines are then not listed); ``total``
is what the run would issue now (titres and complements, less réductions and mandats). When
nothing is billed, the reason is the last ``avertissements`` entry.
"""

from __future__ import annotations

from tarification.campagne.apercu import BLOQUE, Apercu, MembreApercu
from tarification.models import Emetteur
from tarification.titres import en_json


def membre_en_json(membre: MembreApercu) -> dict:
    bloque = membre.statut == BLOQUE
    lignes = []
    if not bloque:
        lignes = [
            {
                "code": element.code,
                "libelle": element.libelle,
                "base": element.base,
                "montant": en_json.montant(element.calcule),
                "deja_facture": en_json.montant(element.deja_facture),
                "ecart": en_json.montant(element.ecart),
                "motif": membre.motif_element(element),
            }
            for element in membre.elements
        ]
    avertissements = list(membre.avertissements)
    if membre.motif and not bloque:
        avertissements.append(membre.motif)
    return {
        **en_json.debiteur(membre.commune),
        "statut": str(membre.statut),
        "calcule": en_json.montant(membre.calcule),
        "deja_facture": en_json.montant(membre.deja_facture),
        "a_emettre": en_json.montant(membre.a_emettre),
        "lignes": lignes,
        "anomalies": list(membre.anomalies),
        "avertissements": avertissements,
    }


def apercu_en_json(apercu: Apercu, *, budget: str | None = None) -> dict:
    """The whole preview; ``budget`` defaults to the issuer's."""
    if budget is None:
        emetteur = Emetteur.courant()
        budget = emetteur.budget if emetteur is not None else ""
    return {
        "annee": apercu.annee,
        "exercice": apercu.exercice,
        "budget": budget,
        "total": en_json.montant(apercu.total),
        "membres": [membre_en_json(membre) for membre in apercu.membres],
    }
