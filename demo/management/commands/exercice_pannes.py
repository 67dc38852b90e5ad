"""``manage.py exercice_pannes``: the fault drill (a measure, not a test).

On its own PostgreSQL database (``<base>``, dropped and created again: never a production
database), a child process generates synthetic communes and issues their campaign (about
1,000 titres, PDFs enqueued); ``--travailleurs`` worker processes (``manage.py travailleur``)
render them; once a third is produced, the database "restarts": every connection to it is
terminated and new ones are refused for ``--coupure`` seconds (the effect of a restart on
the application, without stopping a PostgreSQL shared with others), or the shell command given
in ``--redemarrage`` is run (e.g. ``"pg_ctlcluster 15 main restart"`` on a dedicated machine).
Nobody touches the workers afterwards. Measured: the time until every PDF exists, how many
tasks were interrupted and taken up, and the checks — every titre has exactly one PDF file, no
orphan, ``verifier_titres`` intact. Figures printed and written to
``bench-results/exercice_pannes.json``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

RESULTATS = Path(settings.BASE_DIR) / "bench-results"
BASE_PAR_DEFAUT = "postgres://postgres@127.0.0.1:5432/servicecommun_pannes"


def url_base(url: str, nom: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{nom}"))


def nom_base(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreer_base(url: str) -> None:
    import psycopg

    with psycopg.connect(url_base(url, "postgres"), autocommit=True) as cnx:
        cnx.execute(f'DROP DATABASE IF EXISTS "{nom_base(url)}" WITH (FORCE)')
        cnx.execute(f'CREATE DATABASE "{nom_base(url)}"')


def env_enfant(url: str, media: str, travailleurs: int) -> dict:
    return os.environ | {
        "DATABASE_URL": url,
        "ENV_FILE": "",
        "DEBUG": "0",
        "SECRET_KEY": "exercice-pannes-seulement",
        "STAFF_OTP_REQUIRED": "0",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "AXES_ENABLED": "0",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PDF_TACHES_PAR_BORDEREAU": str(travailleurs),
        "MEDIA_ROOT": media,
    }


def preparer(communes: int) -> dict:
    """In the child: migrate, generate, issue the campaign (its PDFs enqueued on commit)."""
    from django.contrib.auth import get_user_model

    from demo import membres as demo_membres
    from demo import synthetique
    from demo import titres as demo_tarification
    from demo.management.commands.bench_echelle import ANNEE, EMISSION, EXERCICE
    from tarification.campagne.actes import emettre_campagne
    from tarification.models import TitreDeRecettes

    call_command("migrate", verbosity=0)
    synthetique.generer(communes=communes)
    demo_membres.charger_emetteur()
    demo_tarification.completer_emetteur()
    dsi = get_user_model().objects.create_superuser("exercice.dsi", "d@exercice.invalid", None)
    emettre_campagne(
        annee=ANNEE, exercice=EXERCICE, par=dsi, date_emission=EMISSION, aujourd_hui=EMISSION
    )
    return {"titres": TitreDeRecettes.objects.filter(statut="emis").count()}


class Base:
    """Reads the drill's database directly (psycopg): the orchestrator holds no Django
    connection, so that cutting the database cuts the workers only."""

    def __init__(self, url: str):
        self.url = url

    def valeur(self, requete: str):
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=3) as cnx:
                return cnx.execute(requete).fetchone()
        except psycopg.OperationalError:
            return None

    def couper(self, secondes: float, commande: str | None) -> None:
        import psycopg

        if commande:
            subprocess.run(commande, shell=True, check=True)  # noqa: S602 — the operator's
            return
        nom = nom_base(self.url)
        with psycopg.connect(url_base(self.url, "postgres"), autocommit=True) as cnx:
            cnx.execute(f'ALTER DATABASE "{nom}" ALLOW_CONNECTIONS false')
            cnx.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [nom],
            )
            time.sleep(secondes)
            cnx.execute(f'ALTER DATABASE "{nom}" ALLOW_CONNECTIONS true')


class Command(BaseCommand):
    help = "Exercice de panne : la base redémarre pendant la production de 1 000 PDF."

    def add_arguments(self, parser):
        parser.add_argument("--base", default=BASE_PAR_DEFAUT)
        parser.add_argument("--communes", type=int, default=1250)
        parser.add_argument("--travailleurs", type=int, default=2)
        parser.add_argument("--coupure", type=float, default=8.0)
        parser.add_argument("--redemarrage", default=None)
        parser.add_argument("--delai", type=float, default=1200.0)
        parser.add_argument("--etape", choices=["preparer"], help=Command.__doc__)

    def handle(self, *args, base, communes, travailleurs, coupure, redemarrage, delai, etape, **o):
        if etape == "preparer":
            self.stdout.write(json.dumps(preparer(communes)))
            return
        if "postgres" not in base:
            raise CommandError("L'exercice demande PostgreSQL (--base postgres://…).")
        media = tempfile.mkdtemp(prefix="exercice-pannes-")
        env = env_enfant(base, media, travailleurs)
        recreer_base(base)
        debut = time.perf_counter()
        sortie = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "exercice_pannes",
                "--etape",
                "preparer",
                "--communes",
                str(communes),
            ],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r: dict = json.loads(sortie.strip().splitlines()[-1])
        r["preparation_s"] = round(time.perf_counter() - debut, 1)
        self.stdout.write(f"{r['titres']} titres émis en {r['preparation_s']} s ; PDF à produire")
        bd = Base(base)
        journaux = [open(Path(media) / f"travailleur-{i}.log", "w") for i in range(travailleurs)]  # noqa: SIM115
        processus = [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "travailleur",
                    "--worker-id",
                    f"exercice-{i}",
                    "--interval",
                    "0.5",
                ],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=journaux[i],
                stderr=subprocess.STDOUT,
            )
            for i in range(travailleurs)
        ]
        sql_rendus = (
            "SELECT coalesce(sum(pdf_rendus), 0), coalesce(sum(pdf_echecs), 0), "
            "count(*) FILTER (WHERE pdf_fin IS NULL) FROM tarification_bordereau"
        )
        try:
            depart = time.perf_counter()
            while True:
                etat = bd.valeur(sql_rendus)
                if etat and etat[0] >= r["titres"] // 3:
                    break
                if time.perf_counter() - depart > delai:
                    raise CommandError("Production trop lente avant la coupure.")
                time.sleep(0.2)
            r["pdf_avant_coupure"] = int(etat[0])
            r["coupure_apres_s"] = round(time.perf_counter() - depart, 1)
            self.stdout.write(f"Coupure de la base après {etat[0]} PDF ({coupure} s)…")
            bd.couper(coupure, redemarrage)
            r["coupure_s"] = coupure
            while True:
                etat = bd.valeur(sql_rendus)
                taches = bd.valeur(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE status IN ('READY', 'RUNNING')"
                )
                if etat and taches and etat[2] == 0 and taches[0] == 0:
                    break
                if time.perf_counter() - depart > delai:
                    raise CommandError(f"PDF non terminés après {delai} s : {etat}, {taches}")
                time.sleep(0.5)
            r["production_totale_s"] = round(time.perf_counter() - depart, 1)
        finally:
            for p in processus:
                p.send_signal(signal.SIGTERM)
            for p in processus:
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()
            for j in journaux:
                j.close()
        titres, avec_pdf, distincts = bd.valeur(
            "SELECT count(*), count(*) FILTER (WHERE pdf <> ''), count(DISTINCT nullif(pdf, '')) "
            "FROM tarification_titrederecettes WHERE statut = 'emis'"
        )
        fichiers = sorted(Path(media, "titres").rglob("*.pdf"))
        r.update(
            {
                "titres_avec_pdf": avec_pdf,
                "pdf_distincts": distincts,
                "fichiers_pdf": len(fichiers),
                "fichiers_vides": sum(1 for f in fichiers if f.stat().st_size == 0),
                "pdf_echecs": int(bd.valeur(sql_rendus)[1]),
                "taches_interrompues": bd.valeur(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE exception_class_path = 'outils.taches.TacheInterrompue'"
                )[0],
                "taches": bd.valeur(
                    "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, "
                    "count(*) n FROM django_tasks_database_dbtaskresult GROUP BY status) s"
                )[0],
            }
        )
        verification = subprocess.run(
            [sys.executable, "manage.py", "verifier_titres"],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        r["verifier_titres"] = (verification.stdout + verification.stderr).strip()[-500:]
        r["reussi"] = (
            titres == avec_pdf == distincts == len(fichiers)
            and r["fichiers_vides"] == 0
            and verification.returncode == 0
        )
        RESULTATS.mkdir(exist_ok=True)
        (RESULTATS / "exercice_pannes.json").write_text(json.dumps(r, indent=2, ensure_ascii=False))
        self.stdout.write(json.dumps(r, indent=2, ensure_ascii=False))
        if not r["reussi"]:
            raise CommandError("Exercice échoué : voir ci-dessus.")
