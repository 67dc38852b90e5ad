"""``manage.py charge``: a bounded load test (a measure, not a test), loopback only.

Against the drill's database (``exercice_pannes`` leaves about 1,250 synthetic communes and
their titres; ``--base``), gunicorn is started on 127.0.0.1 with ``--gunicorn`` workers and
DEBUG off; then, for each number of users (``--utilisateurs``, 20 and 50), that many asyncio
clients request in turn, for ``--duree`` seconds, a secretary's portal pages (home,
contribution, titres) and the simulator (empty, then a computation). At most 60 s of load in
all. Measured per phase: requests, errors (any status other than 200, or no answer within
30 s), throughput and the p50, p95 and p99 latencies. Figures printed and written to
``bench-results/charge.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.management.commands.exercice_pannes import BASE_PAR_DEFAUT, env_enfant

RESULTATS = Path(settings.BASE_DIR) / "bench-results"
HOTE, PORT = "127.0.0.1", 8765
DELAI = 30.0


def session_de_secretaire() -> dict:
    """In the child: a secretary attached to a synthetic commune, logged in (session row)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from demo import synthetique
    from membres.models import Rattachement

    commune = synthetique.communes_synthetiques().filter(titres__isnull=False).first()
    utilisateur, _ = get_user_model().objects.get_or_create(username="charge.secretaire")
    Rattachement.objects.get_or_create(utilisateur=utilisateur, commune=commune)
    session = SessionStore()
    session[SESSION_KEY] = str(utilisateur.pk)
    session[BACKEND_SESSION_KEY] = "securite.auth.UsernameOrEmailBackend"
    session[HASH_SESSION_KEY] = utilisateur.get_session_auth_hash()
    session.create()
    return {"cookie": session.session_key, "commune": commune.code_insee}


async def _get(chemin: str, cookie: str) -> tuple[int, float]:
    debut = time.perf_counter()
    lecteur, ecrivain = await asyncio.open_connection(HOTE, PORT)
    try:
        ecrivain.write(
            f"GET {chemin} HTTP/1.1\r\nHost: {HOTE}:{PORT}\r\nCookie: sessionid={cookie}\r\n"
            "Accept-Language: fr-FR\r\nConnection: close\r\n\r\n".encode()
        )
        await ecrivain.drain()
        reponse = await lecteur.read()
    finally:
        ecrivain.close()
    statut = int(reponse.split(b" ", 2)[1]) if reponse.startswith(b"HTTP/") else 0
    return statut, time.perf_counter() - debut


async def _utilisateur(chemins, cookie, fin, mesures, erreurs, decalage):
    i = decalage
    while time.perf_counter() < fin:
        chemin = chemins[i % len(chemins)]
        i += 1
        try:
            statut, duree = await asyncio.wait_for(_get(chemin, cookie), DELAI)
        except (TimeoutError, OSError) as erreur:
            erreurs.append(f"{chemin} : {type(erreur).__name__}")
            continue
        mesures.append(duree)
        if statut != 200:
            erreurs.append(f"{chemin} : {statut}")


async def _phase(utilisateurs: int, duree: float, chemins, cookie) -> dict:
    mesures: list[float] = []
    erreurs: list[str] = []
    debut = time.perf_counter()
    fin = debut + duree
    await asyncio.gather(
        *(_utilisateur(chemins, cookie, fin, mesures, erreurs, i) for i in range(utilisateurs))
    )
    ecoule = time.perf_counter() - debut
    centiles = statistics.quantiles(mesures, n=100) if len(mesures) > 1 else [0] * 99
    return {
        "utilisateurs": utilisateurs,
        "duree_s": round(ecoule, 1),
        "requetes": len(mesures) + sum(1 for e in erreurs if not e.split(" : ")[-1].isdigit()),
        "erreurs": len(erreurs),
        "exemples_erreurs": erreurs[:5],
        "requetes_par_s": round(len(mesures) / ecoule, 1),
        "p50_ms": round(statistics.median(mesures) * 1000, 1) if mesures else None,
        "p95_ms": round(centiles[94] * 1000, 1),
        "p99_ms": round(centiles[98] * 1000, 1),
        "max_ms": round(max(mesures) * 1000, 1) if mesures else None,
    }


class Command(BaseCommand):
    help = "Test de charge borné (boucle locale, 60 s au plus) : portail et simulateur."

    def add_arguments(self, parser):
        parser.add_argument("--base", default=BASE_PAR_DEFAUT)
        parser.add_argument("--utilisateurs", default="20,50")
        parser.add_argument("--duree", type=float, default=25.0)
        parser.add_argument("--gunicorn", type=int, default=4)
        parser.add_argument("--etape", choices=["session"])

    def handle(self, *args, base, utilisateurs, duree, gunicorn, etape, **options):
        if etape == "session":
            self.stdout.write(json.dumps(session_de_secretaire()))
            return
        paliers = [int(n) for n in utilisateurs.split(",")]
        if duree * len(paliers) > 60:
            raise CommandError("60 s de charge au plus en tout (--duree × paliers).")
        env = env_enfant(base, "/tmp", 1) | {"ALLOWED_HOSTS": HOTE, "LOG_LEVEL": "ERROR"}
        sortie = subprocess.run(
            [sys.executable, "manage.py", "charge", "--etape", "session"],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        session = json.loads(sortie.strip().splitlines()[-1])
        c = session["commune"]
        chemins = [
            f"/portail/{c}/",
            "/tarification/simulateur/",
            f"/portail/{c}/contribution/",
            "/tarification/simulateur/?formule=socle_complet&population=2355&annee=2026",
            f"/portail/{c}/titres/",
        ]
        serveur = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "servicecommun.wsgi",
                "--workers",
                str(gunicorn),
                "--bind",
                f"{HOTE}:{PORT}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        try:
            for _ in range(100):
                try:
                    statut, _ = asyncio.run(_get("/tarification/simulateur/", session["cookie"]))
                    if statut == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise CommandError("gunicorn ne répond pas.")
            for chemin in chemins:  # each page answers 200 before the load
                statut, _ = asyncio.run(_get(chemin, session["cookie"]))
                if statut != 200:
                    raise CommandError(f"{chemin} répond {statut} avant la charge.")
            phases = [asyncio.run(_phase(n, duree, chemins, session["cookie"])) for n in paliers]
        finally:
            serveur.send_signal(signal.SIGTERM)
            serveur.wait(30)
        r = {
            "pages": chemins,
            "gunicorn_workers": gunicorn,
            "coeurs": os.cpu_count(),
            "charge_machine": os.getloadavg(),
            "phases": phases,
        }
        RESULTATS.mkdir(exist_ok=True)
        (RESULTATS / "charge.json").write_text(json.dumps(r, indent=2, ensure_ascii=False))
        self.stdout.write(json.dumps(r, indent=2, ensure_ascii=False))
