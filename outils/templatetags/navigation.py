"""The main navigation's links: the section the current page belongs to is marked
(``aria-current``), the home page only on itself."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def lien_nav(context, url: str, libelle: str):
    chemin = context["request"].path
    courant = chemin == url if url == "/" else chemin.startswith(url)
    marque = (
        format_html(' aria-current="{}"', "page" if chemin == url else "true") if courant else ""
    )
    return format_html('<li><a href="{}"{}>{}</a></li>', url, marque, libelle)
