"""Faults: a worker killed with SIGKILL in the middle of a bordereau, a read-only media folder.
After a restart every PDF exists exactly once; a storage failure is recorded on the titre in
French, and produced once the storage is back (no empty nor orphan file)."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as reglages
from django.db import connection
from django_tasks_db.models import DBTaskResult

from outils import taches
from tarification.models import Bordereau, TitreDeRecettes
from tarification.titres import emission, pdf
from tarification.titres.emission import LigneAFacturer, TitreAEmettre

D = Decimal
LE = date(2026, 2, 10)
RACINE = Path(__file__).resolve().parents[3]


def _bordereau(membre, nombre: int) -> Bordereau:
    communes = [membre(nom=f"Commune {i:02d}") for i in range(nombre)]
    emis = emission.emettre_titres(
        nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
        titres=[
            TitreAEmettre(
                commune=commune,
                objet="Appel de fonds",
                lignes=[LigneAFacturer("appel", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
            )
            for commune in communes
        ],
        par=None,
        date_emission=LE,
        libelle="Appels de fonds",
    )
    return emis[0].bordereau


def _travailleur(media: Path, worker_id: str) -> subprocess.Popen:
    """A real worker process on the test database (``manage.py travailleur``)."""
    base = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{base['USER']}@{base['HOST']}:{base['PORT']}/{base['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MEDIA_ROOT": str(media),
        "ENV_FILE": "",
        "DEBUG": "off",
        "SECRET_KEY": "test-only-secret-key-not-for-production",
        "STAFF_OTP_REQUIRED": "off",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "travailleur",
            "--worker-id",
            worker_id,
            "--interval",
            "0.2",
            "--no-startup-delay",
            "-v",
            "0",
        ],
        cwd=RACINE,
        env=env,
    )


def _attendre(condition, delai=120):
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_B5_a_worker_killed_mid_bordereau_leaves_every_pdf_exactly_once_after_restart(
    settings, emetteur, membre, bareme_article_7
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PDF_TACHES_PAR_BORDEREAU = 1
    bordereau = _bordereau(membre, 40)  # enqueues one rendering task on commit
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    media = Path(reglages.MEDIA_ROOT)

    premier = _travailleur(media, "essai-1")
    try:
        # Killed once a lot is stored, while the next one is being rendered.
        assert _attendre(lambda: Bordereau.objects.get(pk=bordereau.pk).pdf_rendus >= pdf.LOT)
        os.kill(premier.pid, signal.SIGKILL)
        premier.wait(10)
    finally:
        if premier.poll() is None:
            premier.kill()
    rendus = Bordereau.objects.get(pk=bordereau.pk).pdf_rendus
    assert rendus < 40
    assert DBTaskResult.objects.get().status == "RUNNING"  # left running by the dead worker

    second = _travailleur(media, "essai-1")  # the same worker, restarted (systemd)
    try:
        assert _attendre(lambda: Bordereau.objects.get(pk=bordereau.pk).pdf_fin is not None)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    titres = list(TitreDeRecettes.objects.filter(bordereau=bordereau))
    assert all(t.pdf and t.pdf_sha256 and not t.pdf_erreur for t in titres)
    fichiers = sorted(p.relative_to(media).as_posix() for p in (media / "titres").rglob("*.pdf"))
    assert fichiers == sorted(t.pdf.name for t in titres)  # exactly one file each, no orphan
    assert len(set(fichiers)) == 40
    bordereau.refresh_from_db()
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (40, 0)
    interrompue = DBTaskResult.objects.get(exception_class_path=taches.CHEMIN_INTERROMPUE)
    assert "« essai-1 » s'est arrêté" in interrompue.traceback
    assert interrompue.traceback.endswith("Relancée automatiquement.")
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1


@pytest.fixture
def media_en_lecture_seule(settings, tmp_path):
    """MEDIA_ROOT on a read-only file system (a tmpfs mounted ro; root only), made writable
    again by calling the fixture's value."""
    dossier = tmp_path / "media-ro"
    dossier.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=4m", "tmpfs", str(dossier)], capture_output=True
    ).returncode:
        pytest.skip("monter un système de fichiers en lecture seule demande les droits root")
    settings.MEDIA_ROOT = str(dossier)

    def rendre_inscriptible():
        subprocess.run(["mount", "-o", "remount,rw", str(dossier)], check=True)

    yield rendre_inscriptible
    subprocess.run(["umount", str(dossier)], check=False)


@pytest.mark.django_db
def test_B5_a_read_only_media_folder_is_recorded_in_french_then_produced_once_back(
    emetteur, membre, media_en_lecture_seule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        bordereau = _bordereau(membre, 3)
    pdf.rendre_pdfs_bordereau.call(bordereau.pk)
    bordereau.refresh_from_db()
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (0, 3)
    assert bordereau.pdf_fin is not None  # the page no longer says "en cours"
    assert bordereau.pdf_message.startswith(
        "Écriture du PDF impossible : le stockage des fichiers est en lecture seule"
    )
    titre = TitreDeRecettes.objects.filter(bordereau=bordereau).first()
    assert titre.pdf_erreur == bordereau.pdf_message and not titre.pdf
    assert not list(Path(reglages.MEDIA_ROOT).rglob("*"))  # no empty file

    media_en_lecture_seule()
    assert pdf.relancer(bordereau) == 3
    pdf.rendre_pdfs_bordereau.call(bordereau.pk)
    bordereau.refresh_from_db()
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (3, 0)
    fichiers = list(Path(reglages.MEDIA_ROOT).rglob("*.pdf"))
    assert len(fichiers) == 3 and all(f.stat().st_size > 1000 for f in fichiers)


@pytest.mark.django_db
def test_B5_verifier_titres_reports_orphan_files(
    emetteur, membre, django_capture_on_commit_callbacks
):
    from django.core.management import CommandError, call_command

    with django_capture_on_commit_callbacks(execute=False):
        bordereau = _bordereau(membre, 2)
    pdf.rendre_pdfs_bordereau.call(bordereau.pk)
    call_command("verifier_titres")  # intact
    orphelin = Path(reglages.MEDIA_ROOT) / "titres" / "2026" / "titre-2026-00001_x1y2z3.pdf"
    orphelin.write_bytes(b"%PDF-1.7 interrupted")
    with pytest.raises(CommandError, match="1 anomalie"):
        call_command("verifier_titres")
    from tarification.management.commands.verifier_titres import anomalies

    assert anomalies() == [
        "Fichier orphelin (aucun titre ni bordereau ne le cite) : "
        "titres/2026/titre-2026-00001_x1y2z3.pdf."
    ]
