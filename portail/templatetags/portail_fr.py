"""Small French wording helpers for the portal templates."""

import re
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pluriel(valeur, suffixe="s"):
    """French plural: singular for 0 and 1 (« 0 demi-journée », « 1,5 jour »), else `suffixe`."""
    try:
        return suffixe if abs(Decimal(str(valeur))) >= 2 else ""
    except (ArithmeticError, ValueError, TypeError):
        return suffixe


# What a secretary reads instead of the staff's wording (which names the rules and the
# billing engine): what is missing and who acts, in plain words.
MESSAGES_AU_MEMBRE = {
    "population_manquante": (
        "La population de référence de cette année n'est pas encore enregistrée : la DSI la "
        "complète, puis le montant s'affichera ici."
    ),
    "tarif_derogatoire_manquant": (
        "Votre tarif particulier n'est pas encore enregistré : la DSI le complète, puis le "
        "montant s'affichera ici."
    ),
    "revue_manquante": (
        "L'examen des moyens de votre commune n'est pas encore enregistré : la DSI le "
        "complète, puis le montant s'affichera ici."
    ),
}
# « (P1) », « (T5, T6) », « (art. 7.1, B4) »: rule references, for staff pages only.
CODES_DE_REGLE = re.compile(r"\s*\((?:[A-Z]\d+[a-z]?(?:[–-][A-Z]?\d+)?(?:,\s*)?)+\)")


@register.filter
def pour_le_membre(anomalie):
    """An anomaly as a member's secretary should read it: no rule code, no contradiction."""
    message = MESSAGES_AU_MEMBRE.get(getattr(anomalie, "code", ""))
    if message:
        return message
    return CODES_DE_REGLE.sub("", str(getattr(anomalie, "message", anomalie)))
