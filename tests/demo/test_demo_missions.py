"""The demo's missions: believable, valid, idempotent, and billed by the campaigns (T6)."""

from datetime import date
from decimal import Decimal

import pytest

from demo import bareme as demo_bareme
from demo import membres as demo_membres
from demo import missions as demo
from missions.models import Intervention, Mission
from tarification.campagne.apercu import apercu
from tarification.contribution import contribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def donnees_demo(settings):
    # The demo accounts' passwords: a fast hasher, the strength is not what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_membres.charger()
    demo.charger()
    demo_bareme.charger()


def _niveau1(nom, annee):
    from membres.models import Commune

    lignes = contribution(Commune.objects.get(nom=nom), annee).resultat.lignes
    ligne = next((lg for lg in lignes if lg.code.startswith("niveau1")), None)
    return ligne.montant if ligne else None


def test_demo_is_idempotent(donnees_demo):
    missions, interventions = Mission.objects.count(), Intervention.objects.count()
    demo.charger()
    assert (Mission.objects.count(), Intervention.objects.count()) == (missions, interventions)
    assert missions == len(demo.MISSIONS)


def test_demo_time_entries_are_valid_working_days(donnees_demo):
    for intervention in Intervention.objects.select_related("mission", "agent"):
        intervention.full_clean()
        assert intervention.date.weekday() < 5
        assert intervention.date not in demo.FERIES
        assert intervention.date <= demo.SAISI_JUSQUAU
        assert intervention.agent.username == "dsi"


# (member, year, niveau 1 line of that year's titre). 2024 and 2025: dotation individuelle
# (the demo's decision for those years); from 2026, volume partagé (T6).
ATTENDUS = [
    ("Allaire", 2024, Decimal("600.00")),  # 16 half-days for 13
    ("Saint-Perreux", 2024, Decimal("400.00")),  # 7 for 5
    ("Sainte-Marie", 2024, None),  # 9 for 9: exactly its allowance
    ("Bains-sur-Oust", 2025, Decimal("800.00")),  # 17 for 13
    ("Théhillac", 2025, Decimal("200.00")),  # 6 for 5
    ("Allaire", 2025, None),
    ("Rieux", 2026, None),  # 11 for a share of 9, but the pool (234) is far from used up
    ("Fégréac", 2026, Decimal("800.00")),  # diagnostic without socle complet: from the first
]


def test_T6_demo_campaigns_bill_the_extra_half_days(donnees_demo):
    assert [(nom, annee, _niveau1(nom, annee)) for nom, annee, _ in ATTENDUS] == ATTENDUS
    # The campaigns' previews (titres issue) carry the same lines.
    for annee in (2024, 2025, 2026):
        lignes = {
            (m.commune.nom, annee, ligne.montant)
            for m in apercu(annee=annee, aujourd_hui=date(annee + 1, 2, 1)).membres
            for ligne in m.lignes
            if ligne.code.startswith("niveau1")
        }
        assert lignes == {a for a in ATTENDUS if a[1] == annee and a[2] is not None}


def test_demo_gives_missions_permissions_to_dsi_staff(donnees_demo):
    from django.contrib.auth import get_user_model

    dsi = get_user_model().objects.get(username="dsi")
    assert dsi.has_perm("missions.add_intervention")
    finances = get_user_model().objects.get(username="finances")
    assert finances.has_perm("missions.view_mission")
    assert not finances.has_perm("missions.add_intervention")
