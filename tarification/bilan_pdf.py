"""The bilan annuel as a PDF (R1, R2; art. 6.2), in the titres' visual family.

It reuses the titres' WeasyPrint machinery (``tarification/pdf.py``): the same per-thread
``FontConfiguration``, the same restricted fetcher (only files of ``static/``) and the titres'
parsed stylesheet (fonts "Titre Sans", colours, header and footer), completed by the
``html.bilan-pdf`` rules of ``static/css/bilan.css``, parsed once per thread too. Charts are the
page's server-side SVG (``servicecommun/graphiques.py``), each followed by its data as a table.
"""

from __future__ import annotations

import threading

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.pdf.metadata import DocumentMetadata

from tarification import bilan as module_bilan
from tarification import pdf
from tarification.models import Emetteur

FEUILLE = pdf.STATIQUE / "css" / "bilan.css"
GABARIT = "tarification/bilan_pdf.html"

_local = threading.local()


def _feuille() -> CSS:
    """bilan.css parsed once per thread, with the titres' fonts and fetcher."""
    moteur = pdf.moteur()
    if getattr(_local, "moteur", None) is not moteur:
        _local.moteur = moteur
        _local.css = CSS(
            filename=str(FEUILLE), font_config=moteur.fonts, url_fetcher=moteur.fetcher
        )
    return _local.css


def html_bilan(bilan: module_bilan.BilanAnnuel, emetteur: Emetteur | None) -> str:
    return render_to_string(
        GABARIT,
        {
            "bilan": bilan,
            "emetteur": emetteur,
            "edite_le": timezone.localdate(),
            "graphiques": module_bilan.graphiques(bilan),
            "paliers": sorted(module_bilan.PALIERS_ETP, key=lambda p: p.etp),
            "montant_etp": module_bilan.MONTANT_ETP,
        },
    )


def rendre_bilan(bilan: module_bilan.BilanAnnuel) -> bytes:
    moteur = pdf.moteur()
    emetteur = Emetteur.courant()
    document = HTML(
        string=html_bilan(bilan, emetteur),
        base_url=str(pdf.STATIQUE) + "/",
        url_fetcher=moteur.fetcher,
    ).render(stylesheets=[moteur.css, _feuille()], font_config=moteur.fonts)
    document.metadata = DocumentMetadata(
        title=f"Bilan annuel {bilan.annee} du service commun des systèmes d'information",
        authors=[emetteur.nom] if emetteur else [],
        description="Bilan annuel de la convention de service commun (art. 6.2 et 7)",
        lang="fr",
    )
    return document.write_pdf()
