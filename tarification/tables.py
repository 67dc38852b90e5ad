"""django-tables2 tables of the titres pages (campaign preview, campaigns, titres)."""

from decimal import Decimal

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from outils.formats import formater_euros
from tarification.models import Campagne, TitreDeRecettes

ETIQUETTES = {
    "a_emettre": "etiquette--ok",
    "bloque": "etiquette--alerte",
    "sans_titre": "",
    "a_jour": "",
}


class MontantColumn(tables.Column):
    attrs = {"td": {"class": "montant"}, "th": {"class": "montant"}}

    def render(self, value):
        return formater_euros(value)


class ApercuTable(tables.Table):
    """B2, B4 — one row per member of a stored preview (ApercuMembre), rendered from its JSON
    object (the command's): lines with their bases, computed, billed, to issue and why.
    Sorted and paginated in the database."""

    nom = tables.Column(verbose_name="Membre")
    formules = tables.Column(verbose_name="Formule(s)", orderable=False)
    lignes = tables.Column(
        verbose_name="Lignes et bases de liquidation", orderable=False, empty_values=()
    )
    calcule = MontantColumn(verbose_name="Calculé", empty_values=())
    deja_facture = MontantColumn(verbose_name="Déjà facturé")
    a_emettre = MontantColumn(verbose_name="À émettre", empty_values=())
    statut = tables.Column(verbose_name="Statut", empty_values=())
    remarques = tables.Column(
        verbose_name="Anomalies, avertissements", orderable=False, empty_values=()
    )

    class Meta:
        attrs = {"class": "tableau apercu"}
        orderable = True
        empty_text = "Aucun membre ne correspond."

    def render_lignes(self, record):
        if not record.lignes:
            return "—"
        return format_html(
            '<ul class="lignes-apercu">{}</ul>',
            format_html_join(
                "",
                '<li><span class="libelle">{}</span> <span class="montant">{}</span>'
                '<br><span class="base">{}</span>{}</li>',
                (
                    (
                        ligne["libelle"],
                        formater_euros(Decimal(ligne["montant"])),
                        ligne["base"],
                        format_html('<br><span class="motif">{}</span>', ligne["motif"])
                        if ligne["motif"]
                        else "",
                    )
                    for ligne in record.lignes
                ),
            ),
        )

    def order_calcule(self, queryset, is_descending):
        # Blocked members (nothing computed) last either way, on PostgreSQL as on SQLite.
        calcule = (
            F("calcule").desc(nulls_last=True)
            if is_descending
            else F("calcule").asc(nulls_last=True)
        )
        return queryset.order_by(calcule, "nom", "pk"), True

    def render_calcule(self, record):
        return "—" if record.calcule is None else formater_euros(record.calcule)

    def render_a_emettre(self, record):
        if record.statut != "a_emettre":
            return "—"
        return formater_euros(record.a_emettre)

    def render_statut(self, record):
        return format_html(
            '<span class="etiquette {}">{}</span>',
            ETIQUETTES[record.statut],
            record.get_statut_display(),
        )

    def render_remarques(self, record):
        elements = [("etiquette--alerte", a) for a in record.liste_anomalies]
        elements += [("etiquette--avertissement", a) for a in record.liste_avertissements]
        if not elements:
            return "—"
        return format_html(
            '<ul class="remarques">{}</ul>',
            format_html_join("", '<li><span class="etiquette {}">{}</span></li>', elements),
        )


class CampagneTable(tables.Table):
    """One row per run of a campaign (its bordereaux, titres, total, PDFs)."""

    annee = tables.Column(verbose_name="Année")
    exercice = tables.Column(verbose_name="Exercice")
    premier_bordereau = tables.Column(verbose_name="Bordereau(x)", empty_values=())
    date_emission = tables.DateColumn(verbose_name="Date d'émission", format="d/m/Y")
    nombre = tables.Column(verbose_name="Titres", attrs={"td": {"class": "montant"}})
    montant = MontantColumn(verbose_name="Total", empty_values=())
    pdf = tables.Column(verbose_name="PDF", accessor="pk", orderable=False)
    voir = tables.Column(verbose_name="", accessor="pk", orderable=False)

    class Meta:
        model = Campagne
        fields = ["annee", "exercice", "premier_bordereau", "date_emission", "nombre", "montant"]
        attrs = {"class": "tableau"}
        empty_text = "Aucune campagne émise."

    def render_premier_bordereau(self, record):
        if record.premier_bordereau is None:
            return "—"
        if record.nb_bordereaux > 1:
            return f"n° {record.premier_bordereau} et {record.nb_bordereaux - 1} autre(s)"
        return f"n° {record.premier_bordereau}"

    def render_montant(self, record):
        return formater_euros(record.montant or Decimal("0.00"))

    def render_pdf(self, record):
        rendus, attendus = record.pdf_rendus or 0, record.pdf_attendus or 0
        return format_html(
            '<span data-progression="campagne-{}"{}>{} / {}</span>',
            record.pk,
            mark_safe(" data-en-cours") if rendus < attendus else "",  # noqa: S308 (a constant)
            rendus,
            attendus,
        )

    def render_voir(self, value):
        return format_html(
            '<a href="{}">Ouvrir</a>', reverse("tarification:campagne", args=[value])
        )


# The badge of each state of a titre (its class in tarification.css).
ETIQUETTES_ETAT = {
    "emis": "etiquette--ok",
    "reduit": "etiquette--avertissement",
    "annule": "etiquette--alerte",
    "correction": "",
}


def etiquette_etat(titre) -> str:
    etat = titre.etat()
    return format_html(
        '<span class="etiquette {}">{}</span>',
        ETIQUETTES_ETAT[etat],
        titre.get_nature_display() if etat == "correction" else TitreDeRecettes.Etat(etat).label,
    )


class TitreTable(tables.Table):
    """The issued titres with their state, net of their corrections, and what remains to be
    collected (the net until payments are recorded). Read through ``avec_etat()``."""

    numero = tables.Column(verbose_name="N°", attrs={"td": {"class": "montant"}})
    exercice = tables.Column(verbose_name="Exercice")
    bordereau = tables.Column(
        verbose_name="Bordereau", accessor="bordereau__numero", order_by=("bordereau__numero",)
    )
    date_emission = tables.DateColumn(verbose_name="Date", format="d/m/Y")
    nature = tables.Column(verbose_name="Nature")
    debiteur_nom = tables.Column(verbose_name="Débiteur")
    objet = tables.Column(verbose_name="Objet", orderable=False)
    total = MontantColumn(verbose_name="Montant émis")
    net = MontantColumn(verbose_name="Net", orderable=False)
    reste = MontantColumn(verbose_name="Reste à recouvrer", accessor="net", orderable=False)
    etat = tables.Column(verbose_name="État", empty_values=(), orderable=False)
    numero_officiel = tables.Column(verbose_name="N° officiel")
    pdf = tables.Column(verbose_name="PDF", orderable=False, empty_values=())

    class Meta:
        model = TitreDeRecettes
        fields = [
            "numero",
            "exercice",
            "bordereau",
            "date_emission",
            "nature",
            "debiteur_nom",
            "objet",
            "total",
            "net",
            "reste",
            "etat",
            "numero_officiel",
            "pdf",
        ]
        attrs = {"class": "tableau"}
        empty_text = "Aucun titre."

    def render_numero(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("tarification:titre", args=[record.pk]), record.numero
        )

    def render_bordereau(self, value):
        return f"n° {value}"

    def render_net(self, record):
        return "—" if record.est_correction else formater_euros(record.net)

    def render_reste(self, record):
        # Payments are not recorded yet: what remains is the net.
        return "—" if record.est_correction else formater_euros(record.net)

    def render_etat(self, record):
        return etiquette_etat(record)

    def render_pdf(self, record):
        if not record.pdf:
            return format_html('<span class="etiquette">{}</span>', "en cours")
        return format_html(
            '<a href="{}">PDF</a>', reverse("tarification:titre_pdf", args=[record.pk])
        )
