"""P1 (revised), B4 — billed history is frozen: the grid version in force, the populations and
adhésions that priced issued titres, the établissements they bill are never deleted (admin,
ORM, and raw SQL on PostgreSQL); the grid's amounts never change once they priced a titre; a
population is changed only by a correction act that records its reason and author, which the
next campaign turns into a complement."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError
from django.urls import reverse

from membres.actes import corriger_population
from membres.models import Adhesion, Population
from outils.historique import HistoriqueFige
from tarification.campagne import actes as actes_campagne
from tarification.models import LigneBareme, TitreDeRecettes, VersionBareme

pytestmark = pytest.mark.django_db
D = Decimal
FEVRIER = date(2026, 2, 10)
MARS = date(2026, 3, 16)
ERREURS_SQL = (IntegrityError, InternalError)


def campagne(jour):
    return actes_campagne.emettre_campagne(
        annee=2025, par=None, date_emission=jour, aujourd_hui=jour
    )


@pytest.fixture
def facture(emetteur, membre):
    """Allaire billed for 2025 by the version of article 7 (in force since 2022)."""
    commune = membre(nom="Allaire")
    campagne(FEVRIER)
    return commune


@contextmanager
def refuse(motif=None):
    """The refusal, in its own savepoint (a refused deletion breaks the transaction around)."""
    with pytest.raises(HistoriqueFige, match=motif), transaction.atomic():
        yield


def _sql(requete, params=()):
    with transaction.atomic(), connection.cursor() as curseur:
        curseur.execute(requete, params)


# --- The grid ----------------------------------------------------------------------------------


def test_P1_the_grid_version_in_force_cannot_be_deleted_through_the_orm(facture):
    version = VersionBareme.objects.get()
    with refuse("a tarifé des titres émis .*Créez une nouvelle"):
        version.delete()
    with refuse():
        VersionBareme.objects.all().delete()
    with refuse():
        version.lignes.all().delete()
    assert VersionBareme.objects.count() == 1 and version.lignes.count() > 0


def test_P1_a_version_that_priced_nothing_may_still_be_deleted(bareme_article_7):
    bareme_article_7.fin = date(2029, 12, 31)
    bareme_article_7.save()
    VersionBareme.objects.create(
        libelle="Projet 2030", reference="délibération à venir", debut=date(2030, 1, 1)
    )
    VersionBareme.objects.filter(libelle="Projet 2030").get().delete()
    assert not VersionBareme.objects.filter(libelle="Projet 2030").exists()


def test_P1_the_grid_version_in_force_cannot_be_deleted_in_the_admin(client, agent_dsi, facture):
    version = VersionBareme.objects.get()
    client.force_login(agent_dsi)
    url = reverse("admin:tarification_versionbareme_delete", args=[version.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    reponse = client.post(
        reverse("admin:tarification_versionbareme_changelist"),
        {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"},
    )
    assert reponse.status_code in (200, 302, 403)
    assert VersionBareme.objects.filter(pk=version.pk).exists()
    # Its page shows the amounts read-only and no delete link.
    page = client.get(
        reverse("admin:tarification_versionbareme_change", args=[version.pk])
    ).content.decode()
    assert 'name="pool_jours"' not in page and 'name="lignes-0-part_fixe"' not in page
    assert url not in page


def test_P1_the_amounts_of_a_version_that_priced_titres_never_change(facture):
    version = VersionBareme.objects.get()
    ligne = version.lignes.first()
    ligne.part_fixe += 1
    with refuse("Ligne du barème non modifiable"):
        ligne.save()
    version.prix_demi_journee = D("250")
    with refuse("prix de la demi-journée"):
        version.save()
    with refuse("Ligne du barème"):
        LigneBareme.objects.create(
            version=version, service="audit", tranche="x", article="7.2", part_fixe=D("1")
        )
    # Ending it the day before its successor starts (after the years it priced) is allowed.
    version.refresh_from_db()
    version.fin = date(2026, 12, 31)
    version.save()
    version.fin = date(2024, 12, 31)  # would uncover the billed year 2025
    with refuse("a tarifé l'année 2025"):
        version.save()


@pytest.mark.postgresql
def test_P1_raw_sql_cannot_delete_or_alter_the_grid_version_in_force(facture):
    version = VersionBareme.objects.get()
    with pytest.raises(ERREURS_SQL, match="ont tarifé des titres émis"):
        _sql("DELETE FROM tarification_lignebareme WHERE version_id = %s", [version.pk])
    with pytest.raises(ERREURS_SQL, match="a tarifé des titres émis"):
        _sql("DELETE FROM tarification_versionbareme WHERE id = %s", [version.pk])
    with pytest.raises(ERREURS_SQL, match="a tarifé des titres émis"):
        _sql("UPDATE tarification_versionbareme SET pool_jours = 1 WHERE id = %s", [version.pk])
    with pytest.raises(ERREURS_SQL, match="ne changent plus"):
        _sql("UPDATE tarification_lignebareme SET taux = 9 WHERE version_id = %s", [version.pk])
    # Ending it remains possible.
    _sql("UPDATE tarification_versionbareme SET fin = '2026-12-31' WHERE id = %s", [version.pk])
    assert VersionBareme.objects.get().fin == date(2026, 12, 31)


# --- Populations, adhésions, établissements ---------------------------------------------------


def test_P1_a_population_that_priced_a_titre_is_neither_deleted_nor_edited(facture):
    population = Population.objects.get(commune=facture, annee=2025)
    with refuse("population 2025 de cette commune a tarifé"):
        population.delete()
    population.valeur = 2400
    with refuse("Passez par un acte de correction"):
        population.save()
    # The year not billed (2026) stays free.
    Population.objects.get(commune=facture, annee=2026).delete()


def test_P1_an_adhesion_and_an_etablissement_billed_are_not_deleted(facture):
    adhesion = Adhesion.objects.get(commune=facture)
    with refuse("cette adhésion a servi au titre"):
        adhesion.delete()
    adhesion.formule = "groupement"
    with refuse():
        adhesion.save()


def test_P1_the_admin_offers_no_deletion_of_a_billed_population(client, agent_dsi, facture):
    population = Population.objects.get(commune=facture, annee=2025)
    client.force_login(agent_dsi)
    url = reverse("admin:membres_population_delete", args=[population.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Population.objects.filter(pk=population.pk).exists()


def test_P1_B4_a_population_correction_records_reason_and_author_then_is_billed(facture, agent_dsi):
    population = Population.objects.get(commune=facture, annee=2025)
    titre = TitreDeRecettes.objects.get(commune=facture)
    with pytest.raises(Exception, match="motif"):
        corriger_population(population=population, motif=" ", par=agent_dsi, valeur=2400)
    corriger_population(
        population=population, motif="Erreur de saisie (INSEE 2022)", par=agent_dsi, valeur=2400
    )
    derniere = population.history.latest()
    assert derniere.valeur == 2400 and derniere.history_user == agent_dsi
    assert derniere.history_change_reason == "Correction : Erreur de saisie (INSEE 2022)"
    assert population.history.count() == 2  # the first value is kept
    # The issued titre keeps its own snapshot; the next campaign bills the difference.
    assert titre.lignes.get(code="socle_complet").population == 2355
    complement = campagne(MARS).bordereaux.get().titres.get()
    assert complement.nature == TitreDeRecettes.Nature.COMPLEMENT
    assert complement.total == D("67.50")  # 1,50 € × 45 inhabitants


@pytest.mark.postgresql
def test_P1_raw_sql_cannot_delete_billed_populations_but_a_correction_passes(facture, agent_dsi):
    population = Population.objects.get(commune=facture, annee=2025)
    with pytest.raises(ERREURS_SQL, match="acte de correction"):
        _sql("DELETE FROM membres_population WHERE id = %s", [population.pk])
    with pytest.raises(ERREURS_SQL, match="acte de correction"):
        _sql("UPDATE membres_population SET valeur = 10 WHERE id = %s", [population.pk])
    with pytest.raises(ERREURS_SQL, match="ne se supprime pas"):
        _sql("DELETE FROM membres_adhesion WHERE commune_id = %s", [facture.pk])
    corriger_population(population=population, motif="Erratum INSEE", par=agent_dsi, valeur=2401)
    assert Population.objects.get(pk=population.pk).valeur == 2401
    # The permission ended with the act's transaction.
    with pytest.raises(ERREURS_SQL):
        _sql("UPDATE membres_population SET valeur = 10 WHERE id = %s", [population.pk])
