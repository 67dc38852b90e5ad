"""The lettre de mission as a PDF (WeasyPrint), in the visual family of the titres.

Rendered by the one engine of the project (``outils/pdf.py``: only files of ``static/``, the
titres' fonts, font configuration and stylesheets reused per thread).
"""

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from membres.models import Contact
from missions.dotations import bilan_niveau1
from missions.models import Mission
from outils.pdf import moteur
from tarification import calcul
from tarification.models import Emetteur


def _conditions(mission: Mission) -> dict:
    """Art. 3.2.2 and 7.1.1: what the mission costs the member, for the year it starts."""
    annee = mission.debut.year
    bilan = bilan_niveau1(annee, communes=[mission.commune_id])
    solde = bilan.solde(mission.commune_id)
    prix = bilan.prix_demi_journee
    conditions = {
        "annee": annee,
        "solde": solde,
        "prix": prix,
        "pool_jours": bilan.grille.pool_jours if bilan.grille else None,
        "estimation": None,
    }
    if bilan.grille is None or solde is None or solde.socle_complet or not mission.jours_prevus:
        return conditions
    # Without the socle complet every half-day is billed (T6): the calculator's line for the
    # half-days planned gives the estimate.
    prevues = mission.jours_prevus * calcul.DEMI_JOURNEES_PAR_JOUR
    if prevues == prevues.to_integral_value():
        resultat = calcul.calculer_contribution(
            bilan.grille,
            calcul.Faits(annee=annee, population=None, demi_journees=int(prevues)),
        )
        conditions["estimation"] = {
            "demi_journees": int(prevues),
            "montant": resultat.total or Decimal(0),
        }
    return conditions


def contexte_lettre(mission: Mission) -> dict:
    contacts = Contact.objects.filter(commune_id=mission.commune_id, etablissement__isnull=True)
    return {
        "mission": mission,
        "commune": mission.commune,
        "emetteur": Emetteur.courant(),
        "interlocuteurs_membre_par_defaut": [c for c in contacts if c.decideur or c.technique],
        "conditions": _conditions(mission),
        "edite_le": timezone.localdate(),
    }


def rendre_lettre_mission(mission: Mission, *, edite_le: date | None = None) -> bytes:
    contexte = contexte_lettre(mission)
    if edite_le:
        contexte["edite_le"] = edite_le
    html = render_to_string("missions/lettre_mission_pdf.html", contexte)
    return moteur().document(html, ["lettre_mission.css"]).write_pdf()
