"""Small French wording helpers for the portal templates."""

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
