"""French formatting for templates: one path for money (`5 532,50 €`) and dates (`15/03/2025`)."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone

from outils.formats import (
    de_commune,
    formater_annee,
    formater_euros,
    formater_nombre,
    formater_quantite,
    nom_personne,
    quantite_unite,
)

register = template.Library()


@register.filter
def euros(valeur):
    """Decimal → "5 532,50 €" (non-breaking spaces); None → "—"."""
    if valeur is None or valeur == "":
        return "—"
    if isinstance(valeur, str):
        valeur = Decimal(valeur)
    return formater_euros(valeur)


@register.filter
def nombre(valeur, decimales=None):
    if valeur is None or valeur == "":
        return "—"
    return formater_nombre(valeur, decimales if decimales not in (None, "") else None)


@register.filter
def date_fr(valeur):
    if not valeur:
        return "—"
    if isinstance(valeur, datetime):
        valeur = timezone.localtime(valeur) if timezone.is_aware(valeur) else valeur
        return valeur.strftime("%d/%m/%Y à %H:%M")
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    return valeur


@register.filter
def quantite(valeur):
    """Days or half-days without useless zeros: 13 → « 13 », 4.50 → « 4,5 », None → « — »."""
    if valeur is None or valeur == "":
        return "—"
    return formater_quantite(Decimal(valeur))


@register.filter
def annee(valeur):
    """A year, never with a thousands separator: « 2026 »."""
    if valeur is None or valeur == "":
        return "—"
    return formater_annee(valeur)


@register.filter
def avec_unite(valeur, unite):
    """« {{ besoin.quantite|avec_unite:besoin.unite }} » → « 85 lignes », « 1 site »."""
    if valeur is None or valeur == "":
        return "—"
    valeur = valeur if isinstance(valeur, Decimal | int) else Decimal(str(valeur))
    return quantite_unite(valeur, unite) if unite else formater_quantite(valeur)


@register.filter
def personne(utilisateur):
    """« {{ titre.emis_par|personne }} » → « Camille Martin » (never a bare login if named)."""
    return nom_personne(utilisateur)


@register.filter
def de(nom):
    """« Audit {{ commune.nom|de }} » → « Audit d'Allaire », « Audit des Fougerêts »."""
    return de_commune(str(nom))
