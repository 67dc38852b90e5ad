"""The lettre de mission as a PDF (WeasyPrint), in the visual family of the titres.

Resources are read through the titres' restricted URL fetcher (``tarification.pdf``): only files
under the project's ``static/`` folder, nothing from the network or elsewhere on disk, and a
missing resource stops the rendering instead of silently producing a different document. The
fonts are the titres' (``static/fonts``, DejaVu Sans). One ``FontConfiguration`` and
one parsed stylesheet are reused per thread (see docs/ecosystem.md: memory stays flat and each
render is faster).
"""

import threading
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from membres.models import Contact
from missions.dotations import bilan_niveau1
from missions.models import Mission
from tarification import calcul
from tarification.models import Emetteur
from tarification.pdf import STATIQUE, FetcherStatique

FEUILLE = STATIQUE / "css" / "lettre_mission.css"


_local = threading.local()


def _moteur() -> tuple[FontConfiguration, CSS]:
    """One font configuration and one parsed stylesheet per thread, reused for every lettre."""
    if not hasattr(_local, "moteur"):
        polices = FontConfiguration()
        feuille = CSS(filename=str(FEUILLE), url_fetcher=FetcherStatique(), font_config=polices)
        _local.moteur = (polices, feuille)
    return _local.moteur


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
    polices, feuille = _moteur()
    document = HTML(string=html, base_url=str(STATIQUE) + "/", url_fetcher=FetcherStatique())
    return document.write_pdf(stylesheets=[feuille], font_config=polices)
