"""The background PDF job shared by several workers: lots claimed with row locks,
failures isolated per titre, one notification when the bordereau is finished."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.tasks import task_backends

from membres.models import Contact
from tarification.models import Bordereau, TitreDeRecettes
from tarification.titres import emission, pdf
from tarification.titres.emission import LigneAFacturer, TitreAEmettre
from tests.conftest import pdf_minimal

D = Decimal
LE = date(2026, 2, 10)
PDF_FACTURE = pdf_minimal("Facture")


def _bordereau(membre, nombre: int, *, pieces_jointes=()) -> Bordereau:
    """``nombre`` appels de fonds issued together in one bordereau, PDFs not rendered; the
    titres whose index is in ``pieces_jointes`` carry an attached invoice."""
    communes = [membre(nom=f"Commune {i:02d}") for i in range(nombre)]
    emis = emission.emettre_titres(
        nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
        titres=[
            TitreAEmettre(
                commune=commune,
                objet="Appel de fonds",
                lignes=[LigneAFacturer("appel", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
                piece_jointe=(
                    SimpleUploadedFile("facture.pdf", PDF_FACTURE) if i in pieces_jointes else None
                ),
            )
            for i, commune in enumerate(communes)
        ],
        par=None,
        date_emission=LE,
        libelle="Appels de fonds",
    )
    return emis[0].bordereau


def test_one_task_per_batch_at_most_the_number_of_workers(settings):
    settings.PDF_TACHES_PAR_BORDEREAU = 4
    assert pdf.nombre_de_taches(1) == 1
    assert pdf.nombre_de_taches(pdf.LOT) == 1
    assert pdf.nombre_de_taches(pdf.LOT + 1) == 2
    assert pdf.nombre_de_taches(35_000) == 4
    assert pdf.nombre_de_taches(0) == 1


@pytest.mark.django_db
def test_the_issue_enqueues_the_bordereau_tasks(
    settings, emetteur, membre, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.PDF_TACHES_PAR_BORDEREAU = 2
    backend = task_backends["default"]
    backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bordereau = _bordereau(membre, 3)
    enfilees = [r for r in backend.results if r.task.name == "rendre_pdfs_bordereau"]
    assert [r.args for r in enfilees] == [[bordereau.pk]]  # 3 titres: one lot, one task


@pytest.mark.django_db
def test_a_failing_titre_does_not_stop_its_batch(
    emetteur, membre, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(pdf, "LOT", 3)
    with django_capture_on_commit_callbacks(execute=False):
        bordereau = _bordereau(membre, 3, pieces_jointes={1})
    mauvais = TitreDeRecettes.objects.get(bordereau=bordereau, numero=2)
    mauvais.piece_jointe.storage.delete(mauvais.piece_jointe.name)  # the invoice disappeared

    assert pdf.rendre_bordereau(bordereau.pk) == (2, True)
    bordereau.refresh_from_db()
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (2, 1)
    assert "FileNotFoundError" in bordereau.pdf_message and bordereau.pdf_fin
    mauvais.refresh_from_db()
    assert not mauvais.pdf and "FileNotFoundError" in mauvais.pdf_erreur
    assert TitreDeRecettes.objects.filter(bordereau=bordereau).exclude(pdf="").count() == 2
    # A second run does not retry the failed titre endlessly…
    assert pdf.rendre_bordereau(bordereau.pk) == (0, False)
    # …until the rendering is started again: then it is due (and fails again, recorded).
    assert pdf.relancer(bordereau) == 1
    mauvais.refresh_from_db()
    assert mauvais.pdf_erreur == ""
    assert pdf.rendre_bordereau(bordereau.pk) == (0, True)
    bordereau.refresh_from_db()
    assert (bordereau.pdf_attendus, bordereau.pdf_rendus, bordereau.pdf_echecs) == (3, 2, 1)


@pytest.mark.django_db
def test_only_the_task_that_finishes_the_bordereau_notifies(
    emetteur, membre, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(pdf, "LOT", 2)
    with django_capture_on_commit_callbacks(execute=False):
        bordereau = _bordereau(membre, 3)
    for titre in TitreDeRecettes.objects.filter(bordereau=bordereau).select_related("commune"):
        Contact.objects.create(
            commune=titre.commune,
            nom="Secrétaire",
            email=f"mairie-{titre.commune.pk}@exemple.invalid",
            decideur=True,
        )
    mail.outbox.clear()
    assert pdf.rendre_pdfs_bordereau.call(bordereau.pk) == 3
    assert len(mail.outbox) == 3
    assert pdf.rendre_pdfs_bordereau.call(bordereau.pk) == 0  # the second task: nothing left
    assert len(mail.outbox) == 3


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_bordereau_without_duplicate(
    settings, bareme_article_7, emetteur, membre, monkeypatch
):
    """Two workers (two threads, two database connections) render one bordereau at the same
    time: each lot is claimed with FOR UPDATE SKIP LOCKED, so both work, no titre is rendered
    twice (a second PDF for a titre is refused by the model and would fail the lot), and
    exactly one of them finishes the bordereau."""
    monkeypatch.setattr(pdf, "LOT", 3)
    # Committed at once (no test transaction): the tasks are only recorded, not run.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    bordereau = _bordereau(membre, 18)
    assert not TitreDeRecettes.objects.filter(bordereau=bordereau).exclude(pdf="").exists()
    depart = threading.Barrier(2)
    resultats, erreurs = [], []

    def travailler():
        try:
            depart.wait()
            resultats.append(pdf.rendre_bordereau(bordereau.pk))
        except Exception as erreur:  # noqa: BLE001 — reported below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=travailler) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=300)
    assert not erreurs, erreurs
    assert sorted(termine for _, termine in resultats) == [False, True]
    produits = [nombre for nombre, _ in resultats]
    assert sum(produits) == 18 and min(produits) > 0, produits
    bordereau.refresh_from_db()
    assert (bordereau.pdf_rendus, bordereau.pdf_echecs) == (18, 0) and bordereau.pdf_fin
    assert not TitreDeRecettes.objects.filter(bordereau=bordereau, pdf="").exists()
