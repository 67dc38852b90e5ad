"""B2 at scale — the campaign preview is computed on demand and stored (ApercuCampagne,
ApercuMembre); the preview page reads the stored rows, paginated and filtered in the
database, never computes, and answers in a number of queries that does not depend on the
number of members. Issuing still checks the stored signature against a fresh preview."""

import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membres.models import Commune
from tarification.campagne import actes as actes_campagne
from tarification.campagne import apercu as module_apercu
from tarification.campagne.apercu_enregistre import enregistrer_apercu, oublier_apercu
from tarification.campagne.apercu_json import membre_en_json
from tarification.models import ApercuCampagne, ApercuMembre, Campagne, TitreDeRecettes
from tarification.titres import exercices

D = Decimal
pytestmark = pytest.mark.django_db

URL_APERCU = reverse("tarification:campagne_apercu")
URL_CALCULER = reverse("tarification:campagne_apercu_calculer")
URL_EMETTRE = reverse("tarification:campagne_emettre")
URL_CAMPAGNES = reverse("tarification:campagnes")
# B3: the pages offer the exercices open today; the campaign 2025 goes on the default one.
EXERCICE = exercices.exercice_par_defaut(2025, timezone.localdate())
CAMPAGNE = {"annee": 2025, "exercice": EXERCICE}


@pytest.fixture
def membres_varies(membre, commune_factory, adhesion_factory):
    """One member per case of the preview: to bill, to bill with warnings, audit only
    (nothing in the campaign), review missing (blocked), population missing (blocked)."""
    cas = {
        "allaire": membre(nom="Allaire", code_insee="56001"),
        "bains": membre(nom="Bains-sur-Oust", siret="", code_service_chorus="", adresse=""),
        "fougerets": membre(nom="Les Fougerêts", formule="audit", population=800),
        "plesse": membre(nom="Plessé", service_informatique=True),
    }
    bruc = commune_factory(nom="Bruc-sur-Aff")
    adhesion_factory(bruc, formule="groupement", date_effet=date(2024, 1, 1))
    cas["bruc"] = bruc
    commune_factory(nom="Non membre")
    return cas


def _membres(membre, nombre, debut=0):
    return [membre(nom=f"Commune {i:03d}") for i in range(debut, debut + nombre)]


def _interdire_le_calcul(monkeypatch):
    def calcul_interdit(**kwargs):
        raise AssertionError("la page ne doit pas calculer l'aperçu")

    monkeypatch.setattr(module_apercu, "apercu", calcul_interdit)


def _signature_du_formulaire(page: str) -> str:
    return re.search(r'name="signature" value="([0-9a-f]{64})"', page).group(1)


# --- Storing ---------------------------------------------------------------------------------


def test_B2_the_saved_apercu_reproduces_the_computed_apercu(membres_varies, responsable_financier):
    enregistre = enregistrer_apercu(annee=2025, exercice=2026, par=responsable_financier)
    calcule = module_apercu.apercu(annee=2025, exercice=2026)

    assert enregistre.signature == calcule.signature
    assert enregistre.calcule_par == responsable_financier
    assert enregistre.annee_terminee is True
    assert (
        enregistre.nb_membres,
        enregistre.nb_a_emettre,
        enregistre.nb_bloques,
        enregistre.nb_sans_titre,
        enregistre.nb_a_jour,
        enregistre.nb_avertissements,
    ) == (5, 2, 2, 1, 0, 1)
    enregistre.refresh_from_db()
    assert enregistre.total == calcule.total == D("5532.50") * 2

    lignes = {m.commune_id: m for m in enregistre.membres.all()}
    assert set(lignes) == {m.commune.pk for m in calcule.membres}
    for membre in calcule.membres:
        ligne = lignes[membre.commune.pk]
        assert (ligne.nom, ligne.code_insee) == (membre.commune.nom, membre.commune.code_insee)
        assert ligne.statut == membre.statut
        assert (ligne.calcule, ligne.deja_facture, ligne.a_emettre) == (
            membre.calcule,
            membre.deja_facture,
            membre.a_emettre,
        )
        assert ligne.formules == membre.formules
        # The page's figures are the command's: the member's JSON object, stored as built.
        assert ligne.donnees == membre_en_json(membre)
        assert ligne.liste_anomalies == membre.anomalies

    allaire = lignes[membres_varies["allaire"].pk]
    assert allaire.lignes[0]["montant"] == "5532.50"
    assert allaire.lignes[0]["deja_facture"] == "0.00"
    assert "art. 7.1 — population municipale 2\u00a0355 hab." in allaire.lignes[0]["base"]
    assert lignes[membres_varies["plesse"].pk].calcule is None  # blocked
    assert lignes[membres_varies["bruc"].pk].statut == ApercuMembre.Statut.BLOQUE
    assert "SIRET manquant" in lignes[membres_varies["bains"].pk].liste_avertissements[0]


def test_B4_the_saved_apercu_keeps_what_is_already_billed(emetteur, membre):
    commune = membre(nom="Allaire")
    emise = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=date(2026, 2, 10))
    enregistrer_apercu(annee=2025, exercice=2026, par=None)
    ligne = ApercuMembre.objects.get(commune=commune)
    numero = emise.bordereau.titres.get().numero
    assert ligne.statut == ApercuMembre.Statut.A_JOUR
    assert (ligne.calcule, ligne.deja_facture, ligne.a_emettre) == (
        D("5532.50"),
        D("5532.50"),
        D("0.00"),
    )
    (socle,) = ligne.lignes
    assert (socle["montant"], socle["deja_facture"], socle["ecart"]) == (
        "5532.50",
        "5532.50",
        "0.00",
    )
    assert socle["motif"] == (
        f"déjà facturé par le titre n° {numero} (exercice 2026) du 10/02/2026"
    )
    assert ligne.liste_avertissements[-1] == (
        "Déjà facturé : Socle complet — contribution annuelle 2025 : " + socle["motif"]
    )


def test_B2_recomputing_replaces_the_saved_apercu(membre, responsable_financier, agent_dsi):
    _membres(membre, 2)
    premier = enregistrer_apercu(annee=2025, exercice=2026, par=responsable_financier)
    anciennes = set(premier.membres.values_list("pk", flat=True))
    _membres(membre, 3, debut=2)
    second = enregistrer_apercu(annee=2025, exercice=2026, par=agent_dsi)

    assert ApercuCampagne.objects.count() == 1
    second.refresh_from_db()
    assert second.pk == premier.pk and second.calcule_par == agent_dsi
    assert second.calcule_le >= premier.calcule_le
    assert second.nb_membres == 5 and second.signature != premier.signature
    assert ApercuMembre.objects.count() == 5
    assert not ApercuMembre.objects.filter(pk__in=anciennes).exists()
    # Another exercice is another preview.
    enregistrer_apercu(annee=2024, exercice=2025, par=None)
    assert ApercuCampagne.objects.count() == 2 and ApercuMembre.objects.count() == 10


def test_B2_saving_in_a_constant_number_of_queries(membre, responsable_financier):
    _membres(membre, 3)
    enregistrer_apercu(annee=2025, exercice=2026, par=responsable_financier)  # one to replace
    with CaptureQueriesContext(connection) as petit:
        enregistrer_apercu(annee=2025, exercice=2026, par=responsable_financier)
    _membres(membre, 27, debut=3)
    with CaptureQueriesContext(connection) as grand:
        apercu = enregistrer_apercu(annee=2025, exercice=2026, par=responsable_financier)
    assert apercu.nb_membres == 30 and ApercuMembre.objects.count() == 30
    assert len(grand) == len(petit)
    # The members' rows: one DELETE of the old ones, one COPY of the new ones (PostgreSQL; an
    # INSERT by batch of 500 on SQLite).
    ecritures = [q["sql"].split()[0] for q in grand if "tarification_apercumembre" in q["sql"]]
    assert ecritures == ["DELETE", "COPY" if connection.vendor == "postgresql" else "INSERT"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_B2_concurrent_computations_of_the_same_apercu(bareme_article_7, membre):
    """Four finance officers compute the same preview at the same moment: no error (the
    summary row is created once, the others wait for its lock), one preview, no member
    twice."""
    _membres(membre, 5)
    depart = threading.Barrier(4)
    erreurs = []

    def calculer():
        try:
            depart.wait()
            enregistrer_apercu(annee=2025, exercice=2026, par=None)
        except Exception as erreur:  # noqa: BLE001 — reported below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=calculer) for _ in range(4)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=120)
    assert not erreurs, erreurs
    apercu = ApercuCampagne.objects.get()
    assert apercu.nb_membres == 5
    assert sorted(apercu.membres.values_list("nom", flat=True)) == [
        f"Commune {i:03d}" for i in range(5)
    ]


def test_B2_deleting_a_commune_deletes_its_apercu_line(membre):
    enregistrer_apercu(annee=2025, exercice=2026, par=None)
    commune = Commune.objects.create(code_insee="35999", nom="Fusionnée", departement="35")
    apercu = ApercuCampagne.objects.get()
    ApercuMembre.objects.create(
        apercu=apercu, commune=commune, nom=commune.nom, code_insee="35999", statut="sans_titre"
    )
    commune.delete()  # a disposable snapshot never blocks the back office
    assert not ApercuMembre.objects.filter(nom="Fusionnée").exists()


def test_the_saved_statuses_are_those_of_the_apercu():
    # One list of statuses: what the preview gives is what the stored preview accepts.
    stockes = dict(ApercuMembre._meta.get_field("statut").choices)
    statuts = (
        module_apercu.A_EMETTRE,
        module_apercu.BLOQUE,
        module_apercu.SANS_TITRE,
        module_apercu.A_JOUR,
    )
    assert set(stockes) == set(statuts) == {"a_emettre", "bloque", "sans_titre", "a_jour"}
    for statut in statuts:
        membre = module_apercu.MembreApercu(commune=None, contribution=None, statut=statut)
        assert stockes[statut] == membre.get_statut_display()


# --- The page --------------------------------------------------------------------------------


def test_B2_page_without_a_saved_apercu_offers_to_compute_it(
    client, responsable_financier, membre, monkeypatch
):
    membre(nom="Allaire")
    _interdire_le_calcul(monkeypatch)
    client.force_login(responsable_financier)
    page = client.get(URL_APERCU, CAMPAGNE).content.decode()
    assert f"Campagne 2025 — exercice {EXERCICE} : aperçu" in page
    assert "Aucun aperçu n'est enregistré" in page
    assert "Calculer l'aperçu" in page
    assert f'action="{URL_CALCULER}"' in page
    assert "Allaire" not in page and "Émettre les titres" not in page


def test_B2_compute_then_view_the_saved_apercu(
    client, responsable_financier, emetteur, membres_varies
):
    responsable_financier.first_name, responsable_financier.last_name = "Dominique", "Caron"
    responsable_financier.save()
    client.force_login(responsable_financier)
    reponse = client.post(URL_CALCULER, CAMPAGNE)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"{URL_APERCU}?annee=2025&exercice={EXERCICE}"
    page = client.get(reponse["Location"]).content.decode()
    assert re.search(r"Aperçu calculé en \d+,\d s : 5 membres, dont 2 titres à émettre\.", page), (
        page
    )
    apercu = ApercuCampagne.objects.get()
    quand = timezone.localtime(apercu.calcule_le).strftime("%d/%m/%Y à %H:%M")
    assert f"Aperçu calculé le {quand} par Dominique Caron" in page
    assert "Recalculer l'aperçu" in page
    assert "Les données ont pu changer depuis ; l'émission vérifie que rien n'a changé" in page
    for texte in [
        "11\u00a0065,00\u00a0€",  # the summary's total
        "5\u00a0532,50\u00a0€",
        "art. 7.1 — population municipale 2\u00a0355 hab.",
        "SIRET manquant (Chorus Pro)",
        "Population manquante",
        "l&#x27;audit se facture à la livraison du rapport",
        "Émettre les titres",
    ]:
        assert texte in page, texte
    assert _signature_du_formulaire(page) == apercu.signature


def test_B2_the_page_reads_the_saved_apercu_without_recomputing_it(
    client, responsable_financier, emetteur, membre, monkeypatch
):
    membre(nom="Allaire")
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, CAMPAGNE)
    membre(nom="Rieux")  # the data change after the preview was stored
    with monkeypatch.context() as m:
        _interdire_le_calcul(m)
        page = client.get(URL_APERCU, CAMPAGNE).content.decode()
    assert "Allaire" in page and "Rieux" not in page
    assert "1 membre</p>" in page

    # Issuing from the stale preview is refused, and the page says what to do.
    reponse = client.post(
        URL_EMETTRE,
        {**CAMPAGNE, "signature": _signature_du_formulaire(page), "confirme": "on"},
        follow=True,
    )
    contenu = reponse.content.decode()
    assert "Les données ont changé depuis l&#x27;aperçu" in contenu
    assert "Recalculez l&#x27;aperçu" in contenu
    assert not TitreDeRecettes.objects.exists()

    # Recomputed, it shows the new member and can be issued; then it is forgotten.
    page = client.post(URL_CALCULER, CAMPAGNE, follow=True).content.decode()
    assert "Rieux" in page and "2 membres</p>" in page
    reponse = client.post(
        URL_EMETTRE, {**CAMPAGNE, "signature": _signature_du_formulaire(page), "confirme": "on"}
    )
    assert reponse["Location"] == f"{URL_APERCU}?annee=2025&exercice={EXERCICE}"
    assert TitreDeRecettes.objects.count() == 2
    assert not ApercuCampagne.objects.exists()
    page = client.get(URL_APERCU, CAMPAGNE).content.decode()
    assert "Calculer l'aperçu" in page and "Émettre les titres" not in page
    url_campagne = reverse("tarification:campagne", args=[Campagne.objects.get().pk])
    assert "Campagne émise" in page and f'href="{url_campagne}"' in page


def test_B2_apercu_page_query_count_is_constant(
    client, responsable_financier, emetteur, membre, django_assert_num_queries
):
    _membres(membre, 3)
    client.force_login(responsable_financier)
    client.post(URL_CALCULER, CAMPAGNE)
    requetes = {}
    for nom, parametres in [
        ("tout", CAMPAGNE),
        ("statut", {**CAMPAGNE, "statut": "a_emettre"}),
        ("nom", {**CAMPAGNE, "nom": "commune 00"}),
    ]:
        with CaptureQueriesContext(connection) as peu:
            assert client.get(URL_APERCU, parametres).status_code == 200
        requetes[nom] = len(peu)  # read now: the next request resets Django's query log
    assert requetes["tout"] <= 10  # with the niveau 1 mode and the pool's use (T6): 2

    _membres(membre, 27, debut=3)
    client.post(URL_CALCULER, CAMPAGNE)
    with django_assert_num_queries(requetes["tout"]):
        page = client.get(URL_APERCU, CAMPAGNE).content.decode()
    assert page.count('class="etiquette etiquette--ok"') == 30
    with django_assert_num_queries(requetes["statut"]):
        client.get(URL_APERCU, {**CAMPAGNE, "statut": "a_emettre"})
    with django_assert_num_queries(requetes["nom"]):
        page = client.get(URL_APERCU, {**CAMPAGNE, "nom": "commune 00"}).content.decode()
    assert page.count('class="etiquette etiquette--ok"') == 10  # Commune 000 … 009


@pytest.fixture
def apercu_de_150(db):
    """A stored preview of 150 members written directly (the page only reads it): every
    third member blocked, the others to bill."""
    communes = Commune.objects.bulk_create(
        Commune(code_insee=f"{35000 + i:05d}", nom=f"Membre {i:03d}", departement="35")
        for i in range(150)
    )
    apercu = ApercuCampagne.objects.create(
        **CAMPAGNE,
        calcule_le=timezone.now(),
        signature="0" * 64,
        annee_terminee=True,
        nb_membres=150,
        nb_a_emettre=100,
        nb_bloques=50,
        nb_sans_titre=0,
        nb_avertissements=0,
        total=D("100000.00"),
    )
    ApercuMembre.objects.bulk_create(
        ApercuMembre(
            apercu=apercu,
            commune=commune,
            nom=commune.nom,
            code_insee=commune.code_insee,
            statut="bloque" if i % 3 == 0 else "a_emettre",
            calcule=None if i % 3 == 0 else D("1000.00"),
            a_emettre=D("0.00") if i % 3 == 0 else D("1000.00"),
            donnees={
                "lignes": []
                if i % 3 == 0
                else [
                    {
                        "code": "socle_complet",
                        "libelle": "Socle",
                        "base": "art. 7.1",
                        "montant": "1000.00",
                        "deja_facture": "0.00",
                        "ecart": "1000.00",
                        "motif": "à facturer",
                    }
                ],
                "anomalies": ["Population manquante"] if i % 3 == 0 else [],
                "avertissements": [],
            },
        )
        # Inserted in reverse order: the page sorts by name, not by insertion.
        for i, commune in reversed(list(enumerate(communes)))
    )
    return apercu


def _noms(page: str) -> list[str]:
    return re.findall(r"<td >(Membre \d{3})</td>", page)


def test_B2_apercu_page_paginated_by_50_in_name_order(client, responsable_financier, apercu_de_150):
    client.force_login(responsable_financier)
    with CaptureQueriesContext(connection) as requetes:
        page = client.get(URL_APERCU, CAMPAGNE).content.decode()
    assert _noms(page) == [f"Membre {i:03d}" for i in range(50)]
    lecture = [q["sql"] for q in requetes if 'FROM "tarification_apercumembre"' in q["sql"]]
    assert len(lecture) == 2  # COUNT, then one page of rows
    assert "LIMIT 50" in lecture[1]
    page_2 = client.get(URL_APERCU, {**CAMPAGNE, "page": 2}).content.decode()
    assert _noms(page_2) == [f"Membre {i:03d}" for i in range(50, 100)]
    # The summary comes from the stored row, not from the page shown.
    assert "100 membres</p>" in page_2 and "100\u00a0000,00\u00a0€" in page_2


def test_B2_page_filters_applied_in_the_database(client, responsable_financier, apercu_de_150):
    client.force_login(responsable_financier)
    with CaptureQueriesContext(connection) as requetes:
        page = client.get(URL_APERCU, {**CAMPAGNE, "statut": "bloque"}).content.decode()
    assert _noms(page) == [f"Membre {i:03d}" for i in range(0, 150, 3)]
    lignes = [q["sql"] for q in requetes if 'FROM "tarification_apercumembre"' in q["sql"]]
    assert all("bloque" in sql for sql in lignes)
    assert "Émettre les titres" in page  # a status filter keeps the confirmation, as before

    page = client.get(URL_APERCU, {**CAMPAGNE, "nom": "MEMBRE 12"}).content.decode()
    assert _noms(page) == [f"Membre {i}" for i in range(120, 130)]
    assert "Émettre les titres" not in page
    assert "Retirez le filtre sur le membre pour émettre la campagne entière." in page

    page = client.get(
        URL_APERCU, {**CAMPAGNE, "nom": "membre 1", "statut": "a_emettre"}
    ).content.decode()
    assert _noms(page) == [f"Membre {i}" for i in range(100, 150) if i % 3]


def test_B2_apercu_page_sorted_by_amount(client, responsable_financier, apercu_de_150):
    ApercuMembre.objects.filter(nom="Membre 149").update(a_emettre=D("9.99"), calcule=D("9.99"))
    client.force_login(responsable_financier)
    page = client.get(URL_APERCU, {**CAMPAGNE, "sort": "calcule"}).content.decode()
    assert _noms(page)[0] == "Membre 149"
    page = client.get(URL_APERCU, {**CAMPAGNE, "sort": "-calcule", "page": 3}).content.decode()
    assert _noms(page)[-1] == "Membre 147"  # blocked members (nothing computed) last


# --- Rights and bad input --------------------------------------------------------------------


def test_computing_the_apercu_is_restricted(client, secretaire_a, membre):
    membre()
    reponse = client.post(URL_CALCULER, CAMPAGNE)
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("login"))
    assert client.get(URL_APERCU, CAMPAGNE).status_code == 302
    client.force_login(secretaire_a)
    assert client.post(URL_CALCULER, CAMPAGNE).status_code == 403
    assert client.get(URL_APERCU, CAMPAGNE).status_code == 403
    assert client.get(URL_CALCULER, CAMPAGNE).status_code in (403, 405)
    assert not ApercuCampagne.objects.exists()


def test_computing_the_apercu_requires_the_csrf_token(responsable_financier, membre):
    membre()
    client = Client(enforce_csrf_checks=True)
    client.force_login(responsable_financier)
    assert client.post(URL_CALCULER, CAMPAGNE).status_code == 403
    assert not ApercuCampagne.objects.exists()


def test_reader_can_compute_without_being_able_to_issue(client, django_user_model, membre):
    from django.contrib.auth.models import Permission

    # A finance assistant: the finance role's pages, without the right to issue.
    lecteur = django_user_model.objects.create_user("lecteur", password="x", is_staff=True)
    lecteur.user_permissions.set(
        Permission.objects.filter(codename__in=["view_campagne", "role_finances"])
    )
    membre(nom="Allaire")
    client.force_login(lecteur)
    page = client.post(URL_CALCULER, CAMPAGNE, follow=True).content.decode()
    assert "Allaire" in page and "Recalculer l'aperçu" in page
    assert "Émettre les titres" not in page
    assert ApercuCampagne.objects.get().calcule_par == lecteur


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"annee": "1999"}, "Année des contributions (N) : Sélectionnez un choix valide."),
        ({"annee": "deux mille"}, "Année des contributions (N) : Sélectionnez un choix valide."),
        ({}, "Année des contributions (N) : Ce champ est obligatoire."),
        # B3: exercice 2024 is never open again (its journée complémentaire was 31/01/2025).
        ({"annee": "2024", "exercice": "2024"}, "Exercice : Sélectionnez un choix valide."),
    ],
)
def test_computing_the_apercu_refuses_a_wrong_campagne(
    client, responsable_financier, donnees, message
):
    client.force_login(responsable_financier)
    reponse = client.post(URL_CALCULER, donnees)
    assert reponse.status_code == 302 and reponse["Location"] == URL_CAMPAGNES
    page = client.get(URL_CAMPAGNES).content.decode().replace("&#x27;", "'")
    assert message in page
    assert not ApercuCampagne.objects.exists()


def test_forgetting_the_apercu(membre):
    membre()
    enregistrer_apercu(annee=2025, exercice=2026, par=None)
    enregistrer_apercu(annee=2024, exercice=2025, par=None)
    oublier_apercu(annee=2025, exercice=2026)
    assert list(ApercuCampagne.objects.values_list("annee", flat=True)) == [2024]
    assert ApercuMembre.objects.count() == 1
