"""B1, B2, B3 — the campaign for year N: preview (statuses, anomalies, warnings, reasons,
totals, constant query count), exercice rules, and the finance officer's pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tarification.campagne import actes as actes_campagne
from tarification.campagne import apercu as module_apercu
from tarification.contribution import contribution
from tarification.models import ApercuCampagne, Campagne, DemandeEmission, TitreDeRecettes
from tarification.titres import exercices

D = Decimal
LE = date(2026, 2, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture
def membres_varies(membre, commune_factory, adhesion_factory, population_factory):
    """One member per case of the preview."""
    cas = {
        "allaire": membre(nom="Allaire"),
        "sans_siret": membre(nom="Bains-sur-Oust", siret="", code_service_chorus="", adresse=""),
        "fougerets": membre(nom="Les Fougerêts", formule="audit", population=800),
        "plesse": membre(nom="Plessé", service_informatique=True),
    }
    sans_population = commune_factory(nom="Bruc-sur-Aff")
    adhesion_factory(sans_population, formule="groupement", date_effet=date(2024, 1, 1))
    cas["bruc"] = sans_population
    commune_factory(nom="Non membre")
    return cas


def _par_commune(apercu):
    return {m.commune.pk: m for m in apercu.membres}


def test_B2_apercu_statuses_anomalies_warnings_and_reasons(membres_varies):
    apercu = module_apercu.apercu(annee=2025, aujourd_hui=LE)
    membres = _par_commune(apercu)
    m = {nom: membres[c.pk] for nom, c in membres_varies.items()}

    assert len(apercu.membres) == 5  # the non-member is not listed
    assert m["allaire"].statut == module_apercu.A_EMETTRE and m["allaire"].avertissements == []
    assert m["allaire"].total == D("5532.50")
    # B2: missing SIRET, Chorus code service or address warn, never block.
    assert m["sans_siret"].statut == module_apercu.A_EMETTRE
    assert m["sans_siret"].avertissements == [
        "SIRET manquant (Chorus Pro)",
        "code service Chorus Pro manquant",
        "adresse incomplète",
    ]
    # B2: missing population (P1) and missing review (M6) block.
    assert (
        m["bruc"].statut == module_apercu.BLOQUE
        and "Population manquante" in m["bruc"].anomalies[0]
    )
    assert (
        m["plesse"].statut == module_apercu.BLOQUE
        and "revue des moyens" in m["plesse"].anomalies[0]
    )
    assert m["plesse"].total is None
    # B1: nothing to bill, and why.
    assert m["fougerets"].statut == module_apercu.SANS_TITRE
    assert "l'audit se facture à la livraison du rapport (T2)" in m["fougerets"].motif
    assert [x.commune.nom for x in apercu.a_emettre] == ["Allaire", "Bains-sur-Oust"]
    assert apercu.total == D("5532.50") + m["sans_siret"].total
    assert apercu.exercice == 2026 and apercu.annee_terminee


def test_B2_totals_equal_to_the_calculator(membres_varies):
    apercu = module_apercu.apercu(annee=2025, aujourd_hui=LE)
    for membre in apercu.a_emettre:
        attendu = contribution(membre.commune, 2025).resultat
        assert membre.total == attendu.total
        assert [(ligne.code, ligne.montant) for ligne in membre.lignes] == [
            (ligne.code, ligne.montant) for ligne in attendu.lignes
        ]


def test_B4_apercu_after_issue_already_billed(emetteur, membres_varies):
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE, aujourd_hui=LE)
    apercu = module_apercu.apercu(annee=2025, aujourd_hui=LE)
    allaire = _par_commune(apercu)[membres_varies["allaire"].pk]
    assert allaire.statut == module_apercu.A_JOUR
    assert (allaire.calcule, allaire.deja_facture, allaire.a_emettre) == (
        D("5532.50"),
        D("5532.50"),
        D("0.00"),
    )
    assert allaire.motif == (
        "Déjà facturé : Socle complet — contribution annuelle 2025 : déjà facturé par le titre "
        "n° 1 (exercice 2026) du 10/02/2026"
    )
    assert apercu.a_emettre == []


def test_B1_zero_total_no_titre(membre, adhesion_factory, commune_factory, population_factory):
    """T5: the audit deducted covers the whole socle → total 0 → no titre (B1)."""
    commune = commune_factory(nom="Petite")
    for annee in (2024, 2025):
        population_factory(commune, annee, 100)
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2024, 1, 1), audit_livre_le=date(2024, 3, 1)
    )
    from membres.actes import changer_formule

    changer_formule(
        adhesion=audit,
        formule="socle_complet",
        date_effet=date(2024, 6, 1),
        decision_numero="D1",
        decision_date=date(2024, 5, 1),
    )
    from membres.models import TarifDerogatoire

    TarifDerogatoire.objects.create(
        adhesion=audit, service="audit", montant=D("5000.00"), base_legale="Délibération démo"
    )
    apercu = module_apercu.apercu(annee=2024, aujourd_hui=LE)
    petite = _par_commune(apercu)[commune.pk]
    assert petite.statut == module_apercu.SANS_TITRE
    assert "Total nul" in petite.motif and "(B1)" in petite.motif
    assert actes_campagne.emettre_campagne(annee=2024, par=None, date_emission=LE) is None


def _membres(membre, nombre, debut=0):
    return [membre(nom=f"Commune {i:03d}") for i in range(debut, debut + nombre)]


def test_B2_apercu_query_count_is_constant(emetteur, membre):
    _membres(membre, 3)
    with CaptureQueriesContext(connection) as petit:
        module_apercu.apercu(annee=2025, aujourd_hui=LE)
    _membres(membre, 30, debut=3)
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE, communes=None)
    _membres(membre, 5, debut=33)
    with CaptureQueriesContext(connection) as grand:
        apercu = module_apercu.apercu(annee=2025, aujourd_hui=LE)
    assert len(apercu.membres) == 38 and len(apercu.a_emettre) == 5
    assert len(grand) == len(petit) <= 15


# --- Exercices (B3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annee", "jour", "attendus", "defaut"),
    [
        # B3 (revised): before 1 January N+1 only N is open — never N+1 dated in N.
        (2026, date(2026, 12, 6), [2026], 2026),
        (2025, date(2025, 11, 30), [2025], 2025),
        # The journée complémentaire: N still possible, N+1 by default.
        (2025, date(2026, 1, 1), [2025, 2026], 2026),
        (2025, date(2026, 1, 31), [2025, 2026], 2026),
        (2025, date(2026, 2, 1), [2026], 2026),
        # A late campaign goes on the exercice open that day.
        (2024, date(2026, 11, 29), [2026], 2026),
        # A year not begun has no exercice.
        (2027, date(2026, 12, 6), [], 2027),
    ],
)
def test_B3_possible_exercices(annee, jour, attendus, defaut):
    assert exercices.exercices_campagne(annee, jour) == attendus
    assert exercices.exercice_par_defaut(annee, jour) == defaut


def test_B3_exercice_N_only_until_31_january(membre):
    membre()
    fevrier = date(2026, 2, 1)
    with pytest.raises(ValidationError, match="jusqu'au 31 janvier 2026"):
        actes_campagne.emettre_campagne(
            annee=2025, exercice=2025, par=None, date_emission=fevrier, aujourd_hui=fevrier
        )
    with pytest.raises(ValidationError, match="Exercice 2024 impossible"):
        actes_campagne.emettre_campagne(
            annee=2025, exercice=2024, par=None, date_emission=LE, aujourd_hui=LE
        )
    assert not TitreDeRecettes.objects.exists()


def test_B3_exercice_N_during_the_journee_complementaire(emetteur, membre):
    membre()
    jour = date(2026, 1, 31)
    resultat = actes_campagne.emettre_campagne(
        annee=2025, exercice=2025, par=None, date_emission=jour, aujourd_hui=jour
    )
    assert resultat.exercice == 2025 and resultat.bordereau.titres.get().exercice == 2025


def test_B1_B3_campagne_issued_in_december_of_year_N_carries_exercice_N(emetteur, membre):
    """The issue's case: run on 6 December 2026 the campaign 2026 used to issue titres on
    exercice 2027 dated 06/12/2026, an exercice not open. Now: exercice 2026 by default."""
    membre()
    jour = date(2026, 12, 6)
    apercu = module_apercu.apercu(annee=2026, aujourd_hui=jour)
    assert apercu.exercice == 2026 and not apercu.annee_terminee
    campagne = actes_campagne.emettre_campagne(
        annee=2026, par=None, date_emission=jour, aujourd_hui=jour
    )
    titre = campagne.bordereau.titres.get()
    assert (titre.exercice, titre.date_emission) == (2026, jour)
    with pytest.raises(ValidationError, match="le 06/12/2026 n'en fait pas partie") as erreur:
        actes_campagne.emettre_campagne(
            annee=2026, exercice=2027, par=None, date_emission=jour, aujourd_hui=jour
        )
    assert "(B1, B3)" in str(erreur.value)


def test_B1_a_future_issue_date_is_refused_and_nothing_is_issued(emetteur, membre):
    """The issue's case: ``--date 2027-06-30`` was accepted and then locked the series."""
    from tarification.models import Compteur

    membre()
    with pytest.raises(ValidationError, match="postérieure à aujourd'hui") as erreur:
        actes_campagne.emettre_campagne(
            annee=2026,
            exercice=2027,
            par=None,
            date_emission=date(2027, 6, 30),
            aujourd_hui=date(2027, 2, 1),
        )
    assert "jamais daté dans le futur (B1)" in str(erreur.value)
    assert not TitreDeRecettes.objects.exists() and not Compteur.objects.exists()
    # The series is not locked: a titre dated today is issued.
    jour = date(2027, 2, 1)
    actes_campagne.emettre_campagne(
        annee=2026, exercice=2027, par=None, date_emission=jour, aujourd_hui=jour
    )
    assert TitreDeRecettes.objects.get().date_emission == jour


# --- Pages -----------------------------------------------------------------------------------


URL_CAMPAGNES = reverse("tarification:campagnes")
URL_APERCU = reverse("tarification:campagne_apercu")
URL_EMETTRE = reverse("tarification:campagne_emettre")
URL_CALCULER = reverse("tarification:campagne_apercu_calculer")
EXERCICE = exercices.exercice_par_defaut(2025, timezone.localdate())
URL_APERCU_2025 = f"{URL_APERCU}?annee=2025&exercice={EXERCICE}"
CAMPAGNE_WEB = {"annee": 2025, "exercice": EXERCICE}


def test_campagne_pages_restricted(client, secretaire_a, emetteur, membre):
    membre()
    campagne_emise = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    urls = [
        URL_CAMPAGNES,
        f"{URL_APERCU}?annee=2025",
        reverse("tarification:campagne", args=[campagne_emise.pk]),
        reverse("tarification:bordereau_csv", args=[campagne_emise.bordereau.pk]),
        reverse("tarification:titres"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302, url  # anonymous → login
    client.force_login(secretaire_a)
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(URL_EMETTRE, {"annee": 2025}).status_code == 403
    assert client.post(URL_CALCULER, {"annee": 2025}).status_code == 403


def test_campagnes_page(client, responsable_financier, emetteur, membre, django_assert_num_queries):
    _membres(membre, 3)
    actes_campagne.emettre_campagne(annee=2024, par=None, date_emission=date(2025, 2, 1))
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    client.force_login(responsable_financier)
    with CaptureQueriesContext(connection) as peu:
        reponse = client.get(URL_CAMPAGNES)
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "Préparer une campagne" in contenu and "Campagnes émises" in contenu
    _membres(membre, 10, debut=3)
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    with django_assert_num_queries(len(peu)):
        client.get(URL_CAMPAGNES)


def test_B2_apercu_page(client, responsable_financier, emetteur, membres_varies):
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, CAMPAGNE_WEB)  # stored, then shown
    reponse = client.get(URL_APERCU, CAMPAGNE_WEB)
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    for texte in [
        f"Campagne 2025 — exercice {EXERCICE} : aperçu",
        "Allaire",
        "5\u00a0532,50\u00a0€",
        "art. 7.1 — population municipale 2\u00a0355 hab.",
        "SIRET manquant (Chorus Pro)",
        "Population manquante",
        "l&#x27;audit se facture à la livraison du rapport",
        "Émettre les titres",
    ]:
        assert texte in contenu, texte
    assert "n'est pas terminée" not in contenu

    filtre = client.get(URL_APERCU, {"annee": 2025, "statut": "bloque"}).content.decode()
    assert "Plessé" in filtre and "Allaire" not in filtre
    par_nom = client.get(URL_APERCU, {"annee": 2025, "nom": "allai"}).content.decode()
    assert "Allaire" in par_nom and "Plessé" not in par_nom
    assert "Émettre les titres" not in par_nom  # issuing is for the whole campaign only


def test_B2_apercu_page_query_count_is_constant(
    client, responsable_financier, emetteur, membre, django_assert_num_queries
):
    _membres(membre, 3)
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, {"annee": 2025})
    with CaptureQueriesContext(connection) as peu:
        assert client.get(URL_APERCU, {"annee": 2025}).status_code == 200
    requetes = len(peu)  # read now: the next request resets Django's query log
    _membres(membre, 40, debut=3)
    client.post(URL_CALCULER, {"annee": 2025})
    with django_assert_num_queries(requetes):
        reponse = client.get(URL_APERCU, {"annee": 2025})
    assert reponse.content.decode().count('class="etiquette etiquette--ok"') == 43


def test_B2_apercu_for_a_closed_exercice_refused(client, responsable_financier):
    client.force_login(responsable_financier)
    # Exercice 2024 is never open again (journée complémentaire: 31/01/2025).
    reponse = client.get(URL_APERCU, {"annee": 2024, "exercice": 2024})
    assert reponse.status_code == 200
    assert "Sélectionnez un choix valide" in reponse.content.decode()


def test_B1_issue_after_confirmation(
    client, responsable_financier, emetteur, membres_varies, django_capture_on_commit_callbacks
):
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, CAMPAGNE_WEB)
    signature = ApercuCampagne.objects.get(annee=2025, exercice=EXERCICE).signature
    donnees = {**CAMPAGNE_WEB, "signature": signature}

    reponse = client.post(URL_EMETTRE, donnees, follow=True)
    assert "Cochez la case pour confirmer" in reponse.content.decode()
    assert not TitreDeRecettes.objects.exists() and not DemandeEmission.objects.exists()

    # The request records the demand and enqueues the issue (the test task backend runs it
    # at once); the PDFs are rendered by another task, after commit.
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        reponse = client.post(URL_EMETTRE, {**donnees, "confirme": "on"})
    assert reponse.status_code == 302 and reponse["Location"] == URL_APERCU_2025
    demande = DemandeEmission.objects.get()
    nouvelle = Campagne.objects.get()
    assert demande.etat == DemandeEmission.Etat.TERMINEE and demande.campagne == nouvelle
    assert demande.demandee_par == responsable_financier
    assert TitreDeRecettes.objects.count() == 2
    assert not TitreDeRecettes.objects.exclude(pdf="").exists()
    assert len(rappels) == 1
    assert nouvelle.lancee_par == responsable_financier and nouvelle.exercice == EXERCICE
    # Issued: the stored preview is gone, the page says so and leads to the campaign.
    assert not ApercuCampagne.objects.exists()
    page = client.get(URL_APERCU_2025).content.decode()
    url_campagne = reverse("tarification:campagne", args=[nouvelle.pk])
    assert "Campagne émise" in page
    assert f'href="{url_campagne}"' in page

    page = client.get(url_campagne).content.decode()
    # Updated in place (a small fetch), never by reloading the whole page.
    assert "<progress" in page and "js/progression.js" in page and "data-en-cours" in page
    assert 'http-equiv="refresh"' not in page
    rappels[0]()  # the worker runs
    page = client.get(url_campagne).content.decode()
    assert "PDF prêts" in page and "<progress" not in page
    assert "Télécharger les PDF (ZIP)" in page


def test_B1_unfinished_year_warning_and_confirmation(
    client, responsable_financier, emetteur, membre, population_factory
):
    annee = timezone.localdate().year
    commune = membre()
    if annee > 2026:
        population_factory(commune, annee, 2355)
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, {"annee": annee})
    page = client.get(URL_APERCU, {"annee": annee}).content.decode()
    assert f"L'année {annee} n'est pas terminée." in page
    assert "Je sais que l&#x27;année n&#x27;est pas terminée" in page

    apercu = module_apercu.apercu(annee=annee)
    donnees = {
        "annee": annee,
        "exercice": apercu.exercice,
        "signature": apercu.signature,
        "confirme": "on",
    }
    reponse = client.post(URL_EMETTRE, donnees, follow=True)
    assert "cochez la case pour émettre malgré tout" in reponse.content.decode()
    assert not TitreDeRecettes.objects.exists()
    client.post(URL_EMETTRE, {**donnees, "annee_en_cours": "on"})
    assert TitreDeRecettes.objects.get().exercice == apercu.exercice == annee  # B3


def test_B2_issue_refused_if_the_data_has_changed(client, responsable_financier, emetteur, membre):
    membre(nom="Allaire")
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, CAMPAGNE_WEB)
    signature = ApercuCampagne.objects.get().signature
    membre(nom="Redon")  # a member added between the preview and the confirmation
    reponse = client.post(
        URL_EMETTRE,
        {**CAMPAGNE_WEB, "signature": signature, "confirme": "on"},
        follow=True,
    )
    page = reponse.content.decode()
    assert "n'a pas abouti : aucun titre n'a été émis" in page
    assert "Les données ont changé depuis l&#x27;aperçu" in page
    assert "Recalculez l&#x27;aperçu" in page
    assert not TitreDeRecettes.objects.exists()
    assert DemandeEmission.objects.get().etat == DemandeEmission.Etat.ECHOUEE
    # Once the preview is computed again, the failure is no longer news.
    client.post(URL_CALCULER, CAMPAGNE_WEB)
    assert "n'a pas abouti" not in client.get(URL_APERCU_2025).content.decode()


def test_read_only_without_the_right_to_issue(client, django_user_model, emetteur, membre):
    from django.contrib.auth.models import Permission

    # A finance assistant: the finance role's pages, without the right to issue.
    lecteur = django_user_model.objects.create_user("lecteur", password="x", is_staff=True)
    lecteur.user_permissions.set(
        Permission.objects.filter(codename__in=["view_campagne", "role_finances"])
    )
    membre(nom="Allaire")
    client.force_login(lecteur)
    client.post(URL_CALCULER, {"annee": 2025})  # computing a preview issues nothing
    page = client.get(URL_APERCU, {"annee": 2025}).content.decode()
    assert "Allaire" in page
    assert "Émettre les titres" not in page
    assert client.post(URL_EMETTRE, {"annee": 2025}).status_code == 403


def test_campagne_page_query_count_is_constant(
    client, responsable_financier, emetteur, membre, django_assert_num_queries
):
    _membres(membre, 3)
    petite = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    _membres(membre, 30, debut=3)
    grande = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    client.force_login(responsable_financier)
    with CaptureQueriesContext(connection) as peu:
        client.get(reverse("tarification:campagne", args=[petite.pk]))
    with django_assert_num_queries(len(peu)):
        reponse = client.get(reverse("tarification:campagne", args=[grande.pk]))
    assert reponse.content.decode().count("en cours</span>") == 30


def test_titres_list_filters_and_queries(
    client, responsable_financier, emetteur, membre, django_assert_num_queries
):
    _membres(membre, 3)
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    client.force_login(responsable_financier)
    url = reverse("tarification:titres")
    with CaptureQueriesContext(connection) as peu:
        client.get(url)
    _membres(membre, 30, debut=3)
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    with django_assert_num_queries(len(peu)):
        reponse = client.get(url)
    assert reponse.content.decode().count("Commune de Commune") == 33
    filtre = client.get(url, {"numero": 2}).content.decode()
    assert filtre.count("Commune de Commune") == 1
    # The commune is searched by name or INSEE code (a text field: no list of every commune).
    assert (
        client.get(url, {"commune": "commune 003"}).content.decode().count("Commune de Commune")
        == 1
    )
    commune = TitreDeRecettes.objects.order_by("numero").first().commune
    par_insee = client.get(url, {"commune": commune.code_insee}).content.decode()
    assert par_insee.count("Commune de Commune") == 1 and commune.nom in par_insee
