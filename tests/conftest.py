"""Shared fixtures: the personas of the house style (DSI agent, finance officer, secretary of
commune A, secretary of commune B) and small builders for members."""

import os
from datetime import date

import pytest

_SKIPPED = []


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` need PostgreSQL; on SQLite they are skipped with a reason.
    In CI (CI=true) such a skip is a failure: .ci/run also runs the suite on PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(
                pytest.mark.skip(reason="nécessite PostgreSQL (DATABASE_URL=postgres://…)")
            )


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """CI's PostgreSQL run must run every test: a skip there is a failure (FAIL_ON_SKIP=1)."""
    if os.environ.get("FAIL_ON_SKIP") and _SKIPPED and exitstatus == 0:
        print(f"\nFAIL_ON_SKIP: {len(_SKIPPED)} test(s) skipped, e.g. {_SKIPPED[:5]}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _hachage_rapide(settings):
    """A fast password hasher in tests (PBKDF2's cost is for production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def commune_factory(db):
    from membres.models import Commune

    compteur = iter(range(10000, 99999))

    def creer(**kwargs):
        n = next(compteur)
        valeurs = {"code_insee": f"{n:05d}", "nom": f"Commune {n}", "departement": "35"}
        valeurs.update(kwargs)
        return Commune.objects.create(**valeurs)

    return creer


@pytest.fixture
def adhesion_factory(db):
    from membres.models import Adhesion

    def creer(commune, formule="socle_complet", date_effet=date(2024, 1, 1), **kwargs):
        adhesion = Adhesion(
            commune=commune,
            formule=formule,
            date_effet=date_effet,
            deliberation_numero=kwargs.pop("deliberation_numero", "2023-001"),
            deliberation_date=kwargs.pop("deliberation_date", date(2023, 10, 1)),
            **kwargs,
        )
        adhesion.full_clean()
        adhesion.save()
        return adhesion

    return creer


@pytest.fixture
def population_factory(db):
    from membres.models import Population

    def creer(commune, annee, valeur, millesime=None):
        return Population.objects.create(
            commune=commune, annee=annee, valeur=valeur, millesime=millesime or annee - 3
        )

    return creer


@pytest.fixture
def commune_a(commune_factory):
    return commune_factory(code_insee="56001", nom="Allaire", departement="56")


@pytest.fixture
def commune_b(commune_factory):
    return commune_factory(code_insee="35236", nom="Redon", departement="35")


@pytest.fixture
def agent_dsi(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("agent-dsi", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=[
                "membres",
                "tarification",
                "groupements",
                "missions",
                "portail",
            ]
        )
    )
    return user


@pytest.fixture
def secretaire_a(django_user_model, commune_a):
    from membres.models import Rattachement

    user = django_user_model.objects.create_user(
        "secretaire-a", email="a@demo.invalid", password="x"
    )
    Rattachement.objects.create(utilisateur=user, commune=commune_a)
    return user


@pytest.fixture
def secretaire_b(django_user_model, commune_b):
    from membres.models import Rattachement

    user = django_user_model.objects.create_user(
        "secretaire-b", email="b@demo.invalid", password="x"
    )
    Rattachement.objects.create(utilisateur=user, commune=commune_b)
    return user
