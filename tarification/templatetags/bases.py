"""The base de liquidation of a calculator line, written in French (B5), for templates."""

from django import template

from tarification.textes import texte_base

register = template.Library()


@register.filter(name="texte_base")
def filtre_texte_base(base):
    return "" if base is None else texte_base(base)
