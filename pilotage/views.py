"""The steering dashboard and the bilan annuel (R1, R2; art. 6.2 and 7) for DSI staff.

Thin function-based views over ``pilotage/bilan.py``: the page for a chosen year with its
"what if" panel (a GET form: nothing is written), the bilan as a PDF (WeasyPrint, the titres'
visual family) and as an XLSX workbook. Rights: the DSI and finance roles
(``securite.roles.reserve_personnel``); anyone else gets 403. Every page runs a fixed number
of queries whatever the number of members.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from membres.models import Adhesion, Commune
from pilotage import graphiques as module_graphiques
from pilotage.bilan import BilanAnnuel, bilan_annuel
from pilotage.cible import MONTANT_ETP, PALIERS_ETP
from pilotage.pdf import rendre_bilan
from pilotage.xlsx import classeur_bilan
from securite.roles import reserve_personnel

# Years a URL may ask for; the year choice offers those that have data.
ANNEE_MIN, ANNEE_MAX = 2000, 2100
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _annee_par_defaut(jour: date) -> int:
    """Before July the bilan of the previous year is the one to present (art. 6.2); then the
    current year's (same rule as the campaigns page)."""
    return jour.year - 1 if jour.month < 7 else jour.year


def annees_disponibles(jour: date | None = None) -> list[int]:
    """From the first adhesion's year to next year (one query), most recent first."""
    jour = jour or timezone.localdate()
    premiere = Adhesion.objects.aggregate(premiere=Min("date_effet"))["premiere"]
    debut = premiere.year if premiere else jour.year
    return list(range(jour.year + 1, debut - 1, -1))


def _get_bilan_for_user(user, annee: int) -> BilanAnnuel:
    # The views are reserved to the DSI and finance roles (reserve_personnel).
    if not ANNEE_MIN <= annee <= ANNEE_MAX:
        raise Http404("Année hors de la période couverte.")
    return bilan_annuel(annee)


class ChoixAnneeForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année", coerce=int)

    def __init__(self, *args, annees: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [(a, str(a)) for a in annees]


class SimulationForm(forms.Form):
    """R2 "what if": the communes that would join or leave the socle complet in year N."""

    rejoignent = forms.TypedMultipleChoiceField(
        label="Rejoindraient le socle complet",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quittent = forms.TypedMultipleChoiceField(
        label="Quitteraient le socle complet",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, bilan: BilanAnnuel, communes, **kwargs):
        super().__init__(*args, **kwargs)
        au_socle = {m.commune.pk for m in bilan.adherents if m.socle_complet}
        self.fields["quittent"].choices = [(c.pk, c.nom) for c in communes if c.pk in au_socle]
        self.fields["rejoignent"].choices = [
            (c.pk, c.nom) for c in communes if c.pk not in au_socle
        ]

    def clean(self):
        donnees = super().clean()
        communs = set(donnees.get("rejoignent") or ()) & set(donnees.get("quittent") or ())
        if communs:
            raise forms.ValidationError(
                "Une commune ne peut à la fois rejoindre et quitter le socle complet."
            )
        return donnees

    @property
    def demandee(self) -> bool:
        return self.is_bound and bool(
            self.data.getlist("rejoignent") or self.data.getlist("quittent")
        )


@reserve_personnel
@require_GET
def bilan_choix(request):
    """The dashboard's entry: the chosen (or default) year."""
    annees = annees_disponibles()
    form = ChoixAnneeForm(request.GET or None, annees=annees)
    annee = (
        form.cleaned_data["annee"] if form.is_valid() else _annee_par_defaut(timezone.localdate())
    )
    return redirect("pilotage:bilan", annee=annee)


@reserve_personnel
@require_GET
def bilan(request, annee: int):
    """R1, R2 — the steering dashboard of year N, with the "what if" panel."""
    bilan = _get_bilan_for_user(request.user, annee)
    annees = annees_disponibles()
    if annee not in annees:
        annees = sorted({*annees, annee}, reverse=True)
    communes = list(Commune.objects.order_by("nom").only("pk", "nom"))
    simulation_form = SimulationForm(
        request.GET if ("rejoignent" in request.GET or "quittent" in request.GET) else None,
        bilan=bilan,
        communes=communes,
    )
    simulation = graphique_simulation = None
    if simulation_form.demandee and simulation_form.is_valid():
        try:
            simulation = bilan.simuler(
                rejoignent=simulation_form.cleaned_data["rejoignent"],
                quittent=simulation_form.cleaned_data["quittent"],
            )
        except ValueError as erreur:  # French message
            simulation_form.add_error(None, str(erreur))
        else:
            graphique_simulation = module_graphiques.graphique_simulation(simulation)
    return render(
        request,
        "pilotage/bilan.html",
        {
            "bilan": bilan,
            "annee_form": ChoixAnneeForm(initial={"annee": annee}, annees=annees),
            "simulation_form": simulation_form,
            "simulation": simulation,
            "graphique_simulation": graphique_simulation,
            "graphiques": module_graphiques.graphiques(bilan),
            "paliers": sorted(PALIERS_ETP, key=lambda p: p.etp),
            "montant_etp": MONTANT_ETP,
        },
    )


@reserve_personnel
@require_GET
def bilan_pdf(request, annee: int):
    """The bilan annuel as a PDF (rendered here: one document of a few pages)."""
    bilan = _get_bilan_for_user(request.user, annee)
    reponse = HttpResponse(rendre_bilan(bilan), content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="bilan-annuel-{annee}.pdf"'
    return reponse


@reserve_personnel
@require_GET
def bilan_xlsx(request, annee: int):
    """The bilan annuel as an XLSX workbook, one sheet per topic."""
    bilan = _get_bilan_for_user(request.user, annee)
    reponse = HttpResponse(classeur_bilan(bilan), content_type=TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="bilan-annuel-{annee}.xlsx"'
    return reponse
