"""Établissement users see only what belongs to their établissement, with production
settings. Finding reproduced: a user attached only to a CCAS could not open the commune's
portal, but downloaded the commune's documents through /documents/<pk>/."""

import pytest
from django.urls import reverse

from membres.models import Rattachement

pytestmark = pytest.mark.usefixtures("production")


@pytest.fixture
def ccas_a(django_user_model, monde_a):
    user = django_user_model.objects.create_user("ccas-a", password="x")
    Rattachement.objects.create(
        utilisateur=user, commune=monde_a.commune, etablissement=monde_a.etablissement
    )
    return user


def test_an_etablissement_only_user_gets_404_on_the_communes_documents(client, ccas_a, monde_a):
    client.force_login(ccas_a)
    assert client.get(reverse("document", args=[monde_a.document.pk])).status_code == 404
    assert client.get(reverse("missions:lettre_pdf", args=[monde_a.mission.pk])).status_code == 404
    code = monde_a.commune.code_insee
    for nom, kwargs in [
        ("portail:accueil", {}),
        ("portail:documents", {}),
        ("portail:document", {"pk": monde_a.document.pk}),
        ("portail:titres", {}),
        ("portail:lettre_mission", {"pk": monde_a.mission.pk}),
    ]:
        url = reverse(nom, kwargs={"code_insee": code, **kwargs})
        assert client.get(url).status_code == 404, nom


def test_the_communes_secretary_downloads_them_and_the_other_communes_does_not(
    client, secretaire_a, secretaire_b, monde_a, monde_b
):
    client.force_login(secretaire_a)
    reponse = client.get(reverse("document", args=[monde_a.document.pk]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("missions:lettre_pdf", args=[monde_a.mission.pk])).status_code == 200
    client.force_login(secretaire_b)
    assert client.get(reverse("document", args=[monde_a.document.pk])).status_code == 404
    assert client.get(reverse("missions:lettre_pdf", args=[monde_a.mission.pk])).status_code == 404


def test_staff_without_a_role_see_no_document(client, django_user_model, monde_a):
    from tests.securite.conftest import connecte_verifie

    sans_role = django_user_model.objects.create_user("stagiaire", is_staff=True)
    connecte_verifie(client, sans_role)
    assert client.get(reverse("document", args=[monde_a.document.pk])).status_code == 404
