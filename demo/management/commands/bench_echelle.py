"""``manage.py bench_echelle [--rapide]``: the scale benchmark on PostgreSQL (a measure, not a
test; ``make bench``).

For each size N (31 and 35,000; ``--rapide``: 31 and 2,000) a child process gets its own
database (``<base>_<N>``, dropped and created again), migrates it, generates N synthetic
communes (``generer_donnees``) and measures, with medians over repeated runs:

- the campaign preview (``tarification.campagne.apercu``) and the campaign issue without PDFs
  (``emettre_campagne``, rolled back but for the last run): time, queries, peak memory;
- the pages at N: admin changelists (communes, adhésions, populations, titres), the titres
  list, the campaign preview page, the member portal pages — median and p95 time, queries;
- at the largest N, on a sample of issued titres (1,000; ``--rapide``: 100), 3 runs: the PDF
  time per titre of the project's path (``tarification.pdf.rendre``) against bare WeasyPrint
  (the same HTML, one reused ``FontConfiguration`` and ``CSS``, one document per titre) and
  against a plain chunked variant (50 titres laid out together, one PDF written per page);
  then the throughput of the background job itself (``pdf.rendre_bordereau``, PDFs stored) in
  1 and 2 worker processes sharing the bordereau.

Figures are printed and written to ``bench-results/`` (JSON per size, text summary).
The database is taken from ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/servicecommun_bench``): never a production database.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from demo import membres as demo_membres
from demo import synthetique
from demo import titres as demo_tarification
from membres.models import Rattachement
from tarification.campagne import apercu as campagne
from tarification.campagne.actes import emettre_campagne
from tarification.campagne.apercu_enregistre import enregistrer_apercu
from tarification.models import TitreDeRecettes
from tarification.titres import pdf

RESULTATS = Path(settings.BASE_DIR) / "bench-results"
BASE_PAR_DEFAUT = "postgres://postgres@127.0.0.1:5432/servicecommun_bench"
ANNEE, EXERCICE, EMISSION = 2026, 2027, date(2027, 2, 10)
LOT = 50

# Settings of the child process: a production-like configuration (DEBUG off) that the test
# client can reach, with no background worker (the PDFs are measured separately).
ENV_ENFANT = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-echelle-seulement",
    "STAFF_OTP_REQUIRED": "0",
    "SECURE_SSL_REDIRECT": "0",
    "STATIC_MANIFEST": "0",
    "AXES_ENABLED": "0",
    "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
    "LOG_LEVEL": "ERROR",
}


class _Annulation(Exception):
    pass


def _rss_mio() -> float:
    """Peak resident memory of this process so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _p95(valeurs):
    ordonnees = sorted(valeurs)
    return ordonnees[min(len(ordonnees) - 1, round(0.95 * (len(ordonnees) - 1)))]


def _mesurer(fonction, repetitions):
    """Median time (s) and query count of ``fonction`` over ``repetitions`` runs."""
    durees, requetes = [], []
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as capture:
            debut = time.perf_counter()
            fonction()
            durees.append(time.perf_counter() - debut)
        requetes.append(len(capture.captured_queries))
    return {
        "mediane_s": statistics.median(durees),
        "p95_s": _p95(durees),
        "requetes": statistics.median(requetes),
        "requetes_min_max": [min(requetes), max(requetes)],
        "runs": len(durees),
    }


def _pic_memoire_mio(fonction) -> float:
    """Peak Python memory (tracemalloc, MiB) allocated while ``fonction`` runs."""
    tracemalloc.start()
    try:
        fonction()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _url_base(url: str, nom: str) -> str:
    parties = urlsplit(url)
    return urlunsplit(parties._replace(path=f"/{nom}"))


def _recreer_base(url: str) -> None:
    import psycopg

    nom = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_url_base(url, "postgres"), autocommit=True) as cnx:
        cnx.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
        cnx.execute(f'CREATE DATABASE "{nom}"')


class Command(BaseCommand):
    help = "Banc d'essai à l'échelle (PostgreSQL) : campagne, pages, PDF, mémoire."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rapide", action="store_true", help="Petites tailles (31 et 2 000, 100 titres)."
        )
        parser.add_argument("--tailles", help="Tailles N séparées par des virgules.")
        parser.add_argument("--titres", type=int, help="Titres de l'échantillon PDF.")
        parser.add_argument(
            "--sans-pdf", action="store_true", help="Sans l'étape PDF (campagne et pages seules)."
        )
        parser.add_argument("--taille", type=int, help=Command._interne)
        parser.add_argument("--pdf", action="store_true", help=Command._interne)
        parser.add_argument("--campagne-seule", action="store_true", help=Command._interne)

    _interne = "(interne : mesure d'une taille dans la base courante)"

    def handle(self, *args, rapide=False, tailles=None, titres=None, taille=None, pdf=False, **o):
        RESULTATS.mkdir(exist_ok=True)
        if taille is not None:
            mesure = Mesure(taille, titres or 0, rapide, self.stdout.write)
            resultat = mesure.tout(pdf, pages=not o["campagne_seule"])
            (RESULTATS / f"echelle-{taille}.json").write_text(
                json.dumps(resultat, indent=2, ensure_ascii=False)
            )
            return
        tailles = [int(t) for t in tailles.split(",")] if tailles else None
        # The middle size measures the campaign only: with the largest, it shows whether the
        # memory grows with N once the read buffers (2,000 rows per stream) are full.
        tailles = tailles or ([31, 500, 2000] if rapide else [31, 5000, 35_000])
        titres = titres or (100 if rapide else 1000)
        base = os.environ.get("BENCH_DATABASE_URL", BASE_PAR_DEFAUT)
        if not base.startswith("postgres"):
            raise CommandError("Le banc d'essai à l'échelle s'exécute sur PostgreSQL.")
        debut = time.perf_counter()
        resultats = {}
        for n in tailles:
            url = f"{base}_{n}"
            self.stdout.write(f"== N = {n} : base {urlsplit(url).path.lstrip('/')} ==")
            _recreer_base(url)
            commande = [sys.executable, "manage.py", "bench_echelle", f"--taille={n}"]
            commande += [f"--titres={titres}"] + (["--rapide"] if rapide else [])
            if n == max(tailles) and not o["sans_pdf"]:
                commande.append("--pdf")
            if n not in (min(tailles), max(tailles)):
                commande.append("--campagne-seule")
            env = {**os.environ, **ENV_ENFANT, "DATABASE_URL": url}
            env["MEDIA_ROOT"] = str(RESULTATS / f"media-{n}")
            subprocess.run(commande, check=True, env=env, cwd=settings.BASE_DIR)
            resultats[n] = json.loads((RESULTATS / f"echelle-{n}.json").read_text())
        texte = resume(resultats, time.perf_counter() - debut)
        self.stdout.write(texte)
        horodatage = time.strftime("%Y%m%d-%H%M%S")
        (RESULTATS / f"echelle-{horodatage}.txt").write_text(texte)
        (RESULTATS / f"echelle-{horodatage}.json").write_text(
            json.dumps(resultats, indent=2, ensure_ascii=False)
        )


# ---------------------------------------------------------------------------------------------
# One size, in the child process
# ---------------------------------------------------------------------------------------------


class Mesure:
    def __init__(self, taille, nb_titres, rapide, ecrire):
        self.n = taille
        self.nb_titres = nb_titres
        self.rapide = rapide
        self.ecrire = ecrire
        self.r = {"n": taille}

    def tout(self, pdf: bool, pages: bool = True) -> dict:
        self.preparer()
        self.campagne()
        if pages:
            self.pages()
        if pdf:
            self.pdfs()
        self.r["memoire_pic_processus_mio"] = _rss_mio()
        self.r["charge_machine_fin"] = os.getloadavg()
        return self.r

    def preparer(self):
        self.r["charge_machine_debut"] = os.getloadavg()

        debut = time.perf_counter()
        call_command("migrate", verbosity=0)
        self.r["migrate_s"] = time.perf_counter() - debut
        rapport = synthetique.generer(communes=self.n)
        self.r["generation_s"] = rapport.duree
        self.r["generation_lignes"] = rapport.lignes
        self.ecrire(f"  {rapport}")
        demo_membres.charger_emetteur()
        demo_tarification.completer_emetteur()
        User = get_user_model()
        self.dsi = User.objects.create_superuser("bench.dsi", "dsi@bench.invalid", None)
        self.secretaire = User.objects.create_user("bench.secretaire", "s@bench.invalid", None)
        # The portal user's commune: a socle complet member with a mission and a groupement.
        self.commune = synthetique.communes_synthetiques().order_by("nom").first()
        Rattachement.objects.create(utilisateur=self.secretaire, commune=self.commune)
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")

    def campagne(self):

        repetitions = 3 if self.n > 5000 else 5
        self.r["memoire_avant_campagne_mio"] = _rss_mio()

        # The preview as the stored preview and the issue compute it: members streamed one at
        # a time (campagne.parcourir), summed into counts, total and signature.
        def apercu():
            self.resume = campagne.Resume(ANNEE, EXERCICE)
            for membre in campagne.parcourir(annee=ANNEE, le=EMISSION):
                self.resume.ajouter(membre)

        self.r["apercu"] = _mesurer(apercu, repetitions)
        self.r["apercu"]["membres"] = self.resume.nb_membres
        self.r["apercu"]["a_emettre"] = self.resume.nb_a_emettre
        self.r["apercu"]["total"] = str(self.resume.total)
        self.ecrire(f"  aperçu : {self.r['apercu']}")

        # The preview page reads the stored preview: compute and store it (what the finance
        # officer's "Calculer l'aperçu" does), timed as its own step.

        def enregistrer():
            enregistrer_apercu(annee=ANNEE, exercice=EXERCICE, par=self.dsi, aujourd_hui=EMISSION)

        self.r["apercu_enregistre"] = _mesurer(enregistrer, 1)
        self.ecrire(f"  aperçu calculé et enregistré : {self.r['apercu_enregistre']}")

        def emettre():
            try:
                with transaction.atomic():
                    emettre_campagne(
                        annee=ANNEE,
                        exercice=EXERCICE,
                        par=self.dsi,
                        date_emission=EMISSION,
                        aujourd_hui=EMISSION,
                    )
                    raise _Annulation
            except _Annulation:
                pass

        self.r["emission"] = _mesurer(emettre, repetitions - 1)
        # Peak Python memory of each step, measured apart (tracemalloc slows what it traces).
        self.r["pic_memoire_mio"] = {
            "apercu": _pic_memoire_mio(apercu),
            "apercu_enregistre": _pic_memoire_mio(enregistrer),
            "emission": _pic_memoire_mio(emettre),
        }
        self.ecrire(f"  pics de mémoire Python : {self.r['pic_memoire_mio']}")
        # The last run is kept: its titres feed the titres pages and the PDF sample.
        with CaptureQueriesContext(connection) as capture:
            debut = time.perf_counter()
            self.campagne_emise = emettre_campagne(
                annee=ANNEE,
                exercice=EXERCICE,
                par=self.dsi,
                date_emission=EMISSION,
                aujourd_hui=EMISSION,  # a synthetic campaign: its date is "today" (B1)
            )
            self.r["emission_conservee_s"] = time.perf_counter() - debut
        self.r["emission_conservee_requetes"] = len(capture.captured_queries)
        # What autovacuum does within about a minute of a large insert (statistics, visibility
        # map for index-only counts): the pages are measured in that steady state, not in the
        # first minute after issuing a whole campaign.
        with connection.cursor() as curseur:
            for table in ("tarification_titrederecettes", "tarification_lignetitre"):
                curseur.execute(f"VACUUM ANALYZE {table}")
        self.r["titres_emis"] = self.campagne_emise.bordereau.titres.count()
        self.r["memoire_apres_campagne_mio"] = _rss_mio()
        self.ecrire(f"  émission : {self.r['emission']}, {self.r['titres_emis']} titres")

    def pages(self):
        from django.test import Client

        c = self.commune.code_insee
        titre = self.campagne_emise.bordereau.titres.order_by("numero").first()
        admin = [
            ("admin communes", "/admin/membres/commune/"),
            ("admin adhésions", "/admin/membres/adhesion/"),
            ("admin populations", "/admin/membres/population/"),
            ("admin titres", "/admin/tarification/titrederecettes/"),
            ("liste des titres", "/tarification/titres/"),
            ("fiche d'un titre", f"/tarification/titres/{titre.pk}/"),
            (
                "page d'aperçu de campagne",
                f"/tarification/campagnes/apercu/?annee={ANNEE}&exercice={EXERCICE}",
            ),
        ]
        portail = [
            ("portail accueil", f"/portail/{c}/"),
            ("portail contribution", f"/portail/{c}/contribution/"),
            ("portail titres", f"/portail/{c}/titres/"),
            ("portail niveau 1", f"/portail/{c}/niveau1/"),
            ("portail groupements", f"/portail/{c}/groupements/"),
            ("portail contacts", f"/portail/{c}/contacts/"),
            ("portail facturation", f"/portail/{c}/facturation/"),
            ("portail documents", f"/portail/{c}/documents/"),
            ("portail projets", f"/portail/{c}/projets/"),
        ]
        self.r["pages"] = {}
        for utilisateur, liste in ((self.dsi, admin), (self.secretaire, portail)):
            client = Client(HTTP_HOST="localhost")
            client.force_login(utilisateur)
            for nom, url in liste:
                lourde = "aperçu" in nom
                repetitions = (3 if self.n > 5000 else 5) if lourde else 20

                def obtenir(url=url, client=client):
                    reponse = client.get(url, secure=True)
                    if reponse.status_code != 200:
                        raise CommandError(f"{url} : HTTP {reponse.status_code}")

                debut = time.perf_counter()
                obtenir()  # warm-up (templates, caches)
                if time.perf_counter() - debut > 1:
                    repetitions = min(repetitions, 5)  # a slow page: fewer runs, same median
                self.r["pages"][nom] = _mesurer(obtenir, repetitions)
                mesure = self.r["pages"][nom]
                self.ecrire(
                    f"  {nom:30} médiane {mesure['mediane_s'] * 1000:8.1f} ms, p95 "
                    f"{mesure['p95_s'] * 1000:8.1f} ms, {mesure['requetes']} requêtes"
                )

    # --- PDFs ----------------------------------------------------------------------------

    def pdfs(self):

        pks = list(
            self.campagne_emise.bordereau.titres.order_by("numero").values_list("pk", flat=True)
        )[: self.nb_titres]
        titres = list(pdf.titres_a_rendre(pks))
        n = len(titres)
        self.r["pdf"] = {"titres": n}
        moteur_nu = pdf.Moteur()  # its own FontConfiguration and CSS, reused for every titre
        pdf.rendre(titres[:LOT])  # warm-up: fonts, engine, templates

        debut = time.perf_counter()
        html = {t.pk: pdf.html_titres([t]) for t in titres}
        html_un = (time.perf_counter() - debut) / n

        def projet():
            return pdf.rendre(titres)

        def nu():
            for t in titres:
                moteur_nu.document(html[t.pk]).write_pdf()

        def par_lots():
            for i in range(0, n, LOT):
                document = moteur_nu.document(pdf.html_titres(titres[i : i + LOT]))
                for page in document.pages:
                    document.copy([page]).write_pdf()

        moteur_nu.document(html[titres[0].pk]).write_pdf()
        variantes = {"projet": projet, "nu": nu, "par_lots": par_lots}
        durees = {nom: [] for nom in variantes}
        rss = []
        for _ in range(3):
            for nom, fonction in variantes.items():
                debut = time.perf_counter()
                fonction()
                durees[nom].append((time.perf_counter() - debut) / n)
            rss.append(_rss_mio())
        for nom, valeurs in durees.items():
            self.r["pdf"][f"{nom}_ms_par_titre"] = statistics.median(valeurs) * 1000
            self.r["pdf"][f"{nom}_runs_ms"] = [v * 1000 for v in valeurs]
        self.r["pdf"]["html_un_titre_ms"] = html_un * 1000
        self.r["pdf"]["rss_apres_chaque_run_mio"] = rss
        self.r["pdf"]["taille_moyenne_kio"] = sum(len(p) for p in projet().values()) / n / 1024
        self.ecrire(f"  PDF : {self.r['pdf']}")
        bordereau_id = self.campagne_emise.bordereau_id
        self.r["pdf"]["debit"] = {str(k): _debit(titres, bordereau_id, k) for k in (1, 2)}
        self.ecrire(f"  débit : {self.r['pdf']['debit']}")


def _travailleur(titres, bordereau_id, depart, file):
    """A task worker process: its own engine and database connection, the job's own code
    (``pdf.rendre_bordereau``: lots claimed with FOR UPDATE SKIP LOCKED, PDFs stored)."""

    pdf._local = threading.local()  # a new FontConfiguration in this process
    pdf.rendre(titres[:2])  # warm-up before the common start (no database)
    depart.wait()
    debut = time.perf_counter()
    produits, _ = pdf.rendre_bordereau(bordereau_id)
    file.put((debut, time.perf_counter(), produits, _rss_mio()))
    connections.close_all()


def _preparer_echantillon(bordereau_id: int, pks: list[int]) -> None:
    """Bench database only: make the sample's PDFs due again and set the bordereau's other
    titres aside (raw SQL, past the model's guards), so the job renders exactly the sample."""
    with connection.cursor() as curseur:
        curseur.execute(
            "UPDATE tarification_titrederecettes SET pdf = '', pdf_sha256 = '', "
            "pdf_genere_le = NULL, pdf_erreur = CASE WHEN id = ANY(%s) THEN '' "
            "ELSE 'hors échantillon du banc d''essai' END WHERE bordereau_id = %s",
            [pks, bordereau_id],
        )
        curseur.execute(
            "UPDATE tarification_bordereau SET pdf_rendus = 0, pdf_echecs = 0, pdf_fin = NULL "
            "WHERE id = %s",
            [bordereau_id],
        )


def _debit(titres, bordereau_id: int, processus: int) -> dict:
    """Titres per second of ``processus`` task worker processes running the PDF job on the
    sample (forked with the titres loaded for their warm-up; start-up time excluded)."""
    _preparer_echantillon(bordereau_id, [t.pk for t in titres])
    connections.close_all()
    contexte = multiprocessing.get_context("fork")
    depart = contexte.Barrier(processus + 1)
    file = contexte.Queue()
    enfants = [
        contexte.Process(target=_travailleur, args=(titres, bordereau_id, depart, file))
        for _ in range(processus)
    ]
    for enfant in enfants:
        enfant.start()
    depart.wait()
    mesures = [file.get(timeout=3600) for _ in enfants]
    for enfant in enfants:
        enfant.join()
    duree = max(m[1] for m in mesures) - min(m[0] for m in mesures)

    rendus = TitreDeRecettes.objects.filter(pk__in=[t.pk for t in titres]).exclude(pdf="")
    return {
        "titres": len(titres),
        "rendus": rendus.count(),
        "par_travailleur": [m[2] for m in mesures],
        "duree_s": duree,
        "titres_par_s": len(titres) / duree,
        "rss_pic_travailleurs_mio": [m[3] for m in mesures],
    }


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _ok(condition: bool) -> str:
    return "OK " if condition else "NON"


def resume(resultats: dict, duree_totale: float) -> str:
    tailles = sorted(resultats)
    petit, grand = resultats[tailles[0]], resultats[tailles[-1]]
    lignes = [f"Banc d'essai à l'échelle (PostgreSQL) — durée totale {duree_totale / 60:.1f} min"]
    for n in tailles:
        r = resultats[n]
        pics = r["pic_memoire_mio"]
        lignes += [
            f"N = {n} : charge de la machine (1, 5, 15 min) au début {r['charge_machine_debut']}, "
            f"à la fin {r['charge_machine_fin']} (2 cœurs : au-delà de 2, les durées sont gonflées)",
            f"N = {n} : génération {r['generation_s']:.1f} s ; {r['apercu']['membres']} membres, "
            f"{r['titres_emis']} titres émis",
            f"  aperçu  : médiane {r['apercu']['mediane_s'] * 1000:9.1f} ms, "
            f"{r['apercu']['requetes']} requêtes",
            f"  aperçu calculé et enregistré (bouton « Calculer l'aperçu ») : "
            f"{r['apercu_enregistre']['mediane_s'] * 1000:9.1f} ms, "
            f"{r['apercu_enregistre']['requetes']} requêtes",
            f"  émission sans PDF : médiane {r['emission']['mediane_s'] * 1000:9.1f} ms, "
            f"{r['emission']['requetes']} requêtes",
            f"  pic de mémoire Python (tracemalloc) : aperçu {pics['apercu']:.1f} Mio, "
            f"aperçu enregistré {pics['apercu_enregistre']:.1f} Mio, émission "
            f"{pics['emission']:.1f} Mio",
            f"  mémoire du processus (pic) : avant campagne {r['memoire_avant_campagne_mio']:.0f} "
            f"Mio, après campagne {r['memoire_apres_campagne_mio']:.0f} Mio",
        ]
    lignes.append(f"Pages à N = {grand['n']} (médiane / p95 / requêtes) :")
    for nom, p in grand["pages"].items():
        lignes.append(
            f"  {nom:30} {p['mediane_s'] * 1000:8.1f} ms {p['p95_s'] * 1000:8.1f} ms "
            f"{p['requetes']:5} {('(petite base : ' + str(petit['pages'][nom]['requetes']) + ')')}"
        )
    cibles = []
    meme = lambda cle: petit[cle]["requetes"] == grand[cle]["requetes"]  # noqa: E731
    cibles.append((meme("apercu"), "requêtes de l'aperçu constantes en N"))
    cibles.append((meme("apercu_enregistre"), "requêtes de l'aperçu enregistré constantes en N"))
    cibles.append((meme("emission"), "requêtes de l'émission constantes en N"))
    listes = [nom for nom in grand["pages"] if "aperçu" not in nom and "fiche" not in nom]
    cibles.append(
        (
            all(grand["pages"][k]["requetes"] == petit["pages"][k]["requetes"] for k in listes),
            "requêtes des pages de liste constantes en N",
        )
    )
    lentes = [k for k in listes if grand["pages"][k]["mediane_s"] >= 0.2]
    cibles.append(
        (
            not lentes,
            "pages de liste : médiane < 200 ms" + (f" (hors : {lentes})" if lentes else ""),
        )
    )
    apercu_page = grand["pages"]["page d'aperçu de campagne"]["mediane_s"]
    cibles.append((apercu_page < 0.2, f"page d'aperçu de campagne < 200 ms ({apercu_page:.2f} s)"))
    if "pdf" in grand:
        p = grand["pdf"]
        lignes += [
            f"PDF sur {p['titres']} titres (médiane de 3 runs, ms par titre) :",
            f"  chemin du projet (pdf.rendre, HTML compris) : {p['projet_ms_par_titre']:6.1f}",
            f"  WeasyPrint nu (HTML préparé, un document par titre) : {p['nu_ms_par_titre']:6.1f}",
            f"  variante par lots de {LOT} (une page = un PDF) : {p['par_lots_ms_par_titre']:6.1f}",
            f"  dont gabarit HTML d'un titre seul : {p['html_un_titre_ms']:.1f} ms ; "
            f"PDF moyen {p['taille_moyenne_kio']:.0f} Kio ; RSS après chaque run {p['rss_apres_chaque_run_mio']}",
        ]
        d1, d2 = p["debit"]["1"], p["debit"]["2"]
        acceleration = d2["titres_par_s"] / d1["titres_par_s"]
        lignes.append(
            f"  débit : 1 processus {d1['titres_par_s']:.1f} titres/s, 2 processus "
            f"{d2['titres_par_s']:.1f} titres/s (×{acceleration:.2f}) ; "
            f"campagne de {grand['titres_emis']} titres ≈ "
            f"{grand['titres_emis'] / d2['titres_par_s'] / 60:.1f} min à 2 processus"
        )
        rapport = p["projet_ms_par_titre"] / p["nu_ms_par_titre"]
        cibles.append((rapport <= 1.15, f"PDF du projet ≤ 115 % de WeasyPrint nu ({rapport:.0%})"))
        cibles.append(
            (
                p["projet_ms_par_titre"] <= p["par_lots_ms_par_titre"] * 1.05,
                "PDF du projet aussi rapide que la variante par lots (±5 %)",
            )
        )
        cibles.append(
            (acceleration >= 1.7, f"2 processus ≥ 1,7 × 1 processus (×{acceleration:.2f})")
        )
        rss = p["rss_apres_chaque_run_mio"]
        cibles.append(
            (
                rss[-1] - rss[0] < 20,
                f"mémoire plate pendant les PDF ({rss[0]:.0f} → {rss[-1]:.0f} Mio)",
            )
        )
    # Flat in N: from the middle size to the largest (7 times more members), the peak may not
    # grow by more than a quarter. At the smallest size the read buffers are not full yet.
    moyen = resultats[tailles[-2]]
    for etape, nom in (
        ("apercu", "aperçu"),
        ("apercu_enregistre", "aperçu enregistré"),
        ("emission", "émission"),
    ):
        avant, apres = moyen["pic_memoire_mio"][etape], grand["pic_memoire_mio"][etape]
        cibles.append(
            (
                apres <= avant * 1.25,
                f"mémoire de l'{nom} plate en N (N = {moyen['n']} : {avant:.1f} Mio, "
                f"N = {grand['n']} : {apres:.1f} Mio)",
            )
        )
    lignes.append("Cibles :")
    lignes += [f"  [{_ok(ok)}] {texte}" for ok, texte in cibles]
    return "\n".join(lignes) + "\n"
