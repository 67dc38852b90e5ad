"""Browser tests: Playwright (sync API) driving Debian's /usr/bin/chromium against pytest-django's
live server, with axe-core (npm, node_modules/) injected into every portal page.

No browser can be downloaded here: Chromium is the Debian package (`apt-get install chromium`)
and axe-core comes from `npm ci`. Locally, when either is missing the tests are skipped with a
visible message; in CI (CI=true) they fail instead, so that a green CI means they ran.
"""

import os
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = RACINE / "node_modules" / "axe-core" / "axe.min.js"
CAPTURES = RACINE / "test-artifacts" / "screenshots"
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _manques() -> list[str]:
    manques = []
    if not CHROMIUM.is_file():
        manques.append(f"Chromium absent ({CHROMIUM}) : apt-get install chromium")
    if not AXE.is_file():
        manques.append(f"axe-core absent ({AXE.relative_to(RACINE)}) : npm ci")
    return manques


def pytest_collection_modifyitems(config, items):
    manques = _manques()
    if not manques or EN_CI:
        return  # in CI a missing browser fails the tests (fixture `navigateur`)
    raison = "tests navigateur ignorés — " + " ; ".join(manques)
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=raison))


def pytest_terminal_summary(terminalreporter):
    manques = _manques()
    if manques and not EN_CI:
        terminalreporter.write_line(
            "ATTENTION : tests navigateur (tests/e2e) ignorés — " + " ; ".join(manques),
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="module")
def navigateur():
    """One Chromium per test module: its event loop stops with the module, so the tests that
    follow find Django's connections as they were."""
    manques = _manques()
    if manques:
        pytest.fail("Tests navigateur impossibles : " + " ; ".join(manques))
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Once Playwright's loop runs in this thread, Django keeps its connections in a context
    # variable (asgiref's Local "in async"), i.e. new connection objects: hand them the test
    # database's serialized contents, or serialized rollback (the grid rows that migrations
    # load) would silently stop restoring them.
    contenus = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    # Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
    # "inside" it unless told it is safe (it is: the loop only drives the browser). Set for
    # these tests only: a subprocess started by another test (the deploy check) must not
    # inherit it.
    precedent = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, contenu in contenus.items():
                connections[alias]._test_serialized_contents = contenu
            navigateur = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS
            )
            yield navigateur
            navigateur.close()
    finally:
        if precedent is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = precedent


@pytest.fixture
def onglet(navigateur, live_server):
    contexte = navigateur.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    contexte.set_default_timeout(20_000)
    page = contexte.new_page()
    yield page
    contexte.close()


@pytest.fixture(autouse=True)
def hachage_rapide(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def capturer(page, nom: str, *, pleine_page: bool = True) -> Path:
    """Save a screenshot to test-artifacts/screenshots/<nom>.png (git-ignored)."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    chemin = CAPTURES / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=pleine_page)
    return chemin


def verifier_accessibilite(page) -> list[dict]:
    """Run axe-core (WCAG 2 A and AA) on the page; return the serious and critical violations."""
    # Evaluated through the DevTools protocol: a <script> tag would be inline code, which the
    # site's Content-Security-Policy rightly refuses.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    resultat = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        {
            "regle": v["id"],
            "impact": v["impact"],
            "aide": v["help"],
            "elements": [n["target"] for n in v["nodes"]][:5],
        }
        for v in resultat["violations"]
        if v["impact"] in ("serious", "critical")
    ]
