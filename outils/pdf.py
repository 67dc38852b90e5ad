"""The one WeasyPrint engine of every PDF (titres, bilan, lettres de mission, récapitulatifs).

Speed and memory (measured here, ecosystem notes): one ``FontConfiguration``, one restricted
fetcher and each parsed stylesheet are kept per thread and reused for every document. Without
a reused ``FontConfiguration`` WeasyPrint sets up fontconfig again for each document (slower)
and memory grows by about 0.27 MiB per document without bound.

Resources come only from the project's ``static/`` folder, through ``FetcherStatique``: nothing
from the network or elsewhere on disk, and a missing resource stops the rendering instead of
silently giving a PDF with another font. The fonts (DejaVu Sans subset to the Latin scripts by
``scripts/polices.sh``: WeasyPrint subsets embedded fonts again for every PDF, which cost most of
a titre's time with the full font) are shipped in ``static/fonts``.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIQUE = Path(settings.BASE_DIR) / "static"


class RessourceRefusee(FatalURLFetchingError):
    """A resource outside static/ (or missing): the rendering stops."""


class FetcherStatique(URLFetcher):
    """Only files of the project's static folder; anything else (http, data, other paths) or a
    missing file stops the rendering, rather than giving a PDF with a missing font."""

    def __init__(self, racine: Path = STATIQUE):
        super().__init__(allowed_protocols=["file"])
        self.racine = racine.resolve()
        self._cache: dict[str, tuple[bytes, str]] = {}

    def fetch(self, url, headers=None):
        if url not in self._cache:
            if not url.startswith("file:"):
                raise RessourceRefusee(f"Ressource refusée (hors de static/) : {url}")
            chemin = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not chemin.is_relative_to(self.racine) or not chemin.is_file():
                raise RessourceRefusee(f"Ressource refusée ou introuvable : {url}")
            type_mime = mimetypes.guess_type(chemin.name)[0] or "application/octet-stream"
            self._cache[url] = (chemin.read_bytes(), type_mime)
        contenu, type_mime = self._cache[url]
        return URLFetcherResponse(url, body=contenu, headers={"Content-Type": type_mime})


class Moteur:
    """One font configuration and one fetcher, and each stylesheet of ``static/css`` parsed
    once, reused for every document of the thread."""

    def __init__(self):
        self.fetcher = FetcherStatique()
        self.fonts = FontConfiguration()
        self._feuilles: dict[str, CSS] = {}

    def feuille(self, nom: str) -> CSS:
        """The parsed stylesheet ``static/css/<nom>``."""
        if nom not in self._feuilles:
            self._feuilles[nom] = CSS(
                filename=str(STATIQUE / "css" / nom),
                font_config=self.fonts,
                url_fetcher=self.fetcher,
            )
        return self._feuilles[nom]

    def document(self, html: str, feuilles: Sequence[str]):
        """``html`` laid out with the stylesheets named ``feuilles`` (a WeasyPrint document:
        ``.pages``, ``.metadata``, ``.write_pdf()``)."""
        return HTML(string=html, base_url=str(STATIQUE) + "/", url_fetcher=self.fetcher).render(
            stylesheets=[self.feuille(nom) for nom in feuilles], font_config=self.fonts
        )


_local = threading.local()


def moteur() -> Moteur:
    """This thread's engine (created at its first document)."""
    if not hasattr(_local, "moteur"):
        _local.moteur = Moteur()
    return _local.moteur
