"""The bilan annuel as a PDF (R1, R2; art. 6.2), in the titres' visual family.

Rendered by the one engine (``outils/pdf.py``) with the titres' stylesheet (fonts "Titre
Sans", colours, header and footer), completed by the ``html.bilan-pdf`` rules of
``static/css/bilan.css``. Charts are the
page's server-side SVG (``servicecommun/graphiques.py``), each followed by its data as a table.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.pdf.metadata import DocumentMetadata

from outils.pdf import moteur
from pilotage.bilan import BilanAnnuel
from pilotage.cible import MONTANT_ETP, PALIERS_ETP
from pilotage.graphiques import graphiques
from tarification.models import Emetteur

GABARIT = "pilotage/bilan_pdf.html"


def html_bilan(bilan: BilanAnnuel, emetteur: Emetteur | None) -> str:
    return render_to_string(
        GABARIT,
        {
            "bilan": bilan,
            "emetteur": emetteur,
            "edite_le": timezone.localdate(),
            "graphiques": graphiques(bilan),
            "paliers": sorted(PALIERS_ETP, key=lambda p: p.etp),
            "montant_etp": MONTANT_ETP,
        },
    )


def rendre_bilan(bilan: BilanAnnuel) -> bytes:
    emetteur = Emetteur.courant()
    # The titres' stylesheet (fonts, colours, header and footer) completed by bilan.css.
    document = moteur().document(html_bilan(bilan, emetteur), ["titre.css", "bilan.css"])
    document.metadata = DocumentMetadata(
        title=f"Bilan annuel {bilan.annee} du service commun des systèmes d'information",
        authors=[emetteur.nom] if emetteur else [],
        description="Bilan annuel de la convention de service commun (art. 6.2 et 7)",
        lang="fr",
    )
    return document.write_pdf()
