"""T6 end to end: the extra half-days of year N become a line of the member's titre in the
campaign of N+1 (titres issue), and the niveau 1 page says when it is already billed (B4)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tarification.campagne.apercu import apercu
from tarification.textes import texte_base

# T6 in *dotation individuelle* (allowances bill); volume partagé: tests/missions/test_volume.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dotation_individuelle")]


@pytest.fixture
def emetteur(db):
    from tarification.models import Emetteur

    return Emetteur.objects.create(
        nom="Redon Agglomération",
        siren="243500741",
        adresse="3 rue Charles Sillard",
        code_postal="35600",
        ville="Redon",
        ordonnateur_prenom="Camille",
        ordonnateur_nom="Exemple",
        comptable_public="Service de gestion comptable de Redon",
        modalites_paiement="Par virement au comptable public.",
    )


@pytest.fixture
def au_dela(membre, saisir):
    """A socle complet member 3 half-days beyond its 2024 allowance (9), and a member without
    the socle complet with a 2-half-day diagnostic."""
    socle = membre(2355, nom="Sainte-Marie")
    saisir(socle, 2024, 12)
    sans = membre(2283, formule="annexe_complet", nom="Fégréac")
    saisir(sans, 2024, 2)
    return socle, sans


def _niveau1(membre_apercu):
    return next(lg for lg in membre_apercu.lignes if lg.code == "niveau1_demi_journees")


def test_T6_campaign_preview_carries_the_niveau1_lines(au_dela):
    socle, sans = au_dela
    membres = {m.commune.pk: m for m in apercu(annee=2024, aujourd_hui=date(2025, 2, 1)).membres}

    ligne = _niveau1(membres[socle.pk])
    assert ligne.montant == Decimal("600.00")
    assert "dotation 4,5 jours soit 9 demi-journées, utilisées 12, au-delà 3" in texte_base(
        ligne.base
    )

    ligne = _niveau1(membres[sans.pk])
    assert ligne.montant == Decimal("400.00")
    assert "sans socle complet" in texte_base(ligne.base)


def test_T6_B4_page_and_admin_say_when_the_half_days_are_already_billed(
    client, agent, au_dela, emetteur, mission_factory
):
    from missions.models import Intervention
    from tarification.campagne.actes import emettre_campagne

    socle, _ = au_dela
    campagne = emettre_campagne(
        annee=2024, exercice=2025, par=agent, date_emission=date(2025, 2, 10)
    )
    titre = campagne.bordereau.titres.get(commune=socle)

    client.force_login(agent)
    reponse = client.get(reverse("missions:dotations"), {"annee": 2024, "nom": "Sainte"})
    assert (
        f'n° {titre.numero}<br><span class="base">exercice 2025</span>' in reponse.content.decode()
    )

    # More time recorded for 2024 afterwards: the issued titre does not change, say so.
    mission = Intervention.objects.filter(mission__commune=socle).first().mission
    reponse = client.post(
        reverse("admin:missions_intervention_add"),
        {"mission": mission.pk, "date": "2024-12-02", "agent": agent.pk, "demi_journees": 1},
    )
    assert reponse.status_code == 302
    messages = [str(m) for m in get_messages(reponse.wsgi_request)]
    assert any(
        m.startswith(
            f"Les demi-journées 2024 de Sainte-Marie sont déjà facturées par le titre n° "
            f"{titre.numero} (exercice 2025, 600,00\u00a0€)"
        )
        for m in messages
    ), messages
