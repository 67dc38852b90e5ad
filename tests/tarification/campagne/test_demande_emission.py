"""B1 — the campaign issued in the background: the request (DemandeEmission), its task, and
what the preview page says while it runs and once it ended."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone

from tarification.campagne import actes as actes_campagne
from tarification.campagne.apercu_enregistre import enregistrer_apercu
from tarification.models import ApercuCampagne, Campagne, DemandeEmission, TitreDeRecettes
from tarification.titres import exercices, pdf

pytestmark = pytest.mark.django_db

# B3: the pages offer the exercices open today; the campaign 2025 goes on the default one.
EXERCICE = exercices.exercice_par_defaut(2025, timezone.localdate())
URL_APERCU = f"{reverse('tarification:campagne_apercu')}?annee=2025&exercice={EXERCICE}"
URL_CALCULER = reverse("tarification:campagne_apercu_calculer")
URL_EMETTRE = reverse("tarification:campagne_emettre")
CAMPAGNE = {"annee": 2025, "exercice": EXERCICE}


@pytest.fixture
def file_sans_travailleur(settings):
    """A task queue nobody works on: requests stay pending."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


def _apercu(membre, responsable_financier, *noms):
    for nom in noms or ("Allaire",):
        membre(nom=nom)
    return enregistrer_apercu(**CAMPAGNE, par=responsable_financier)


def test_B1_request_refused_without_the_confirmed_apercu(emetteur, membre, responsable_financier):
    with pytest.raises(ValidationError) as erreur:
        actes_campagne.demander_emission(**CAMPAGNE, par=responsable_financier, signature="0" * 64)
    assert erreur.value.code == "apercu_perime"
    apercu = _apercu(membre, responsable_financier)
    with pytest.raises(ValidationError) as erreur:
        actes_campagne.demander_emission(**CAMPAGNE, par=responsable_financier, signature="0" * 64)
    assert "recalculé ou supprimé" in erreur.value.messages[0]
    assert not DemandeEmission.objects.exists()
    assert apercu.nb_a_emettre == 1


def test_B1_only_one_request_in_progress(
    emetteur, membre, responsable_financier, file_sans_travailleur
):
    apercu = _apercu(membre, responsable_financier)
    premiere = actes_campagne.demander_emission(
        **CAMPAGNE, par=responsable_financier, signature=apercu.signature
    )
    # The task is enqueued, ahead of the PDFs waiting in the queue.
    (resultat,) = file_sans_travailleur.results
    assert resultat.task.name == "emettre_campagne_demandee" and resultat.args == [premiere.pk]
    assert actes_campagne.emettre_campagne_demandee.priority > pdf.rendre_pdfs_bordereau.priority
    with pytest.raises(ValidationError) as erreur:
        actes_campagne.demander_emission(
            **CAMPAGNE, par=responsable_financier, signature=apercu.signature
        )
    assert erreur.value.code == "emission_en_cours"
    assert "déjà en cours (demandée le " in erreur.value.messages[0]

    # A request left pending for 30 minutes (its worker stopped) may be replaced: running
    # both is safe, the issue being idempotent (B4).
    DemandeEmission.objects.filter(pk=premiere.pk).update(
        demandee_le=timezone.now() - actes_campagne.DELAI_ABANDON - timedelta(seconds=1)
    )
    seconde = actes_campagne.demander_emission(
        **CAMPAGNE, par=responsable_financier, signature=apercu.signature
    )
    premiere.refresh_from_db()
    assert premiere.etat == DemandeEmission.Etat.ECHOUEE and "30 minutes" in premiere.erreur
    assert actes_campagne.executer(seconde.pk) is not None
    assert actes_campagne.executer(premiere.pk) is None  # ended: left alone
    assert TitreDeRecettes.objects.count() == 1


def test_B1_page_during_the_issue(
    client, emetteur, membre, responsable_financier, file_sans_travailleur
):
    apercu = _apercu(membre, responsable_financier)
    client.force_login(responsable_financier)
    reponse = client.post(
        URL_EMETTRE, {**CAMPAGNE, "signature": apercu.signature, "confirme": "on"}, follow=True
    )
    page = reponse.content.decode()
    assert "Émission lancée" in page and "Émission en cours" in page
    assert 'http-equiv="refresh"' in page
    # Nothing to click meanwhile: no second confirmation, no recomputation.
    assert "Émettre les titres" not in page and "Recalculer l&#x27;aperçu" not in page
    page = client.post(URL_CALCULER, CAMPAGNE, follow=True).content.decode()
    assert "Une émission de cette campagne est en cours" in page
    assert ApercuCampagne.objects.get().calcule_le == apercu.calcule_le

    # The worker runs it: the page then says it is done and links to the campaign.
    actes_campagne.executer(DemandeEmission.objects.get().pk)
    page = client.get(URL_APERCU).content.decode()
    campagne = Campagne.objects.get()
    assert "Campagne émise" in page and 'http-equiv="refresh"' not in page
    assert reverse("tarification:campagne", args=[campagne.pk]) in page


def test_B1_nothing_to_issue(client, emetteur, membre, responsable_financier):
    apercu = _apercu(membre, responsable_financier)
    client.force_login(responsable_financier)
    client.post(URL_EMETTRE, {**CAMPAGNE, "signature": apercu.signature, "confirme": "on"})
    assert DemandeEmission.objects.get().campagne is not None
    # Everything is billed: a new preview has nothing to issue, and a request issues nothing.
    apercu = enregistrer_apercu(**CAMPAGNE, par=responsable_financier)
    assert apercu.nb_a_emettre == 0
    demande = actes_campagne.demander_emission(
        **CAMPAGNE, par=responsable_financier, signature=apercu.signature
    )
    demande.refresh_from_db()
    assert demande.etat == DemandeEmission.Etat.TERMINEE and demande.campagne is None
    page = client.get(URL_APERCU).content.decode()
    assert "rien à émettre, tout est déjà facturé ou bloqué" in page
    assert Campagne.objects.count() == 1


def test_B1_requests_in_the_admin(admin_client, emetteur, membre, responsable_financier):
    apercu = _apercu(membre, responsable_financier)
    actes_campagne.demander_emission(
        **CAMPAGNE, par=responsable_financier, signature=apercu.signature
    )
    page = admin_client.get(reverse("admin:tarification_demandeemission_changelist"))
    assert page.status_code == 200 and "terminée" in page.content.decode()


def test_B1_une_emission_dont_la_tache_est_perdue_se_reprend_depuis_la_page(
    client, settings, emetteur, membre, responsable_financier
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    apercu = _apercu(membre, responsable_financier)
    demande = actes_campagne.demander_emission(
        **CAMPAGNE, par=responsable_financier, signature=apercu.signature
    )
    DemandeEmission.objects.filter(pk=demande.pk).update(
        demandee_le=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(responsable_financier)
    page = client.get(URL_APERCU).content.decode()
    assert "Émission en cours" in page and "Reprendre l&#x27;émission" not in page  # waiting
    url = reverse("tarification:campagne_reprendre", args=[demande.pk])
    page = client.post(url, follow=True).content.decode()
    assert "n&#x27;est pas interrompue" in page
    assert DBTaskResult.objects.count() == 1

    # Its worker was killed and the retries are spent: the task failed, the request pends.
    DBTaskResult.objects.update(status="FAILED", traceback="Tâche interrompue : …")
    page = client.get(URL_APERCU).content.decode()
    assert "Émission interrompue" in page and 'http-equiv="refresh"' not in page
    assert url in page
    page = client.post(url, follow=True).content.decode()
    assert "Émission reprise" in page
    relancee = DBTaskResult.objects.get(status="READY")
    assert relancee.args_kwargs == {"args": [demande.pk], "kwargs": {}}
    assert "Émission en cours" in client.get(URL_APERCU).content.decode()

    actes_campagne.executer(demande.pk)  # the worker runs it
    assert "Campagne émise" in client.get(URL_APERCU).content.decode()
    assert TitreDeRecettes.objects.count() == 1
