"""The grid (barème) in the admin: DSI staff edit a version with its lines; a gap or an overlap
between brackets (P2), or two versions in force at once, is refused with a French message and
nothing is saved; every change is historised."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from tarification.models import Emetteur, LigneBareme, VersionBareme

D = Decimal
CHAMPS = [
    "service",
    "tranche",
    "borne_inf",
    "inf_incluse",
    "borne_sup",
    "sup_incluse",
    "part_fixe",
    "taux",
    "jours",
    "derogation_requise",
    "article",
]


@pytest.fixture
def dsi(client, agent_dsi):
    client.force_login(agent_dsi)
    return client


@pytest.fixture
def article_7():
    return VersionBareme.objects.get()


def ligne_vers_dict(ligne: LigneBareme) -> dict:
    return {champ: getattr(ligne, champ) for champ in CHAMPS} | {"id": ligne.pk}


def formulaire(version: dict, lignes: list[dict], initiales: int = 0) -> dict:
    """POST data of the admin form: the version's fields and the "lignes" inline formset."""
    donnees = {
        "libelle": version["libelle"],
        "reference": version["reference"],
        "debut": version["debut"].isoformat(),
        "fin": version["fin"].isoformat() if version.get("fin") else "",
        "pool_jours": "117",
        "prix_demi_journee": "200",
        "mode_niveau1": version.get("mode_niveau1", "volume_partage"),
        "fondement_mode": version.get("fondement_mode", "délibération n° 2029-101 du 15/12/2029"),
        "lignes-TOTAL_FORMS": str(len(lignes)),
        "lignes-INITIAL_FORMS": str(initiales),
        "lignes-MIN_NUM_FORMS": "0",
        "lignes-MAX_NUM_FORMS": "1000",
    }
    for i, ligne in enumerate(lignes):
        for champ, valeur in ligne.items():
            cle = f"lignes-{i}-{champ}"
            if champ in ("inf_incluse", "sup_incluse", "derogation_requise", "DELETE"):
                if valeur:
                    donnees[cle] = "on"
            else:
                donnees[cle] = "" if valeur is None else str(valeur)
    return donnees


def lignes_article_7(version) -> list[dict]:
    return [
        {k: v for k, v in ligne_vers_dict(ligne).items() if k != "id"}
        for ligne in version.lignes.all()
    ]


def nouvelle_version(debut=date(2030, 1, 1)) -> dict:
    return {"libelle": "Barème 2030", "reference": "Délibération 2029-001", "debut": debut}


def compter():
    return (
        VersionBareme.objects.count(),
        LigneBareme.objects.count(),
        VersionBareme.history.count(),
        LigneBareme.history.count(),
    )


@pytest.fixture
def article_7_clos(article_7):
    article_7.fin = date(2029, 12, 31)
    article_7.save()
    return article_7


def test_P2_admin_accepts_a_complete_version(dsi, article_7_clos):
    avant = compter()
    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_add"),
        formulaire(nouvelle_version(), lignes_article_7(article_7_clos)),
    )
    assert reponse.status_code == 302, unescape(reponse.content.decode())
    nouvelle = VersionBareme.objects.get(libelle="Barème 2030")
    assert nouvelle.lignes.count() == 16
    assert nouvelle.grille().ligne("socle_complet", 2355).part_fixe == D("2000")
    assert compter()[:2] == (avant[0] + 1, avant[1] + 16)


@pytest.mark.parametrize(
    ("modifier", "message"),
    [
        # the « de 1 500 à moins de 3 000 » socle row starting at 1 501: 1 500 uncovered
        (
            lambda ligne: ligne.update(borne_inf=1501),
            "Socle complet : trou entre 1499 et 1501 habitants (aucune tranche pour 1500 "
            "habitants).",
        ),
        # the same row up to 3 000 included: 3 000 in two brackets
        (
            lambda ligne: ligne.update(sup_incluse=True),
            "Socle complet : chevauchement entre « de 1 500 à moins de 3 000 » et « de 3 000 à "
            "8 000 » (de 3000 à 3000 habitants).",
        ),
    ],
    ids=["trou", "chevauchement"],
)
def test_P2_admin_refuses_gap_or_overlap_and_saves_nothing(dsi, article_7_clos, modifier, message):
    lignes = lignes_article_7(article_7_clos)
    (cible,) = [
        ligne
        for ligne in lignes
        if ligne["service"] == "socle_complet" and ligne["tranche"].startswith("de 1 500")
    ]
    modifier(cible)
    avant = compter()

    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_add"), formulaire(nouvelle_version(), lignes)
    )

    assert reponse.status_code == 200
    html = unescape(reponse.content.decode())
    assert "Barème refusé, rien n'a été enregistré" in html
    assert message in html
    assert compter() == avant


def test_P2_admin_change_creating_an_overlap_refused(dsi, article_7):
    lignes = [ligne_vers_dict(ligne) for ligne in article_7.lignes.all()]
    for ligne in lignes:
        ligne["version"] = article_7.pk
        if ligne["service"] == "groupement" and ligne["tranche"] == "de 3 000 à 8 000":
            ligne["borne_sup"] = 9000
    version = {
        "libelle": article_7.libelle,
        "reference": article_7.reference,
        "debut": article_7.debut,
    }
    avant = compter()

    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_change", args=[article_7.pk]),
        formulaire(version, lignes, initiales=len(lignes)),
    )

    assert reponse.status_code == 200
    html = unescape(reponse.content.decode())
    assert "Groupement d'achats : chevauchement" in html
    assert compter() == avant
    assert not LigneBareme.objects.filter(borne_sup=9000).exists()


def test_P2_admin_deleting_a_bracket_refused(dsi, article_7):
    lignes = [
        ligne_vers_dict(ligne) | {"version": article_7.pk} for ligne in article_7.lignes.all()
    ]
    for ligne in lignes:
        if ligne["service"] == "audit" and ligne["tranche"] == "plus de 8 000":
            ligne["DELETE"] = True
    version = {
        "libelle": article_7.libelle,
        "reference": article_7.reference,
        "debut": article_7.debut,
    }

    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_change", args=[article_7.pk]),
        formulaire(version, lignes, initiales=len(lignes)),
    )

    assert reponse.status_code == 200
    assert "Audit : aucune tranche au-delà de 8000 habitants." in unescape(reponse.content.decode())
    assert article_7.lignes.count() == 16


def test_T6_admin_niveau_1_dotation_in_days(dsi, article_7_clos):
    lignes = lignes_article_7(article_7_clos)
    for ligne in lignes:
        if ligne["service"] == "niveau1" and ligne["tranche"] == "moins de 1 500":
            ligne["jours"] = None
    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_add"), formulaire(nouvelle_version(), lignes)
    )
    assert reponse.status_code == 200
    assert "Indiquez la dotation en jours" in unescape(reponse.content.decode())
    assert not VersionBareme.objects.filter(libelle="Barème 2030").exists()


def test_T6_admin_niveau_1_billing_mode_and_its_basis(dsi, article_7_clos):
    lignes = lignes_article_7(article_7_clos)
    sans_fondement = formulaire(nouvelle_version() | {"fondement_mode": ""}, lignes)
    reponse = dsi.post(reverse("admin:tarification_versionbareme_add"), sans_fondement)
    assert reponse.status_code == 200
    assert not VersionBareme.objects.filter(libelle="Barème 2030").exists()
    donnees = formulaire(
        nouvelle_version()
        | {"mode_niveau1": "dotation_individuelle", "fondement_mode": "décision n° 12"},
        lignes,
    )
    reponse = dsi.post(reverse("admin:tarification_versionbareme_add"), donnees)
    assert reponse.status_code == 302, unescape(reponse.content.decode())
    version = VersionBareme.objects.get(libelle="Barème 2030")
    grille = version.grille()
    assert grille.mode_niveau1.value == "dotation_individuelle"
    assert grille.fondement_mode == "décision n° 12"


def test_T6_the_seeded_bareme_version_is_in_volume_partage(db, article_7):
    assert article_7.mode_niveau1 == "volume_partage"
    assert article_7.fondement_mode.startswith("convention de service commun")


def test_admin_overlapping_versions_refused(dsi, article_7):
    # The Article 7 version is open-ended: a version from 2030 would overlap it.
    avant = compter()
    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_add"),
        formulaire(nouvelle_version(), lignes_article_7(article_7)),
    )
    assert reponse.status_code == 200
    assert "Cette période chevauche la version" in unescape(reponse.content.decode())
    assert compter() == avant


def test_admin_every_change_is_historised(dsi, article_7):
    lignes = [
        ligne_vers_dict(ligne) | {"version": article_7.pk} for ligne in article_7.lignes.all()
    ]
    for ligne in lignes:
        if ligne["service"] == "socle_complet" and ligne["part_fixe"] == D("2000"):
            ligne["part_fixe"] = D("2100")
            modifiee = ligne["id"]
    version = {
        "libelle": article_7.libelle + " (révisé)",
        "reference": article_7.reference,
        "debut": article_7.debut,
    }
    historique_version = article_7.history.count()
    historique_ligne = LigneBareme.history.filter(id=modifiee).count()

    reponse = dsi.post(
        reverse("admin:tarification_versionbareme_change", args=[article_7.pk]),
        formulaire(version, lignes, initiales=len(lignes)),
    )

    assert reponse.status_code == 302, unescape(reponse.content.decode())
    assert article_7.history.count() == historique_version + 1
    assert article_7.history.first().history_user.username == "agent-dsi"
    historique = LigneBareme.history.filter(id=modifiee)
    assert historique.count() == historique_ligne + 1
    assert historique.first().part_fixe == D("2100")
    assert historique.first().history_user.username == "agent-dsi"
    # The history page of the version opens.
    page = dsi.get(reverse("admin:tarification_versionbareme_history", args=[article_7.pk]))
    assert page.status_code == 200


def test_admin_list_of_versions(dsi, article_7, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        reponse = dsi.get(reverse("admin:tarification_versionbareme_changelist"))
    assert reponse.status_code == 200
    assert article_7.libelle in unescape(reponse.content.decode())


def test_admin_single_issuer_never_deleted(dsi, secretaire_a, client):
    assert dsi.get(reverse("admin:tarification_emetteur_add")).status_code == 200
    Emetteur.objects.create(
        nom="Redon Agglomération",
        siren="243500741",
        adresse="3 rue Charles Sillard",
        code_postal="35600",
        ville="Redon",
    )
    assert dsi.get(reverse("admin:tarification_emetteur_add")).status_code == 403
    assert dsi.get(reverse("admin:tarification_emetteur_delete", args=[1])).status_code == 403
    assert dsi.get(reverse("admin:tarification_emetteur_change", args=[1])).status_code == 200


def test_admin_forbidden_to_a_member(client, secretaire_a):
    client.force_login(secretaire_a)
    reponse = client.get(reverse("admin:tarification_versionbareme_changelist"))
    assert reponse.status_code == 302  # to the admin login: not staff
