"""Access control of the member portal, enumerated over EVERY url pattern of portail/urls.py:
a pattern without a case here fails the suite, so a new page cannot be forgotten.

For each page: an anonymous visitor is sent to the login page; the secretary of commune A gets
a 404 for anything of commune B — B's space, and B's objects through A's own space — while
the same request on A's own objects is served (so the 404s are not an accident)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from portail import urls as portail_urls

# Public pages (password reset): no login, no member data.
PUBLIQUES = {
    "mot_de_passe_oubli": {},
    "mot_de_passe_envoye": {},
    "mot_de_passe_nouveau": {"uidb64": "MQ", "token": "abc-def"},
    "mot_de_passe_change": {},
}

# name → (HTTP method, the object of a Monde the url points to, or None for a commune page).
CAS = {
    "choisir": ("get", "aucune commune"),
    "accueil": ("get", None),
    "contribution": ("get", None),
    "titres": ("get", None),
    "titre_pdf": ("get", "titre"),
    "groupements": ("get", None),
    "groupement": ("get", "groupement"),
    "groupement_adherer": ("post", "groupement"),
    "groupement_besoins": ("get", "adhesion_groupement"),
    "groupement_retrait": ("get", "adhesion_groupement"),
    "niveau1": ("get", None),
    "lettre_mission": ("get", "mission"),
    "fiches": ("get", None),
    "fiche_nouvelle": ("get", None),
    "fiche": ("get", "fiche"),
    "fiche_modifier": ("get", "fiche"),
    "fiche_soumettre": ("post", "fiche"),
    "contacts": ("get", None),
    "contact_nouveau": ("get", None),
    "contact_modifier": ("get", "contact"),
    "contact_supprimer": ("get", "contact"),
    "facturation": ("get", None),
    "facturation_etablissement": ("get", "etablissement"),
    "audit": ("get", None),
    "sortie": ("get", None),
    "documents": ("get", None),
    "document": ("get", "document"),
}


# Staff pages of the portal (« voir comme la commune »): refused to members' users here, each
# role's answer in tests/securite/test_roles.py.
PERSONNEL = {"voir_comme": {"code_insee": "35236"}, "voir_comme_quitter": {}}


def test_every_portal_url_pattern_has_an_access_case():
    noms = [motif.name for motif in portail_urls.urlpatterns]
    assert all(noms), "chaque motif d'URL du portail doit avoir un nom"
    sans_cas = [nom for nom in noms if nom not in CAS and nom not in PUBLIQUES | PERSONNEL.keys()]
    assert not sans_cas, f"motifs d'URL sans cas de contrôle d'accès : {sans_cas}"
    assert not set(CAS) - set(noms), "cas pour des URL qui n'existent plus"


def _url(nom, commune, objet=None):
    if CAS[nom][1] == "aucune commune":
        return reverse(f"portail:{nom}")
    kwargs = {"code_insee": commune.code_insee}
    if objet is not None:
        kwargs["pk"] = objet.pk
    return reverse(f"portail:{nom}", kwargs=kwargs)


def _objet(monde, nom):
    attribut = CAS[nom][1]
    return None if attribut in (None, "aucune commune") else getattr(monde, attribut)


def _demander(client, nom, url):
    return getattr(client, CAS[nom][0])(url)


@pytest.mark.parametrize("nom", sorted(CAS))
def test_anonymous_visitor_is_sent_to_the_login_page(client, monde_a, nom):
    url = _url(nom, monde_a.commune, _objet(monde_a, nom))
    reponse = _demander(client, nom, url)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize("nom", sorted(CAS))
def test_secretary_of_a_is_served_her_own_pages(client_a, monde_a, monde_b, nom):
    reponse = _demander(client_a, nom, _url(nom, monde_a.commune, _objet(monde_a, nom)))
    assert reponse.status_code in (200, 302), reponse.status_code
    if reponse.status_code == 302:  # a POST act answers by a redirect within A's space
        assert f"/portail/{monde_a.commune.code_insee}/" in reponse["Location"]


@pytest.mark.parametrize("nom", sorted(n for n, (_, o) in CAS.items() if o != "aucune commune"))
def test_secretary_of_a_gets_404_for_the_space_of_b(client_a, monde_a, monde_b, nom):
    reponse = _demander(client_a, nom, _url(nom, monde_b.commune, _objet(monde_b, nom)))
    assert reponse.status_code == 404


@pytest.mark.parametrize(
    "nom", sorted(n for n, (_, o) in CAS.items() if o not in (None, "aucune commune"))
)
def test_secretary_of_a_gets_404_for_an_object_of_b_through_her_own_space(
    client_a, monde_a, monde_b, nom
):
    reponse = _demander(client_a, nom, _url(nom, monde_a.commune, _objet(monde_b, nom)))
    assert reponse.status_code == 404


def test_the_choice_of_commune_lists_only_her_own(client_a, monde_a, monde_b):
    reponse = client_a.get(reverse("portail:choisir"))
    # One commune: straight to it.
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse(
        "portail:accueil", kwargs={"code_insee": monde_a.commune.code_insee}
    )


def test_nothing_of_b_appears_in_the_pages_of_a(client_a, monde_a, monde_b):
    """B's names, titres and files never leak into A's lists."""
    for nom in [
        "accueil",
        "contribution",
        "titres",
        "groupements",
        "niveau1",
        "fiches",
        "contacts",
        "audit",
        "sortie",
        "documents",
    ]:
        contenu = client_a.get(_url(nom, monde_a.commune)).content.decode()
        for trace in [
            monde_b.commune.code_insee,
            monde_b.contact.email,
            monde_b.fiche.intitule,
            monde_b.document.titre,
            monde_b.groupement.objet,
            monde_b.mission.objet,
        ]:
            assert trace not in contenu, (nom, trace)


@pytest.mark.parametrize("nom", sorted(PUBLIQUES))
def test_password_reset_pages_are_public(db, client, nom):
    reponse = client.get(reverse(f"portail:{nom}", kwargs=PUBLIQUES[nom]))
    assert reponse.status_code == 200


def test_dsi_staff_have_no_implicit_access_to_a_members_space(client, agent_dsi, monde_a):
    """Decision: staff work in the admin (behind its second factor); the portal shows only
    the communes a user is attached to."""
    client.force_login(agent_dsi)
    assert client.get(_url("accueil", monde_a.commune)).status_code == 404


def test_a_user_limited_to_an_etablissement_does_not_open_its_communes_space(
    client, django_user_model, monde_a
):
    from membres.models import Rattachement

    user = django_user_model.objects.create_user("ccas-a", password="x")
    Rattachement.objects.create(
        utilisateur=user, commune=monde_a.commune, etablissement=monde_a.etablissement
    )
    client.force_login(user)
    assert client.get(_url("titres", monde_a.commune)).status_code == 404


def test_staff_without_a_commune_are_sent_to_their_home(client, agent_dsi):
    client.force_login(agent_dsi)
    reponse = client.get(reverse("portail:choisir"))
    assert reponse["Location"] == reverse("accueil")


@pytest.mark.parametrize("nom", sorted(PERSONNEL))
def test_staff_pages_of_the_portal_refuse_members_and_visitors(client_a, monde_a, nom):
    from django.test import Client

    url = reverse(f"portail:{nom}", kwargs=PERSONNEL[nom])
    assert client_a.post(url).status_code == 403
    anonyme = Client().post(url)
    assert anonyme.status_code == 302
    assert anonyme["Location"].startswith(reverse("login"))
