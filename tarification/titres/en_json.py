"""The JSON conventions of the commands that print JSON (``campagne_titres --json`` and those to
come): one top-level object; amounts as strings with a dot and two decimals (``"400.00"``,
never a float, T9); a titre as ``{"exercice", "budget", "numero", "numero_officiel"}``; a debtor
as ``{"code_insee", "siret", "nom"}``. One place for these shapes."""

from __future__ import annotations

from decimal import Decimal

from tarification import calcul


def montant(valeur: Decimal | None) -> str | None:
    """``Decimal("400")`` → ``"400.00"``; ``None`` stays ``null``."""
    if valeur is None:
        return None
    if not isinstance(valeur, Decimal):
        raise TypeError(f"Montant en Decimal attendu (reçu {type(valeur).__name__}).")
    return format(calcul.arrondir(valeur), "f")


def titre(titre) -> dict:
    """A titre de recettes: its series (exercice, budget), its number, the finance suite's."""
    return {
        "exercice": titre.exercice,
        "budget": titre.budget,
        "numero": titre.numero,
        "numero_officiel": titre.numero_officiel,
    }


def debiteur(commune, etablissement=None) -> dict:
    """A debtor: a commune (or one of its établissements: its commune's INSEE code, M7)."""
    membre = etablissement or commune
    return {"code_insee": commune.code_insee, "siret": membre.siret, "nom": membre.nom}
