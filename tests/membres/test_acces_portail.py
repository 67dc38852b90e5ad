"""DSI staff manage secretaries' portal accounts without superuser rights: an invitation
creates the account (never staff) attached to the commune and e-mails a set-password link;
the secretary logs in through it; deactivation closes the account; the access list shows who
opens which commune and when they last logged in. Staff accounts are a DSI administrator's."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from membres.models import Rattachement
from tests.securite.conftest import connecte_verifie


@pytest.fixture
def client_dsi(client, agent_dsi):
    return connecte_verifie(client, agent_dsi)


def _inviter(client, commune, email="nouvelle.secretaire@mairie-allaire.fr", **autres):
    return client.post(
        reverse("membres:acces_commune", args=[commune.code_insee]),
        {"email": email, "prenom": "Nadia", "nom": "Nouvelle", **autres},
    )


def test_the_dsi_invites_a_secretary_who_logs_in_through_the_invitation(
    client_dsi, commune_a, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_OTP_REQUIRED = True
    with django_capture_on_commit_callbacks(execute=True):
        reponse = _inviter(client_dsi, commune_a)
    assert reponse.status_code == 302
    user = get_user_model().objects.get(email="nouvelle.secretaire@mairie-allaire.fr")
    assert not user.is_staff and not user.is_superuser and user.is_active
    assert not user.groups.exists()
    assert Rattachement.objects.filter(
        utilisateur=user, commune=commune_a, etablissement=None
    ).exists()
    (message,) = mail.outbox
    assert message.to == ["nouvelle.secretaire@mairie-allaire.fr"]
    assert "Allaire" in message.subject
    lien = re.search(r"https?://[^/\s]+(/portail/mot-de-passe/\S+/)", message.body).group(1)

    client_dsi.logout()
    formulaire = client_dsi.get(lien, follow=True)
    assert "Choisir un nouveau mot de passe" in formulaire.content.decode()
    client_dsi.post(
        formulaire.redirect_chain[-1][0],
        {"new_password1": "Budget-primitif-2027", "new_password2": "Budget-primitif-2027"},
    )
    connexion = client_dsi.post(
        reverse("login"),
        {"username": "nouvelle.secretaire@mairie-allaire.fr", "password": "Budget-primitif-2027"},
        follow=True,
    )
    assert connexion.redirect_chain[-1][0] == reverse(
        "portail:accueil", args=[commune_a.code_insee]
    )


def test_inviting_an_existing_secretary_attaches_her_and_reactivates_her(
    client_dsi, commune_a, commune_b, secretaire_b, django_capture_on_commit_callbacks
):
    secretaire_b.is_active = False
    secretaire_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        _inviter(client_dsi, commune_a, email="B@demo.invalid")
    secretaire_b.refresh_from_db()
    assert secretaire_b.is_active
    assert set(secretaire_b.rattachements.values_list("commune__code_insee", flat=True)) == {
        commune_a.code_insee,
        commune_b.code_insee,
    }
    assert get_user_model().objects.filter(email__iexact="b@demo.invalid").count() == 1
    assert len(mail.outbox) == 1


def test_a_staff_account_is_never_given_portal_access(client_dsi, commune_a, agent_dsi):
    agent_dsi.email = "agent@redon-agglomeration.bzh"
    agent_dsi.save()
    reponse = _inviter(client_dsi, commune_a, email="agent@redon-agglomeration.bzh")
    assert reponse.status_code == 200
    assert "un agent voit les membres par son rôle" in reponse.content.decode()
    assert not Rattachement.objects.filter(utilisateur=agent_dsi).exists()
    assert mail.outbox == []


def test_a_bad_address_is_refused_in_french_and_nothing_is_created(client_dsi, commune_a):
    avant = get_user_model().objects.count()
    reponse = _inviter(client_dsi, commune_a, email="pas-une-adresse")
    assert reponse.status_code == 200
    assert "Saisissez une adresse électronique valide" in reponse.content.decode()
    assert get_user_model().objects.count() == avant
    assert mail.outbox == []


def test_the_dsi_deactivates_a_secretary_who_can_no_longer_log_in(
    client_dsi, client, commune_a, secretaire_a
):
    secretaire_a.set_password("Mot-de-passe-2026")
    secretaire_a.save()
    reponse = client_dsi.post(
        reverse("membres:acces_desactiver", args=[secretaire_a.pk]),
        {"commune": commune_a.code_insee},
    )
    assert reponse["Location"] == reverse("membres:acces_commune", args=[commune_a.code_insee])
    secretaire_a.refresh_from_db()
    assert not secretaire_a.is_active
    client_dsi.logout()
    refus = client_dsi.post(
        reverse("login"), {"username": "secretaire-a", "password": "Mot-de-passe-2026"}
    )
    assert refus.status_code == 200 and "_auth_user_id" not in client_dsi.session


def test_staff_accounts_cannot_be_deactivated_from_the_access_pages(client_dsi, agent_dsi):
    from securite.roles import FINANCES
    from tests.conftest import avec_role

    collegue = avec_role(
        get_user_model().objects.create_user("collegue", password="x", is_staff=True), FINANCES
    )
    Rattachement.objects.create(
        utilisateur=collegue,
        commune=__import__("membres.models").models.Commune.objects.create(
            code_insee="35001", nom="Essai", departement="35"
        ),
    )
    reponse = client_dsi.post(reverse("membres:acces_desactiver", args=[collegue.pk]))
    assert reponse.status_code == 404
    collegue.refresh_from_db()
    assert collegue.is_active


def test_the_access_list_shows_who_opens_which_commune_and_the_last_login(
    client_dsi, secretaire_a, secretaire_b, commune_a, django_assert_max_num_queries
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secretaire_a.last_login = datetime(2026, 3, 2, 9, 15, tzinfo=ZoneInfo("Europe/Paris"))
    secretaire_a.save()
    with CaptureQueriesContext(connection) as deux_comptes:
        client_dsi.get(reverse("membres:acces"))
    for n in range(5):  # more accounts, the same number of queries
        autre = get_user_model().objects.create_user(f"autre-{n}", password="x")
        Rattachement.objects.create(utilisateur=autre, commune=commune_a)
    with django_assert_max_num_queries(len(deux_comptes)):
        page = client_dsi.get(reverse("membres:acces")).content.decode()
    page = page[page.index("<table>") : page.index("</table>")]
    assert "secretaire-a" in page and "secretaire-b" in page and "autre-4" in page
    assert "02/03/2026 09:15" in page
    assert "jamais" in page  # secretaire-b never logged in
    assert "agent-dsi" not in page  # staff are not members' accounts


def test_staff_accounts_are_created_by_a_dsi_administrator_only(client, agent_dsi, settings):
    from securite.roles import DSI_ADMINISTRATEUR
    from tests.securite.conftest import _staff

    settings.STAFF_OTP_REQUIRED = True
    ajout = reverse("admin:auth_user_add")
    assert connecte_verifie(client, agent_dsi).get(ajout).status_code == 403
    administrateur = _staff(get_user_model(), "dsi-admin", DSI_ADMINISTRATEUR)
    assert connecte_verifie(client, administrateur).get(ajout).status_code == 200


def test_the_commune_s_and_the_contact_s_admin_pages_lead_to_the_invitation(client_dsi, monde_a):
    commune = monde_a.commune
    page = client_dsi.get(reverse("admin:membres_commune_change", args=[commune.pk]))
    assert reverse("membres:acces_commune", args=[commune.code_insee]) in page.content.decode()
    contact = client_dsi.get(reverse("admin:membres_contact_change", args=[monde_a.contact.pk]))
    lien = re.search(
        r'href="(/membres/acces/\d{5}/\?[^"]+)">Inviter ce contact', contact.content.decode()
    ).group(1)
    formulaire = client_dsi.get(lien.replace("&amp;", "&")).content.decode()
    assert f'value="{monde_a.contact.email}"' in formulaire
