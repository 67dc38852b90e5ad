"""Background jobs (Django's tasks framework; django-tasks-db's ``db_worker`` runs them).

Rendering a campaign's PDFs never runs inside a web request: the issuing transaction enqueues
this task once committed, and the worker renders the titres of the bordereau, keeping the
progress on the bordereau row (django.tasks has no progress API).
"""

from django.tasks import task

from tarification import pdf


@task()
def rendre_pdfs_bordereau(bordereau_id: int) -> int:
    """Render and store the missing PDFs of one bordereau, then tell the debtors' contacts
    (once their PDFs exist, so that the e-mail's link finds them); returns how many were
    produced. A re-run that produces nothing sends nothing."""
    from portail.emails import notifier_titres_emis
    from tarification.models import TitreDeRecettes

    produits = pdf.rendre_bordereau(bordereau_id)
    if produits:
        notifier_titres_emis(TitreDeRecettes.objects.filter(bordereau_id=bordereau_id))
    return produits
