"""Template filters of the niveau 1 pages."""

from django import template

from missions.tables import quantite as _quantite

register = template.Library()


@register.filter
def quantite(valeur):
    """Half-days or days without useless zeros: 13 → « 13 », 4.50 → « 4,5 », None → « — »."""
    return _quantite(valeur)
