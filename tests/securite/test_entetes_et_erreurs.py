"""Headers and error pages in production settings (DEBUG off): a strict Content-Security-Policy
(Django's middleware) and a Permissions-Policy on every page, no inline script or style in our
templates, French error pages in the site's layout with a way back, odd filter values answered
with 400 or a redirect, never 500."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

RACINE = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_missing_page_is_a_french_page_of_the_site(client):
    assert not settings.DEBUG
    reponse = client.get("/nexiste-pas/")
    assert reponse.status_code == 404
    page = reponse.content.decode()
    assert '<html lang="fr">' in page and "<h1>Page introuvable</h1>" in page
    assert '<header class="bandeau"' in page  # the site's layout
    assert f'href="{reverse("accueil")}">Retour à l\'accueil' in page
    assert "Not Found" not in page


@pytest.mark.django_db
def test_every_response_has_a_strict_csp_and_a_permissions_policy(client):
    for url in ("/", reverse("tarification:simulateur"), "/nexiste-pas/", reverse("login")):
        reponse = client.get(url)
        csp = reponse.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, url
        # The nonce appears once a page uses it (the admin's scripts).
        assert re.search(r"script-src 'self'( 'nonce-[\w+/=-]+')?;", csp), csp
        assert "style-src 'self';" in csp and "unsafe" not in csp
        assert "camera=()" in reponse.headers["Permissions-Policy"]


def test_the_500_page_is_french_with_the_sites_stylesheet_and_a_way_back():
    page = render_to_string("500.html")
    assert "Une erreur est survenue" in page and 'href="/">Retour à l\'accueil' in page
    assert "css/app.css" in page and "Server Error" not in page


def test_no_inline_script_style_or_handler_in_our_templates():
    """What the CSP would block: inline <script> or <style>, style attributes, on* handlers,
    javascript: links. (The PDFs' templates are rendered by WeasyPrint, not by a browser.)"""
    fautes = []
    for gabarit in (RACINE / "templates").rglob("*.html"):
        if gabarit.name.endswith("_pdf.html") or "pdf" in gabarit.parts[-2:]:
            continue
        texte = gabarit.read_text()
        for motif in (
            r"<script(?![^>]*\bsrc=)",
            r"<style",
            r"\sstyle=",
            r"\son\w+=",
            "javascript:",
        ):
            if re.search(motif, texte):
                fautes.append(f"{gabarit.relative_to(RACINE)} : {motif}")
    assert not fautes, fautes


# Each request in its own transaction, as in production (a refused filter aborts its own).
@pytest.mark.django_db(transaction=True)
def test_odd_filter_values_are_answered_400_or_redirected_never_500(client, agent_dsi):
    client.force_login(agent_dsi)
    client.raise_request_exception = False
    listes = [
        reverse("admin:membres_population_changelist"),
        reverse("admin:membres_commune_changelist"),
        reverse("admin:tarification_versionbareme_changelist"),
        reverse("tarification:titres"),
        reverse("groupements:liste"),
    ]
    valeurs = [
        {"q": "Red\x00on"},
        {"annee": "\x00"},
        {"q": "(("},
        {"commune__nom__regex": "(("},
        {"nom__iregex": "[a-"},
        {"annee": "9" * 40},
        {"o": "99.-x"},
        {"page": "-1"},
    ]
    for url in listes:
        for params in valeurs:
            reponse = client.get(url, params)
            assert reponse.status_code in (200, 302, 400, 404), (url, params, reponse.status_code)
            if "\x00" in "".join(params.values()):
                assert reponse.status_code == 400
                assert "Demande incorrecte" in reponse.content.decode()
