"""The niveau 1 table: one row per member and year (T6)."""

from decimal import Decimal
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from missions.dotations import Etat
from outils.templatetags.format_fr import euros, nombre

CLASSES_ETAT = {
    Etat.DEPASSEE: "etiquette--alerte",
    Etat.ANOMALIE: "etiquette--alerte",
    Etat.EPUISEE: "etiquette--avertissement",
    Etat.SANS_DOTATION: "",
    Etat.DISPONIBLE: "etiquette--ok",
}
NOMBRE = {"td": {"class": "montant"}, "th": {"class": "montant"}, "tf": {"class": "montant"}}


def quantite(valeur) -> str:
    """13 → « 13 », Decimal("4.50") → « 4,5 », None → « — »."""
    if valeur is None:
        return "—"
    valeur = Decimal(valeur)
    if valeur == valeur.to_integral_value():
        return nombre(valeur.to_integral_value())
    return nombre(valeur.normalize())


def _total(attribut, formater):
    """A footer adding up one attribute of the rows shown."""

    def footer(table):
        valeurs = (getattr(ligne, attribut) for ligne in table.data)
        return formater(sum((v for v in valeurs if v is not None), Decimal(0)))

    return footer


class SoldeTable(tables.Table):
    commune = tables.Column("membre", accessor="commune__nom", footer="Total")
    formules = tables.Column("formule(s) de l'année", orderable=False)
    population = tables.Column("population", attrs=NOMBRE)
    dotation = tables.Column("dotation", attrs=NOMBRE)
    utilisees = tables.Column("utilisées", attrs=NOMBRE, footer=_total("utilisees", quantite))
    restantes = tables.Column("restantes", attrs=NOMBRE)
    au_dela = tables.Column("facturées", attrs=NOMBRE, footer=_total("au_dela", quantite))
    montant = tables.Column("à facturer", attrs=NOMBRE, footer=_total("montant", euros))
    titre = tables.Column("titre", empty_values=(), orderable=False)
    etat = tables.Column("état", accessor="etat")

    class Meta:
        template_name = "django_tables2/table.html"
        attrs = {"class": "tableau-dotations"}
        order_by = ("commune",)
        empty_text = "Aucun membre ne correspond à ces critères."

    def __init__(self, *args, annee, titres=None, **kwargs):
        self.annee = annee
        self.titres = titres or {}  # commune id → issued titre line billing its T6 item
        super().__init__(*args, **kwargs)

    def render_commune(self, record):
        # The member's time entries of the year, in the admin.
        parametres = urlencode(
            {"mission__commune__id__exact": record.commune.pk, "date__year": self.annee}
        )
        lien = reverse("admin:missions_intervention_changelist") + "?" + parametres
        return format_html('<a href="{}">{}</a>', lien, record.commune.nom)

    def render_population(self, record):
        return format_html(
            '{}<br><span class="base">millésime {}</span><br><span class="base">{}</span>',
            nombre(record.population),
            record.millesime,
            record.tranche or "",
        )

    def render_dotation(self, record):
        if not record.socle_complet:
            return "aucune"
        return format_html(
            '{}<br><span class="base">{} j</span>',
            quantite(record.dotation),
            quantite(record.dotation_jours),
        )

    def render_utilisees(self, value):
        return quantite(value)

    def render_restantes(self, record):
        return quantite(record.restantes) if record.socle_complet else "—"

    def render_au_dela(self, value):
        return quantite(value)

    def render_montant(self, value):
        return euros(value)

    def render_titre(self, record):
        ligne = self.titres.get(record.commune.pk)
        if ligne is not None:
            return format_html(
                'n° {}<br><span class="base">exercice {}</span>',
                ligne.titre.numero,
                ligne.titre.exercice,
            )
        if record.montant:
            return format_html('<span class="base">campagne {}</span>', self.annee + 1)
        return "—"

    def render_etat(self, record):
        texte = record.etat_libelle
        if record.anomalie:
            texte = f"{texte} : {record.anomalie}"
        return format_html(
            '<span class="etiquette {}">{}</span>', CLASSES_ETAT.get(record.etat, ""), texte
        )
