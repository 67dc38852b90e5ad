"""Background jobs (Django's tasks framework; django-tasks-db's ``db_worker`` runs them).

Issuing a campaign and rendering its PDFs never run inside a web request. Confirming the
preview enqueues ``emettre_campagne_demandee`` (tarification/emission.py), ahead of any PDF
work waiting in the queue (higher priority); the issuing transaction enqueues the PDF tasks
once committed, and the workers render the titres of the bordereau together, keeping the
progress on the bordereau row (django.tasks has no progress API).
"""

import math

from django.conf import settings
from django.tasks import task

from tarification import pdf


@task(priority=10)
def emettre_campagne_demandee(demande_id: int) -> int | None:
    """B1 — issue the campaign of a confirmed request (``emission.executer``); the id of the
    campaign issued, ``None`` when nothing was."""
    from tarification.emission import executer

    return executer(demande_id)


@task()
def rendre_pdfs_bordereau(bordereau_id: int) -> int:
    """Render and store missing PDFs of one bordereau, sharing the work with the other tasks
    enqueued for it (``planifier_rendu``); the task that finishes the bordereau then tells the
    debtors' contacts (once every PDF exists, so that the e-mail's link finds them). Returns
    how many PDFs this task produced. A re-run that produces nothing sends nothing."""
    from portail.emails import notifier_titres_emis
    from tarification.models import Bordereau, TitreDeRecettes

    produits, termine = pdf.rendre_bordereau(bordereau_id)
    if termine and Bordereau.objects.filter(pk=bordereau_id, pdf_rendus__gt=0).exists():
        notifier_titres_emis(TitreDeRecettes.objects.filter(bordereau_id=bordereau_id))
    return produits


def nombre_de_taches(nombre_titres: int) -> int:
    """One task per lot of ``pdf.LOT`` titres, at most ``PDF_TACHES_PAR_BORDEREAU`` (the number
    of task workers deployed), at least one."""
    return max(1, min(settings.PDF_TACHES_PAR_BORDEREAU, math.ceil(nombre_titres / pdf.LOT)))


def planifier_rendu(bordereau_id: int, nombre_titres: int) -> int:
    """Enqueue the rendering of a bordereau's PDFs as several tasks, so that several workers
    share it. Returns the number of tasks enqueued."""
    taches = nombre_de_taches(nombre_titres)
    for _ in range(taches):
        rendre_pdfs_bordereau.enqueue(bordereau_id)
    return taches
