"""Background tasks that survive a database restart or a worker's crash.

django-tasks-db's worker stops on the first database error, and a task whose worker died
stays "running" for ever. Our tasks are written to be run again safely (the campaign issue
bills only what is not billed yet, B4; the PDFs are claimed per titre and set once), so the
``travailleur`` command (``db_worker`` with the same options, plus this) does what an
operator did by hand:

- while the database is away, the worker waits and reconnects instead of exiting;
- a task cut by a lost connection is recorded as failed with its reason (``TacheInterrompue``)
  and enqueued again;
- at start, the tasks left "running" by the previous life of the same worker (same
  ``--worker-id``: a systemd instance, killed or crashed) are recorded and enqueued again.

A task is enqueued again at most ``TENTATIVES`` times; beyond, it stays failed with its
reason, for a person to look at (the campaign page then offers to resume).
"""

from __future__ import annotations

import contextlib
import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

TENTATIVES = 3
ERREURS_DE_CONNEXION = (OperationalError, InterfaceError)
# The exceptions a lost connection leaves in a task's result (the driver's and Django's).
CLASSES_DE_CONNEXION = {
    "django.db.utils.OperationalError",
    "django.db.utils.InterfaceError",
    "psycopg.OperationalError",
    "psycopg.InterfaceError",
}


class TacheInterrompue(Exception):
    """Recorded as the failure of a task cut short by its worker's death or a lost
    database connection."""


CHEMIN_INTERROMPUE = f"{TacheInterrompue.__module__}.{TacheInterrompue.__qualname__}"


def fermer_connexions() -> None:
    for connexion in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connexion.close()


def interrompre(resultat: DBTaskResult, raison: str) -> DBTaskResult | None:
    """Record ``resultat`` (running, or failed by a lost connection) as interrupted for
    ``raison`` and enqueue its task again, unless it was already tried ``TENTATIVES`` times.
    Returns the new task's result row, or ``None``."""
    interrompues = DBTaskResult.objects.filter(
        task_path=resultat.task_path,
        args_kwargs=resultat.args_kwargs,
        exception_class_path=CHEMIN_INTERROMPUE,
    ).count()
    relancer = interrompues + 1 < TENTATIVES
    suite = (
        " Relancée automatiquement."
        if relancer
        else (f" Abandonnée après {TENTATIVES} tentatives : reprenez-la depuis l'application.")
    )
    modifiees = DBTaskResult.objects.filter(
        pk=resultat.pk,
        status__in=[TaskResultStatus.RUNNING, TaskResultStatus.FAILED],
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=CHEMIN_INTERROMPUE,
        traceback=f"Tâche interrompue : {raison}.{suite}",
        return_value=None,
    )
    if not modifiees or not relancer:
        logger.error("Tâche %s interrompue (%s) : non relancée", resultat.pk, raison)
        return None
    tache = resultat.task
    args, kwargs = resultat.args_kwargs["args"], resultat.args_kwargs["kwargs"]
    nouvelle = tache.using(priority=resultat.priority, queue_name=resultat.queue_name).enqueue(
        *args, **kwargs
    )
    logger.warning("Tâche %s interrompue (%s) : relancée (%s)", resultat.pk, raison, nouvelle.id)
    return DBTaskResult.objects.get(pk=nouvelle.id)


def reprendre_taches_du_travailleur(worker_id: str) -> int:
    """At a worker's start: the tasks its previous life left running (it was killed or
    crashed) are recorded as interrupted and enqueued again. Returns how many."""
    orphelines = [
        r
        for r in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        if r.worker_ids and r.worker_ids[-1] == worker_id
    ]
    for resultat in orphelines:
        interrompre(
            resultat,
            f"le travailleur « {worker_id} » s'est arrêté pendant son exécution "
            "(arrêt brutal ou redémarrage)",
        )
    return len(orphelines)


def coupee_par_la_base(resultat_id) -> DBTaskResult | None:
    """The task's row if it ended failed by a lost database connection (to run again)."""
    return DBTaskResult.objects.filter(
        pk=resultat_id,
        status=TaskResultStatus.FAILED,
        exception_class_path__in=CLASSES_DE_CONNEXION,
    ).first()


def tache_active(tache, *args) -> bool:
    """Whether a run of ``tache`` with ``args`` is waiting or running in the queue."""
    return DBTaskResult.objects.filter(
        task_path=tache.module_path,
        args_kwargs={"args": list(args), "kwargs": {}},
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).exists()
