"""B11 in the bilan: the year's titres as collected (paid) and outstanding, tied to the titres."""

from datetime import date
from decimal import Decimal as D

from pilotage.bilan import bilan_annuel
from pilotage.xlsx import _recouvrement
from tarification.recouvrement import actes
from tests.conftest import emettre_titre


def test_B11_bilan_collected_and_outstanding(membre, bareme_article_7):
    commune = membre(nom="Allaire", code_insee="56001")
    un = emettre_titre(commune, numero=1, annee=2025, total=D("1000.00"))
    emettre_titre(commune, numero=2, annee=2025, total=D("500.00"))
    actes.enregistrer_paiement(titre=un, le=date(2026, 2, 1), montant=D("1000.00"), par=None)
    bilan = bilan_annuel(2025)
    assert (bilan.recouvrement.paye, bilan.recouvrement.reste) == (D("1000.00"), D("500.00"))
    assert _recouvrement(bilan, "reste") == D("500.00")
    assert bilan_annuel(2024).recouvrement.nombre == 0
