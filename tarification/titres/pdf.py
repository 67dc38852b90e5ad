"""The titre's PDF (B5), rendered with WeasyPrint from the titre's snapshot only.

Several workers (``db_worker`` processes, on PostgreSQL) render one bordereau together: each
claims ``LOT`` titres at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` (``rendre_bordereau``).

Rendered with the one engine of the project (``outils/pdf.py``: fonts, fetcher and stylesheet
reused per thread), one document per titre. A titre that runs over one page is laid out again, so that its pages say "page x / y". A titre with
an attached supplier invoice (refacturation, art. 2.3.4) is rendered as PDF/A-3b with the
invoice embedded as an attachment.

A PDF is stored once through the storage API under a new name (``Storage.save`` never
overwrites) and its reference written only after the whole file is stored; an issued titre's
PDF is never replaced (the model refuses it) and is served byte-identical afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import math
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import Attachment
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.urls import FatalURLFetchingError

from outils.pdf import moteur
from tarification.models import Bordereau, LigneTitre, TitreDeRecettes
from tarification.titres import pes
from tarification.titres.lettres import montant_en_lettres
from tarification.titres.notifications import notifier_titres_emis

logger = logging.getLogger(__name__)

FEUILLES = ["titre.css"]
GABARIT = "tarification/titre_pdf.html"
# Titres claimed together by a worker (one transaction): small enough that two workers
# finish a bordereau within seconds of each other.
LOT = 10


# ---------------------------------------------------------------------------------------------
# HTML from the snapshot
# ---------------------------------------------------------------------------------------------


def contexte_titre(titre: TitreDeRecettes, lignes: Sequence[LigneTitre]) -> dict:
    """Everything the template prints, read from the titre's own fields (its snapshot)."""
    corrige = titre.corrige
    return {
        "titre": titre,
        "lignes": lignes,
        "e": titre.emetteur,
        "numero_bordereau": titre.bordereau.numero if titre.bordereau_id else None,
        "total_lettres": montant_en_lettres(abs(titre.total)),
        "corrige": corrige,
        "adresse": [ligne for ligne in titre.debiteur_adresse.splitlines() if ligne.strip()],
    }


def html_titres(
    titres: Sequence[TitreDeRecettes], *, pagine: bool = False, lignes: dict | None = None
) -> str:
    """One HTML document laying out ``titres`` (lines prefetched, or given in ``lignes`` by
    titre pk), each from its own page."""
    return render_to_string(
        GABARIT,
        {
            "titres": [
                contexte_titre(t, lignes[t.pk] if lignes else list(t.lignes.all())) for t in titres
            ],
            "pagine": pagine,
        },
    )


def _metadonnees(titre: TitreDeRecettes) -> DocumentMetadata:
    return DocumentMetadata(
        title=f"Titre de recettes n° {titre.numero} — exercice {titre.exercice}",
        authors=[titre.emetteur.get("nom", "")],
        description=titre.objet,
        lang="fr",
        created=titre.cree_le.isoformat(timespec="seconds") if titre.cree_le else None,
    )


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _piece_jointe(titre: TitreDeRecettes) -> Attachment:
    with titre.piece_jointe.open("rb") as fichier:
        contenu = fichier.read()
    return Attachment(
        string=contenu,
        name=f"facture-acquittee-{titre.reference}.pdf",
        description="Copie de la facture acquittée du fournisseur (art. 2.3.4)",
        relationship="Supplement",
    )


def _rendre_seul(titre: TitreDeRecettes, lignes: dict | None = None) -> bytes:
    document = moteur().document(html_titres([titre], pagine=True, lignes=lignes), FEUILLES)
    document.metadata = _metadonnees(titre)
    if titre.piece_jointe:
        # Refacturation: the paid invoice is embedded (PDF/A-3 allows any attached file).
        return document.write_pdf(attachments=[_piece_jointe(titre)], pdf_variant="pdf/a-3b")
    return document.write_pdf()


def _rendre_un(titre: TitreDeRecettes, lignes: dict | None = None) -> bytes:
    """One titre, one document. A titre that runs over one page is laid out again with its
    pages numbered ("page x / y"); one with an attached invoice goes to ``_rendre_seul``."""
    if titre.piece_jointe:
        return _rendre_seul(titre, lignes)
    document = moteur().document(html_titres([titre], lignes=lignes), FEUILLES)
    if len(document.pages) > 1:
        return _rendre_seul(titre, lignes)
    document.metadata = _metadonnees(titre)
    return document.write_pdf()


def rendre(titres: Sequence[TitreDeRecettes], *, lignes: dict | None = None) -> dict[int, bytes]:
    """The PDF of each titre (lines, bordereau and corrected titre loaded, or ``lignes`` given
    by titre pk), keyed by pk: one document per titre, with the process's engine. Laying out
    titres together and writing one PDF per page was measured slower once the fonts were
    subset (bench_echelle: 275 against 264 ms per titre on 1,000 titres), so it was dropped."""
    return {titre.pk: _rendre_un(titre, lignes) for titre in titres}


def titres_a_rendre(pks: Iterable[int]):
    return (
        TitreDeRecettes.objects.filter(pk__in=list(pks))
        .select_related("bordereau", "corrige")
        .prefetch_related(Prefetch("lignes", queryset=LigneTitre.objects.order_by("ordre")))
        .order_by("numero")
    )


class EcriturePdfImpossible(Exception):
    """The storage refused a PDF (read-only, full, unreachable): recorded on the titre."""


def message_stockage(erreur: OSError) -> str:
    """A storage failure, in French, for the titre's incident and the pages."""
    cause = {
        errno.EROFS: "le stockage des fichiers est en lecture seule",
        errno.ENOSPC: "le disque du stockage des fichiers est plein",
        errno.EDQUOT: "le quota du stockage des fichiers est atteint",
        errno.EACCES: "le stockage des fichiers refuse l'écriture (droits)",
        errno.EPERM: "le stockage des fichiers refuse l'écriture (droits)",
    }.get(erreur.errno, "le stockage des fichiers est indisponible")
    return (
        f"Écriture du PDF impossible : {cause} ({erreur.strerror or erreur}). Aucun fichier "
        "n'a été gardé ; la production sera relancée."
    )


def enregistrer(titre: TitreDeRecettes, contenu: bytes) -> None:
    """Store the PDF under the titre's own name, then record it (set once: the model refuses
    a change). Called with the titre's row locked and its PDF not recorded: a file already
    under that name that no titre records is what an interrupted attempt left (its
    transaction rolled back), so it is replaced, and each titre ends with exactly one file. A storage failure leaves no
    partial file and raises ``EcriturePdfImpossible`` with the reason in French."""
    stockage = titre.pdf.storage
    nom = titre.pdf.field.generate_filename(titre, titre.nom_fichier_pdf())
    try:
        if stockage.exists(nom) and not TitreDeRecettes.objects.filter(pdf=nom).exists():
            stockage.delete(nom)
        enregistre = stockage.save(nom, ContentFile(contenu))
    except OSError as erreur:
        with contextlib.suppress(OSError):
            if stockage.exists(nom) and not TitreDeRecettes.objects.filter(pdf=nom).exists():
                stockage.delete(nom)
        raise EcriturePdfImpossible(message_stockage(erreur)) from erreur
    titre.pdf.name = enregistre
    titre.pdf_sha256 = hashlib.sha256(contenu).hexdigest()
    titre.pdf_genere_le = timezone.now()
    titre.save(update_fields=["pdf", "pdf_sha256", "pdf_genere_le"])


def _reserver_lot(bordereau_id: int) -> list[int]:
    """In the caller's transaction: lock up to ``LOT`` titres of the bordereau whose PDF is
    neither produced nor failed, skipping the rows another worker holds (PostgreSQL
    ``FOR UPDATE SKIP LOCKED``): each titre is rendered by one worker only, however many run.
    Only the titre rows are locked (their ids first, then the titres are read without lock)."""
    return list(
        TitreDeRecettes.objects.filter(bordereau_id=bordereau_id, pdf="", pdf_erreur="")
        .order_by("numero")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:LOT]
    )


def _rendre_lot(titres: list[TitreDeRecettes]) -> tuple[dict[int, bytes], dict[int, str]]:
    """The PDFs of a lot; if the lot fails, each titre is rendered alone so that one bad titre
    (a missing invoice…) does not hold back the others. Returns (PDFs, errors) by titre pk."""
    try:
        return rendre(titres), {}
    except (Exception, FatalURLFetchingError):  # noqa: BLE001 — retried one by one below
        logger.warning("Lot de %s titres en échec : rendu titre par titre", len(titres))
    pdfs, erreurs = {}, {}
    for titre in titres:
        try:
            pdfs.update(rendre([titre]))
        except (Exception, FatalURLFetchingError) as erreur:  # noqa: BLE001 — recorded
            logger.exception("PDF du titre %s", titre.pk)
            erreurs[titre.pk] = f"{type(erreur).__name__} : {erreur}"[:2000]
    return pdfs, erreurs


def _terminer(bordereau_id: int) -> bool:
    """Mark the bordereau's production as finished once no titre waits any more (rendered or
    failed, all committed). Several workers may call it: exactly one gets True."""
    en_attente = TitreDeRecettes.objects.filter(bordereau_id=OuterRef("pk"), pdf="", pdf_erreur="")
    return bool(
        Bordereau.objects.filter(pk=bordereau_id, pdf_fin__isnull=True)
        .exclude(Exists(en_attente))
        .update(pdf_fin=timezone.now())
    )


def rendre_bordereau(bordereau_id: int) -> tuple[int, bool]:
    """Render and store the missing PDFs of a bordereau, ``LOT`` titres at a time, keeping the
    progress on the bordereau row. Safe to run in several workers at once: each lot is claimed
    with a row lock held until its PDFs are stored (one transaction per lot), so the workers
    share the bordereau and none renders a titre twice. Returns the number of PDFs this
    worker produced and whether it was the one that finished the bordereau."""
    Bordereau.objects.filter(pk=bordereau_id, pdf_debut__isnull=True).update(
        pdf_debut=timezone.now()
    )
    produits = 0
    while True:
        with transaction.atomic():
            pks = _reserver_lot(bordereau_id)
            if not pks:
                break
            titres = list(titres_a_rendre(pks))
            pdfs, erreurs = _rendre_lot(titres)
            for titre in titres:
                if titre.pk in pdfs:
                    try:
                        enregistrer(titre, pdfs[titre.pk])
                    except EcriturePdfImpossible as erreur:
                        logger.error("PDF du titre %s : %s", titre.pk, erreur)
                        erreurs[titre.pk] = str(erreur)
                        del pdfs[titre.pk]
            for pk, message in erreurs.items():
                TitreDeRecettes.objects.filter(pk=pk).update(pdf_erreur=message)
            changements = {"pdf_rendus": F("pdf_rendus") + len(pdfs)}
            if erreurs:
                changements["pdf_echecs"] = F("pdf_echecs") + len(erreurs)
                changements["pdf_message"] = next(iter(erreurs.values()))
            Bordereau.objects.filter(pk=bordereau_id).update(**changements)
        produits += len(pdfs)
    return produits, _terminer(bordereau_id)


def relancer(bordereau: Bordereau) -> int:
    """Make a bordereau's missing PDFs (worker stopped, failure) due again: failed titres are
    retried. Returns how many remain; the caller enqueues the rendering."""
    with transaction.atomic():
        restants = TitreDeRecettes.objects.filter(bordereau=bordereau, pdf="")
        restants.exclude(pdf_erreur="").update(pdf_erreur="")
        nombre = restants.count()
        Bordereau.objects.filter(pk=bordereau.pk).update(
            pdf_attendus=F("pdf_rendus") + nombre, pdf_echecs=0, pdf_message="", pdf_fin=None
        )
    return nombre


# ---------------------------------------------------------------------------------------------
# The background task (Django's tasks framework; django-tasks-db's ``db_worker`` runs it)
# ---------------------------------------------------------------------------------------------


@task()
def rendre_pdfs_bordereau(bordereau_id: int) -> int:
    """Render and store missing PDFs of one bordereau, sharing the work with the other tasks
    enqueued for it (``planifier_rendu``); the task that finishes the bordereau then tells the
    debtors' contacts (once every PDF exists, so that the e-mail's link finds them). Returns
    how many PDFs this task produced. A re-run that produces nothing sends nothing."""
    produits, termine = rendre_bordereau(bordereau_id)
    bordereau = Bordereau.objects.filter(pk=bordereau_id, pdf_rendus__gt=0).first()
    if termine and bordereau is not None:
        if settings.PES_EXPORT and bordereau.pdf_echecs == 0:
            # B9: the PES file carries the PDFs; once it exists, the e-mail can truthfully say
            # the titre reaches the member through Chorus Pro.
            try:
                bordereau = pes.produire(bordereau)
            except ValidationError:
                logger.exception("Fichier PES du bordereau %s", bordereau_id)
        notifier_titres_emis(
            TitreDeRecettes.objects.filter(bordereau_id=bordereau_id).select_related("corrige"),
            pes=bool(bordereau.pes),
        )
    return produits


def nombre_de_taches(nombre_titres: int) -> int:
    """One task per lot of ``LOT`` titres, at most ``PDF_TACHES_PAR_BORDEREAU`` (the number
    of task workers deployed), at least one."""
    return max(1, min(settings.PDF_TACHES_PAR_BORDEREAU, math.ceil(nombre_titres / LOT)))


def planifier_rendu(bordereau_id: int, nombre_titres: int) -> int:
    """Enqueue the rendering of a bordereau's PDFs as several tasks, so that several workers
    share it. Returns the number of tasks enqueued."""
    taches = nombre_de_taches(nombre_titres)
    for _ in range(taches):
        rendre_pdfs_bordereau.enqueue(bordereau_id)
    return taches
