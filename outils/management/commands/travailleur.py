"""``manage.py travailleur``: django-tasks-db's ``db_worker`` (same options) that survives a
database restart and takes up what its previous life left running (``outils/taches.py``).

Give each worker a stable ``--worker-id`` (the systemd unit uses ``%H-%i``): at start, the
tasks still "running" under that id are those of a killed or crashed previous run.
"""

from __future__ import annotations

import logging
import socket
import time

from django.core.management.base import CommandError
from django.db import connection
from django_tasks_db.management.commands import db_worker

from outils import taches

logger = logging.getLogger("django_tasks_db")

ATTENTE_MAX = 30  # seconds between two attempts to reach the database


class Travailleur(db_worker.Worker):
    def run(self) -> None:
        attente = 1
        premier = True
        while self.running:
            try:
                if premier:
                    repris = taches.reprendre_taches_du_travailleur(self.worker_id)
                    if repris:
                        logger.warning("%s tâche(s) reprise(s) au démarrage", repris)
                    premier = False
                super().run()
                return
            except taches.ERREURS_DE_CONNEXION as erreur:
                logger.warning(
                    "Base de données injoignable (%s) : nouvel essai dans %s s", erreur, attente
                )
                taches.fermer_connexions()
                time.sleep(attente)
                attente = min(ATTENTE_MAX, attente * 2)
                self.startup_delay = False

    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        except taches.ERREURS_DE_CONNEXION:
            # The task's end could not be recorded: the database went away during it.
            self._attendre_la_base()
            taches.interrompre(db_task_result, "connexion à la base de données perdue")
            return
        coupee = taches.coupee_par_la_base(db_task_result.pk)
        if coupee is not None:
            taches.interrompre(coupee, "connexion à la base de données perdue")

    def _attendre_la_base(self) -> None:
        attente = 1
        while True:
            taches.fermer_connexions()
            try:
                connection.ensure_connection()
                return
            except taches.ERREURS_DE_CONNEXION:
                logger.warning("Base de données injoignable : nouvel essai dans %s s", attente)
                time.sleep(attente)
                attente = min(ATTENTE_MAX, attente * 2)


class Command(db_worker.Command):
    help = (
        "Travailleur des tâches de fond (db_worker de django-tasks-db) qui attend la base de "
        "données quand elle redémarre et relance les tâches interrompues."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=f"{socket.gethostname()}-1"[:64])

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        # As db_worker's handle, without the autoreloader (a production process).
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        exclues = exclude_queues.split(",") if exclude_queues else []
        if exclues and "*" not in queue_names:
            raise CommandError("--exclude-queues ne s'emploie qu'avec --queue-name=*")
        travailleur = Travailleur(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclues,
        )
        travailleur.configure_signals()
        travailleur.run()
