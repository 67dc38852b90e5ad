"""French public identifiers checked by their key (python-stdnum, not a regex: the check digit
is the point): SIREN, SIRET, IBAN, BIC, as Django validators with French messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum import bic, iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import siren, siret


def _erreur(nom: str, valeur: str, exc: Exception) -> ValidationError:
    if isinstance(exc, InvalidChecksum):
        raison = "clé de contrôle invalide"
    elif isinstance(exc, InvalidLength):
        raison = "longueur incorrecte"
    elif isinstance(exc, InvalidFormat | InvalidComponent):
        raison = "caractères ou format incorrects"
    else:
        raison = "valeur invalide"
    return ValidationError(
        f"{nom} « {valeur} » invalide ({raison}).", code=f"{nom.lower()}_invalide"
    )


def valider_siren(valeur: str) -> None:
    try:
        siren.validate(valeur)
    except ValueError as exc:
        raise _erreur("SIREN", valeur, exc) from exc


def valider_siret(valeur: str) -> None:
    try:
        siret.validate(valeur)
    except ValueError as exc:
        raise _erreur("SIRET", valeur, exc) from exc


def valider_iban(valeur: str) -> None:
    try:
        iban.validate(valeur)
    except ValueError as exc:
        raise _erreur("IBAN", valeur, exc) from exc


def valider_bic(valeur: str) -> None:
    try:
        bic.validate(valeur)
    except ValueError as exc:
        raise _erreur("BIC", valeur, exc) from exc


def siret_de_siren(valeur_siret: str, valeur_siren: str) -> bool:
    """B8 — a SIRET starts with the SIREN of its entity (nine first digits)."""
    return siret.to_siren(valeur_siret) == valeur_siren


def iban_compact(valeur: str) -> str:
    """An IBAN as stored: upper case, no spaces."""
    return iban.compact(valeur)


def iban_lisible(valeur: str) -> str:
    """An IBAN as printed: groups of four (« FR76 3000 1000 … »)."""
    return iban.format(valeur)


def siret_valide(valeur: str) -> bool:
    return bool(valeur) and siret.is_valid(valeur)
