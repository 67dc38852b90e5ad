"""Groupements in the portal: join an open groupement if eligible (G1, G8), declare needs
while allowed (G3, G8), withdraw before the launch only (G5)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from groupements.models import AdhesionGroupement, Groupement, PosteBesoin


def url(nom, monde, **kwargs):
    return reverse(f"portail:{nom}", kwargs={"code_insee": monde.commune.code_insee, **kwargs})


@pytest.fixture
def ouvert(agent_dsi):
    """A groupement in its recensement, with a harmonised list of needs."""
    from groupements.actes import passer_etape

    aujourdhui = timezone.localdate()
    groupement = Groupement.objects.create(
        objet="Accès à internet des mairies",
        categorie="internet",
        constitue_le=aujourdhui - timedelta(days=5),
        date_limite_besoins=aujourdhui + timedelta(days=30),
    )
    PosteBesoin.objects.create(
        groupement=groupement,
        designation="Fibre",
        unite="site",
        prix_unitaire_indicatif=600,
        ordre=1,
    )
    PosteBesoin.objects.create(
        groupement=groupement, designation="Secours 4G", unite="site", ordre=2
    )
    passer_etape(groupement=groupement, vers="recensement", le=aujourdhui, par=agent_dsi)
    groupement.refresh_from_db()
    return groupement


def test_G1_an_open_groupement_is_offered_and_joined(client_a, monde_a, ouvert):
    page = client_a.get(url("groupements", monde_a)).content.decode()
    assert "Accès à internet des mairies" in page
    reponse = client_a.post(url("groupement_adherer", monde_a, pk=ouvert.pk), {"membre": ""})
    assert reponse.status_code == 302
    adhesion = AdhesionGroupement.objects.get(groupement=ouvert, commune=monde_a.commune)
    assert adhesion.etablissement is None
    assert adhesion.history.first().history_user.username == "secretaire-a"
    page = client_a.get(url("groupement", monde_a, pk=ouvert.pk)).content.decode()
    assert "Déclarer nos besoins" in page
    assert "Adhérer au groupement" not in page


def test_G1_an_etablissement_of_the_commune_can_join_too(client_a, monde_a, ouvert):
    client_a.post(
        url("groupement_adherer", monde_a, pk=ouvert.pk), {"membre": str(monde_a.etablissement.pk)}
    )
    assert AdhesionGroupement.objects.get(groupement=ouvert).etablissement == monde_a.etablissement


def test_G1_an_ineligible_commune_is_told_why_and_cannot_join(
    client, django_user_model, commune_factory, adhesion_factory, ouvert
):
    from membres.models import Rattachement

    commune = commune_factory(nom="Les Fougerêts")
    adhesion_factory(
        commune, formule="audit", date_effet=timezone.localdate() - timedelta(days=100)
    )
    user = django_user_model.objects.create_user("mairie-audit", password="x")
    Rattachement.objects.create(utilisateur=user, commune=commune)
    client.force_login(user)
    page = client.get(
        reverse("portail:groupement", kwargs={"code_insee": commune.code_insee, "pk": ouvert.pk})
    ).content.decode()
    assert "ne peut pas adhérer à un groupement de commandes" in page
    assert "Adhérer au groupement</button>" not in page
    reponse = client.post(
        reverse(
            "portail:groupement_adherer", kwargs={"code_insee": commune.code_insee, "pk": ouvert.pk}
        ),
        follow=True,
    )
    assert "ne peut pas adhérer" in reponse.content.decode()
    assert not AdhesionGroupement.objects.filter(groupement=ouvert).exists()


def test_G8_a_launched_groupement_of_another_member_is_neither_listed_nor_joinable(
    client_a, monde_a, monde_b
):
    assert (
        monde_b.groupement.objet not in client_a.get(url("groupements", monde_a)).content.decode()
    )
    reponse = client_a.post(url("groupement_adherer", monde_a, pk=monde_b.groupement.pk))
    assert reponse.status_code == 404


@pytest.fixture
def membre(client_a, monde_a, ouvert):
    client_a.post(url("groupement_adherer", monde_a, pk=ouvert.pk), {"membre": ""})
    return AdhesionGroupement.objects.get(groupement=ouvert, commune=monde_a.commune)


def test_G3_needs_are_declared_with_postes_free_lines_and_text(client_a, monde_a, ouvert, membre):
    fibre, secours = ouvert.postes.order_by("ordre")
    formulaire = client_a.get(url("groupement_besoins", monde_a, pk=membre.pk)).content.decode()
    assert "Quantité — Fibre (site)" in formulaire  # every input has a label
    reponse = client_a.post(
        url("groupement_besoins", monde_a, pk=membre.pk),
        {
            f"poste_{fibre.pk}_quantite": "3",
            f"poste_{fibre.pk}_montant": "",  # computed: 3 × 600
            f"poste_{secours.pk}_quantite": "2",
            f"poste_{secours.pk}_montant": "1 250,50",
            "libre_0_designation": "Routeur de la médiathèque",
            "libre_0_unite": "équipement",
            "libre_0_quantite": "1",
            "libre_0_montant": "300",
            "besoins_qualitatifs": "Débit symétrique pour la mairie.",
        },
    )
    assert reponse.status_code == 302
    besoins = {b.designation: b for b in membre.besoins.all()}
    assert str(besoins["Fibre"].montant_estime) == "1800.00"
    assert str(besoins["Secours 4G"].montant_estime) == "1250.50"
    assert besoins["Routeur de la médiathèque"].unite == "équipement"
    membre.refresh_from_db()
    assert membre.besoins_qualitatifs == "Débit symétrique pour la mairie."
    page = (
        client_a.get(url("groupement", monde_a, pk=ouvert.pk))
        .content.decode()
        .replace("\u00a0", " ")
    )
    assert "3 350,50 €" in page  # total estimated
    assert "Modifier nos besoins" in page


def test_G3_an_incomplete_free_line_is_refused_in_french(client_a, monde_a, membre):
    reponse = client_a.post(
        url("groupement_besoins", monde_a, pk=membre.pk),
        {"libre_0_designation": "Switch", "libre_0_quantite": "2"},
    )
    assert reponse.status_code == 200
    assert "Ce champ est nécessaire pour cette ligne." in reponse.content.decode()
    assert not membre.besoins.exists()


def test_G8_needs_are_frozen_once_the_consultation_is_launched(client_a, monde_a):
    adhesion = monde_a.adhesion_groupement  # its groupement is launched (fixture)
    reponse = client_a.post(
        url("groupement_besoins", monde_a, pk=adhesion.pk),
        {"besoins_qualitatifs": "Autre chose"},
        follow=True,
    )
    assert "figés au lancement de la consultation" in reponse.content.decode()
    adhesion.refresh_from_db()
    assert adhesion.besoins_qualitatifs == "Portabilité des numéros."
    page = client_a.get(url("groupement", monde_a, pk=monde_a.groupement.pk)).content.decode()
    assert "Modifier nos besoins" not in page and "Se retirer" not in page


def test_G5_a_member_withdraws_before_the_launch(client_a, monde_a, membre):
    aujourdhui = timezone.localdate()
    reponse = client_a.post(
        url("groupement_retrait", monde_a, pk=membre.pk),
        {"decision_numero": "2026-45", "decision_date": aujourdhui.isoformat()},
    )
    assert reponse.status_code == 302
    membre.refresh_from_db()
    assert membre.retrait_notifie_le == aujourdhui
    assert membre.retrait_decision_numero == "2026-45"


def test_G5_a_retrait_after_the_launch_is_refused_with_a_clear_message(client_a, monde_a):
    adhesion = monde_a.adhesion_groupement
    reponse = client_a.post(
        url("groupement_retrait", monde_a, pk=adhesion.pk),
        {"decision_numero": "2026-46", "decision_date": timezone.localdate().isoformat()},
    )
    assert reponse.status_code == 200
    assert "Le retrait n&#x27;est plus possible" in reponse.content.decode()
    adhesion.refresh_from_db()
    assert adhesion.est_active


def test_G5_a_retrait_needs_its_decision(client_a, monde_a, membre):
    reponse = client_a.post(
        url("groupement_retrait", monde_a, pk=membre.pk),
        {"decision_numero": "", "decision_date": "pas une date"},
    )
    page = reponse.content.decode()
    assert "Ce champ est obligatoire." in page
    assert "Saisissez une date" in page
    membre.refresh_from_db()
    assert membre.est_active
