"""Issued titres to follow (B11)."""

from datetime import date
from decimal import Decimal as D

import pytest

from tarification.models import Compteur
from tests.conftest import emettre_titre


@pytest.fixture
def titres(membre, responsable_financier, emetteur):
    """Three issued titres of exercice 2026 (issued 15/01/2026): 1 000,00, 2 500,00, 800,00."""
    a = membre(nom="Allaire", code_insee="56001")
    b = membre(nom="Béganne", code_insee="56011", siret="21560011500019")
    # The titres are made by hand: their series go on from them.
    for serie, dernier in ((Compteur.Serie.TITRE, 3), (Compteur.Serie.BORDEREAU, 1)):
        Compteur.objects.create(
            exercice=2026,
            budget="Budget principal",
            serie=serie,
            dernier=dernier,
            derniere_date=date(2026, 1, 15),
        )
    return [
        emettre_titre(a, numero=1, total=D("1000.00")),
        emettre_titre(b, numero=2, total=D("2500.00")),
        emettre_titre(a, numero=3, total=D("800.00")),
    ]
