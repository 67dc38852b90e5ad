"""The strict Content-Security-Policy in a real browser: the public pages, the staff's pages
and the admin load with no violation reported by Chromium (no inline script or style left)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]


def _violations(page) -> list[str]:
    return page.evaluate("() => window.__violations || []")


def _ecouter(onglet, messages):
    onglet.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    onglet.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )


@pytest.mark.django_db(transaction=True)
def test_pages_load_without_any_csp_violation(onglet, live_server, agent_dsi):
    client = Client()
    client.force_login(agent_dsi)
    onglet.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    messages: list[str] = []
    _ecouter(onglet, messages)
    pages = [
        "/",
        reverse("tarification:simulateur"),
        "/nexiste-pas/",
        reverse("tarification:titres"),
        reverse("groupements:liste"),
        reverse("admin:index"),
        reverse("admin:membres_commune_changelist"),
        reverse("admin:membres_commune_add"),
        reverse("admin:tarification_versionbareme_changelist"),
    ]
    for url in pages:
        reponse = onglet.goto(url)
        assert reponse.headers["content-security-policy"].startswith("default-src 'none'")
        onglet.wait_for_load_state("load")
        assert _violations(onglet) == [], url
    assert messages == []
