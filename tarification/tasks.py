"""Background jobs (Django's tasks framework; django-tasks-db's ``db_worker`` runs them).

Rendering a campaign's PDFs never runs inside a web request: the issuing transaction enqueues
this task once committed, and the worker renders the titres of the bordereau, keeping the
progress on the bordereau row (django.tasks has no progress API).
"""

from django.tasks import task

from tarification import pdf


@task()
def rendre_pdfs_bordereau(bordereau_id: int) -> int:
    """Render and store the missing PDFs of one bordereau; returns how many were produced."""
    return pdf.rendre_bordereau(bordereau_id)
