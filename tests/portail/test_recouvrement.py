"""B11 — the member sees its titres' states and what remains, and on its home page "à jour"
or what is due and since when; never another member's."""

import html
from datetime import date
from decimal import Decimal as D

from django.urls import reverse
from django.utils import timezone

from tarification.recouvrement import actes


def _texte(reponse) -> str:
    return html.unescape(reponse.content.decode()).replace("\u202f", " ").replace("\u00a0", " ")


def test_B11_portal_titres_show_state_and_remainder(client_a, monde_a, monde_b):
    actes.enregistrer_paiement(
        titre=monde_a.titre, le=date(2026, 3, 1), montant=D("1000.00"), par=None
    )
    actes.enregistrer_paiement(
        titre=monde_b.titre, le=date(2026, 3, 1), montant=D("1234.56"), par=None
    )
    page = _texte(client_a.get(reverse("portail:titres", args=[monde_a.commune.code_insee])))
    reste = monde_a.titre.total - D("1000.00")
    assert "Partiellement payé" in page
    assert f"reste à payer {reste:,.2f}".replace(",", " ").replace(".", ",") in page
    assert "1 234,56" not in page  # B's payment


def test_B11_portal_home_says_what_is_due_and_since_when(client_a, monde_a):
    url = reverse("portail:accueil", args=[monde_a.commune.code_insee])
    page = _texte(client_a.get(url))
    echeance = monde_a.titre.date_emission.toordinal() + 30
    if date.fromordinal(echeance) < timezone.localdate():
        assert "À payer" in page
        assert f"échus depuis le {date.fromordinal(echeance):%d/%m/%Y}" in page
    actes.enregistrer_paiement(
        titre=monde_a.titre, le=monde_a.titre.date_emission, montant=monde_a.titre.total, par=None
    )
    page = _texte(client_a.get(url))
    assert "À jour" in page and "Aucun titre de recettes échu ne reste à payer" in page
