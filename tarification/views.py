"""Public pages of the tarification app: the contribution simulator (no login)."""

from django.shortcuts import render

from membres.models import Formule
from tarification.forms import SimulateurForm
from tarification.simulateur import BaremeManquant, simuler


def simulateur(request):
    """Simulez votre contribution — a GET form, so it works without JavaScript and a result
    can be bookmarked or shared."""
    form = SimulateurForm(data=request.GET if "formule" in request.GET else None)
    simulation = None
    if form.is_valid():
        donnees = form.cleaned_data
        try:
            simulation = simuler(
                population=donnees["population_retenue"],
                formule=donnees["formule"],
                annee=donnees["annee"],
            )
        except BaremeManquant as exc:
            form.add_error("annee", str(exc))
        except ValueError as exc:  # a grid with a gap or an overlap (French message)
            form.add_error(None, str(exc))
    return render(
        request,
        "tarification/simulateur.html",
        {
            "form": form,
            "simulation": simulation,
            "origine_population": simulation and form.cleaned_data["origine_population"],
            "formule_libelle": simulation and Formule(simulation.formule).label,
        },
    )
