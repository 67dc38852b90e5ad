"""M5 — contacts edited directly by the member and historised; B8 — billing identifiers
changed only once DSI staff validate the request (admin action)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from membres.models import Contact
from portail.models import DemandeModification


def url(nom, monde, **kwargs):
    return reverse(f"portail:{nom}", kwargs={"code_insee": monde.commune.code_insee, **kwargs})


CONTACT = {
    "civilite": "Mme",
    "prenom": "Anne",
    "nom": "Martin",
    "fonction": "DGS",
    "email": "anne.martin@demo.invalid",
    "telephone": "02 99 71 00 00",
    "decideur": "on",
}


def test_M5_a_member_adds_a_contact_directly(client_a, monde_a):
    reponse = client_a.post(url("contact_nouveau", monde_a), CONTACT)
    assert reponse.status_code == 302
    contact = Contact.objects.get(email="anne.martin@demo.invalid")
    assert contact.commune == monde_a.commune
    assert contact.decideur and not contact.technique
    assert "Anne Martin" in client_a.get(url("contacts", monde_a)).content.decode()


def test_M5_a_contact_edit_is_historised_with_its_author(client_a, monde_a):
    client_a.post(
        url("contact_modifier", monde_a, pk=monde_a.contact.pk),
        {"nom": "Secrétariat", "email": "mairie@demo.invalid", "decideur": "on", "technique": "on"},
    )
    monde_a.contact.refresh_from_db()
    assert monde_a.contact.email == "mairie@demo.invalid"
    derniere = monde_a.contact.history.first()
    assert derniere.history_type == "~"
    assert derniere.history_user.username == "secretaire-a"
    assert monde_a.contact.history.count() == 2
    page = client_a.get(url("contacts", monde_a)).content.decode()
    assert "modification de <strong> Secrétariat</strong> par secretaire-a" in page


def test_M5_bad_email_and_phone_are_refused_in_french(client_a, monde_a):
    reponse = client_a.post(
        url("contact_nouveau", monde_a), {**CONTACT, "email": "pas-un-courriel", "telephone": "abc"}
    )
    page = reponse.content.decode()
    assert "Saisissez une adresse électronique valide." in page
    assert "Saisissez un numéro de téléphone" in page
    assert 'aria-invalid="true"' in page


def test_M5_the_last_decideur_cannot_be_removed(client_a, monde_a):
    # A: "Secrétariat" is décideur and technique; "Technicienne" is technique only.
    reponse = client_a.post(url("contact_supprimer", monde_a, pk=monde_a.contact.pk))
    assert reponse.status_code == 200
    assert "n&#x27;aurait plus d&#x27;interlocuteur décideur" in reponse.content.decode()
    assert Contact.objects.filter(pk=monde_a.contact.pk).exists()
    reponse = client_a.post(
        url("contact_modifier", monde_a, pk=monde_a.contact.pk),
        {"nom": "Secrétariat", "technique": "on"},
    )
    assert "n&#x27;aurait plus d&#x27;interlocuteur décideur" in reponse.content.decode()
    monde_a.contact.refresh_from_db()
    assert monde_a.contact.decideur


def test_M5_a_contact_whose_roles_are_held_by_others_can_be_removed(client_a, monde_a):
    technicienne = Contact.objects.get(commune=monde_a.commune, nom__startswith="Technicienne")
    reponse = client_a.post(url("contact_supprimer", monde_a, pk=technicienne.pk))
    assert reponse.status_code == 302
    assert not Contact.objects.filter(pk=technicienne.pk).exists()
    assert technicienne.history.filter(history_type="-").exists()


def test_B8_a_request_changes_nothing_until_validated(client_a, monde_a):
    reponse = client_a.post(
        url("facturation", monde_a),
        {
            "siret": "215 600 016 00095",
            "code_service_chorus": "FACTURES",
            "reference_engagement": "",
            "motif": "Nouveau SIRET",
        },
    )
    assert reponse.status_code == 302
    monde_a.commune.refresh_from_db()
    assert monde_a.commune.siret == ""
    demande = DemandeModification.objects.get(commune=monde_a.commune, statut="en_attente")
    assert demande.siret == "21560001600095"
    # The newer request replaced the fixture's pending one.
    monde_a.demande.refresh_from_db()
    assert monde_a.demande.statut == DemandeModification.Statut.REMPLACEE
    page = client_a.get(url("contacts", monde_a)).content.decode()
    assert "en attente de validation" in page


def test_B8_a_bad_siret_is_refused_in_french(client_a, monde_a):
    reponse = client_a.post(
        url("facturation", monde_a),
        {"siret": "1234", "code_service_chorus": "", "reference_engagement": ""},
    )
    assert "SIRET « 1234 » invalide (longueur incorrecte)." in reponse.content.decode()
    # Fourteen digits are not enough: the key is checked (B8 revised).
    reponse = client_a.post(
        url("facturation", monde_a),
        {"siret": "12345678901234", "code_service_chorus": "", "reference_engagement": ""},
    )
    assert "SIRET « 12345678901234 » invalide (clé de contrôle invalide)." in (
        reponse.content.decode()
    )
    assert not DemandeModification.objects.filter(siret="12345678901234").exists()


def test_B8_a_request_for_an_etablissement_targets_it(client_a, monde_a):
    client_a.post(
        url("facturation_etablissement", monde_a, pk=monde_a.etablissement.pk),
        {"siret": "26560001500027", "code_service_chorus": "", "reference_engagement": "ENG-1"},
    )
    demande = DemandeModification.objects.get(etablissement=monde_a.etablissement)
    assert demande.commune == monde_a.commune
    assert demande.reference_engagement == "ENG-1"


@pytest.fixture
def admin_dsi(client, agent_dsi):
    agent_dsi.user_permissions.add(*Permission.objects.filter(content_type__app_label="portail"))
    client.force_login(agent_dsi)
    return client


def test_B8_dsi_validates_in_the_admin_and_the_identifiers_apply(admin_dsi, monde_a, monde_b):
    liste = reverse("admin:portail_demandemodification_changelist")
    reponse = admin_dsi.post(liste, {"action": "valider", "_selected_action": [monde_a.demande.pk]})
    assert reponse.status_code == 302
    monde_a.commune.refresh_from_db()
    assert monde_a.commune.siret == "21560001600012"
    monde_a.demande.refresh_from_db()
    assert monde_a.demande.statut == DemandeModification.Statut.VALIDEE
    assert monde_a.demande.traitee_par.username == "agent-dsi"
    # Historised on the member, with the reason; B untouched.
    assert "validée (B8)" in monde_a.commune.history.first().history_change_reason
    monde_b.commune.refresh_from_db()
    assert monde_b.commune.siret == ""


def test_B8_dsi_refuses_with_reasons_and_a_request_is_processed_once(admin_dsi, monde_a):
    liste = reverse("admin:portail_demandemodification_changelist")
    admin_dsi.post(
        liste,
        {
            "action": "refuser",
            "_selected_action": [monde_a.demande.pk],
            "appliquer": "1",
            "motif": "SIRET d'un autre établissement.",
        },
    )
    monde_a.demande.refresh_from_db()
    assert monde_a.demande.statut == DemandeModification.Statut.REFUSEE
    reponse = admin_dsi.post(
        liste, {"action": "valider", "_selected_action": [monde_a.demande.pk]}, follow=True
    )
    assert "n&#x27;est plus en attente" in reponse.content.decode()
    monde_a.commune.refresh_from_db()
    assert monde_a.commune.siret == ""


def test_B8_requests_cannot_be_added_or_deleted_in_the_admin(admin_dsi, monde_a):
    assert admin_dsi.get(reverse("admin:portail_demandemodification_add")).status_code == 403
    assert (
        admin_dsi.get(
            reverse("admin:portail_demandemodification_delete", args=[monde_a.demande.pk])
        ).status_code
        == 403
    )
