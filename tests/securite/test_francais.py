"""French without slips, over every page a role sees: each staff page of the URL-enumerating
role test (as the DSI agent and the finance officer), every admin list, add and change page
they may open, and every page of the member portal (as commune A's secretary, whose commune
is Allaire: a name that needs the elision).

What is looked for in the rendered text (tags stripped): a missing elision before a vowel
("de Allaire", "le état", "de un", "que il"), a year written with a thousands separator
("2 026"), an amount in euros with a decimal point ("1234.50 €"), a whole quantity written
with decimals ("85,00 ligne")."""

import contextlib
import html
import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.portail import test_acces as acces_portail
from tests.securite import test_roles
from tests.securite.conftest import connecte_verifie
from tests.securite.test_roles import objets, personas  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("production")

VOYELLE = "AEIOUÉÈÊÂÎÔÛaeiouéèêâîôû"
# "de", "le", "la", "que", "ne", "se", "je", "me", "te" before a vowel: an elision is missing.
# "de"/"que" before a capital are names (the demo's Allaire); before lower case, words
# ("de un", "que il", "le état"). "la" is left out: "la" before a vowel is rare and "La Ouée"…
ELISION = re.compile(rf"(?<![\w'’-])(?:[Dd]e|[Ll]e|[Qq]ue|[Nn]e|[Ss]e|[Jj]e) (?=[{VOYELLE}])")
# A year with a separator: 2 026, 2 025 (thin, non-breaking or plain space), not an amount.
ANNEE_SEPAREE = re.compile(r"(?<!\d[\u00a0\u202f ])(?<![\d,])2[\u00a0\u202f ]0\d{2}(?![\d,])")
# A whole quantity written with decimals before its unit: « 85,00 ligne ».
QUANTITE = re.compile(r"(?<![\d,])\d+,00[\u00a0 ](?!€)[a-zé]")
MONTANT_POINT = re.compile(r"\d\.\d{2}[\u00a0\u202f ]?€")
BALISE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def texte(contenu: str) -> str:
    return html.unescape(BALISE.sub(" ", contenu))


def fautes(contenu: str) -> list[str]:
    lisible = texte(contenu)
    trouvees = []
    for motif, genre in (
        (ELISION, "élision"),
        (ANNEE_SEPAREE, "année séparée"),
        (MONTANT_POINT, "point décimal"),
        (QUANTITE, "quantité"),
    ):
        for m in motif.finditer(lisible):
            extrait = lisible[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
            trouvees.append(f"{genre} : …{extrait.strip()}…")
    return trouvees


def test_the_checks_find_what_they_look_for():
    assert fautes("<p>à l'ordre de Allaire</p>")
    assert fautes("<td>le état</td>")
    assert fautes("exercice 2\u202f026")
    assert fautes("1234.50 €")
    assert fautes("85,00 ligne")
    assert not fautes("85 lignes, 1,50 € par habitant")
    assert not fautes("<p>à l'ordre d'Allaire, de Redon, exercice 2026 : 1\u202f234,50 €</p>")
    assert not fautes("<p>Montant : 2\u202f026,00 €</p>")


def _html(reponse) -> str | None:
    if reponse.status_code != 200 or "text/html" not in reponse.get("Content-Type", ""):
        return None
    return reponse.content.decode()


def _pages_admin():
    """Every admin list and add page, and the change page of each model's first object."""
    pages = []
    for modele, _modele_admin in admin.site._registry.items():
        meta = modele._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        premier = modele._default_manager.order_by("pk").first()
        if premier is not None:
            pages.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[premier.pk])
            )
    return pages


def test_every_staff_page_is_written_in_french_without_slips(objets, personas, monde_a):  # noqa: F811
    pages = [
        test_roles._url(nom, objets)
        for nom, (methode, _, _) in test_roles.CAS.items()
        if methode == "get"
    ]
    # Commune A's (Allaire's) titre and pages, whose names need the elision.
    pages += [
        reverse("tarification:titre", args=[monde_a.titre.pk]),
        reverse("tarification:titres") + f"?commune={monde_a.commune.code_insee}",
        reverse("patrimoine:membre", kwargs={"code_insee": monde_a.commune.code_insee}),
    ]
    pages += _pages_admin()
    toutes = {}
    for persona in ("dsi", "finances"):
        client = connecte_verifie(Client(), personas[persona])
        for url in pages:
            contenu = _html(client.get(url))
            if contenu is None:
                continue
            if erreurs := fautes(contenu):
                toutes[(persona, url)] = erreurs
    assert not toutes, "\n".join(f"{k} : {v}" for k, v in toutes.items())


def test_every_portal_page_is_written_in_french_without_slips(client_a, monde_a, monde_b):
    toutes = {}
    for nom, (methode, _) in acces_portail.CAS.items():
        if methode != "get":
            continue
        url = acces_portail._url(nom, monde_a.commune, acces_portail._objet(monde_a, nom))
        contenu = _html(client_a.get(url, follow=True))
        if contenu is None:
            continue
        if erreurs := fautes(contenu):
            toutes[url] = erreurs
    assert not toutes, "\n".join(f"{k} : {v}" for k, v in toutes.items())
