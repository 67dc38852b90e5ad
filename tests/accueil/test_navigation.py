"""Each demo account at home: every link of every navigation it is shown opens (200), followed
from its home page through the navigations of the pages they lead to, and its home page lists
its role's pending items with links that open. Production settings: staff sessions verified by
their second factor."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.securite.conftest import connecte_verifie

COMPTES = ["dsi", "finances", "mairie-redon", "mairie-allaire"]


class _Liens(HTMLParser):
    """The href of every <a> inside a <nav>, and of every <a> inside the home's counters."""

    def __init__(self):
        super().__init__()
        self.profondeur_nav = 0
        self.profondeur_bloc = 0
        self.nav: list[str] = []
        self.a_traiter: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "nav":
            self.profondeur_nav += 1
        if tag in ("section", "div") and (
            {"bloc-accueil", "a-faire"} & set(classes) or self.profondeur_bloc
        ):
            self.profondeur_bloc += 1
        if tag == "a" and attrs.get("href", "").startswith("/"):
            if self.profondeur_nav:
                self.nav.append(attrs["href"])
            if self.profondeur_bloc:
                self.a_traiter.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self.profondeur_nav:
            self.profondeur_nav -= 1
        if tag in ("section", "div") and self.profondeur_bloc:
            self.profondeur_bloc -= 1


def liens(contenu: str) -> _Liens:
    analyse = _Liens()
    analyse.feed(contenu)
    return analyse


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.STAFF_OTP_REQUIRED = True  # production's: staff pages behind the second factor
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("charger_demo")


def client_de(django_user_model, username) -> Client:
    user = django_user_model.objects.get(username=username)
    client = Client()
    if user.is_staff:
        return connecte_verifie(client, user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("compte", COMPTES)
def test_every_navigation_link_opens_for_each_demo_account(demo, django_user_model, compte):
    client = client_de(django_user_model, compte)
    accueil = client.get(reverse("accueil"), follow=True)
    assert accueil.status_code == 200
    a_voir = list(dict.fromkeys(liens(accueil.content.decode()).nav))
    vus: dict[str, int] = {}
    while a_voir:
        url = a_voir.pop(0)
        if url in vus:
            continue
        reponse = client.get(url, follow=True)
        vus[url] = reponse.status_code
        if reponse.status_code == 200 and "text/html" in reponse["Content-Type"]:
            a_voir += [u for u in liens(reponse.content.decode()).nav if u not in vus]
    refuses = {url: statut for url, statut in vus.items() if statut != 200}
    assert not refuses, refuses
    assert len(vus) >= 5, vus


@pytest.mark.parametrize(
    "compte, attendus",
    [
        ("dsi", ["d'identifiants de facturation à valider", "projet à décider"]),
        ("finances", ["bordereau à signer et à transmettre", "Campagne"]),
        ("mairie-redon", ["À faire et à prévoir", "Budget"]),
        ("mairie-allaire", ["À faire et à prévoir", "Budget"]),
    ],
)
def test_the_home_page_lists_the_pending_items_of_the_role_with_links_that_open(
    demo, django_user_model, compte, attendus
):
    client = client_de(django_user_model, compte)
    accueil = client.get(reverse("accueil"), follow=True)
    contenu = accueil.content.decode()
    if compte == "mairie-allaire":  # two communes: she chooses one, then lands on its home
        assert accueil.redirect_chain[-1][0] == reverse("portail:choisir")
        premiere = re.search(r'href="(/portail/\d{5}/)"', contenu).group(1)
        contenu = client.get(premiere).content.decode()
    texte = html.unescape(re.sub(r"\s+", " ", contenu))
    for attendu in attendus:
        assert attendu in texte, attendu
    a_traiter = list(dict.fromkeys(liens(contenu).a_traiter))
    assert a_traiter, "aucun lien vers les éléments à traiter"
    for url in a_traiter:
        assert client.get(url, follow=True).status_code == 200, url


def test_the_dsi_home_counts_the_demo_pending_items(demo, django_user_model):
    from portail.models import DemandeModification, FicheProjet

    contenu = re.sub(r"\s+", " ", client_de(django_user_model, "dsi").get("/").content.decode())
    contenu = html.unescape(contenu)
    demandes = DemandeModification.objects.filter(statut="en_attente").count()
    fiches = FicheProjet.objects.filter(statut__in=["soumise", "a_l_etude"]).count()
    assert demandes and fiches
    assert (
        f'<span class="compteur__nombre">{demandes}</span> <span class="compteur__libelle">demande'
        in contenu
    )
    assert (
        f'<span class="compteur__nombre">{fiches}</span> <span class="compteur__libelle">fiche'
        in contenu
    )
