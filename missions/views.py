"""Niveau 1 pages: the table of allowances (T6), read by DSI staff and the finance officer,
and the lettre de mission PDF."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from membres.acces import communes_du_portail
from missions.dotations import bilan_niveau1, titres_niveau1
from missions.exports import exporter_csv, exporter_xlsx
from missions.filters import SoldeFilter
from missions.models import Mission
from missions.pdf import rendre_lettre_mission
from missions.tables import SoldeTable
from securite.roles import DSI, FINANCES, a_le_role, reserve_personnel

FORMATS = {
    "csv": (exporter_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        exporter_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def _bilan_filtre(request):
    filtre = SoldeFilter(request.GET)
    bilan = bilan_niveau1(filtre.annee_choisie)
    soldes = filtre.filtrer(bilan.soldes)
    titres = titres_niveau1(bilan.annee, [s.commune.pk for s in soldes])
    return filtre, bilan, soldes, titres


@reserve_personnel
def dotations(request):
    filtre, bilan, soldes, titres = _bilan_filtre(request)
    table = SoldeTable(soldes, annee=bilan.annee, titres=titres)
    RequestConfig(request, paginate={"per_page": 100}).configure(table)
    return render(
        request,
        "missions/dotations.html",
        {"filtre": filtre, "bilan": bilan, "table": table, "nb_lignes": len(soldes)},
    )


@reserve_personnel
def dotations_export(request, format):
    if format not in FORMATS:
        raise Http404("Format d'export inconnu.")
    _, bilan, soldes, titres = _bilan_filtre(request)
    exporter, type_mime = FORMATS[format]
    reponse = HttpResponse(exporter(bilan, soldes, titres), content_type=type_mime)
    reponse["Content-Disposition"] = f'attachment; filename="niveau1-{bilan.annee}.{format}"'
    return reponse


def _get_mission_for_user(user, pk) -> Mission:
    """DSI staff and the finance officer see every lettre de mission; a member's user only the
    signed ones of the communes whose portal it opens (not an établissement-only user)."""
    mission = get_object_or_404(Mission.objects.select_related("commune"), pk=pk)
    if a_le_role(user, DSI, FINANCES):
        return mission
    if (
        not mission.est_signee
        or not communes_du_portail(user).filter(pk=mission.commune_id).exists()
    ):
        raise Http404("Lettre de mission introuvable.")
    return mission


@login_required
def lettre_pdf(request, pk):
    mission = _get_mission_for_user(request.user, pk)
    reponse = HttpResponse(rendre_lettre_mission(mission), content_type="application/pdf")
    nom = f"lettre-de-mission-{mission.reference}.pdf"
    reponse["Content-Disposition"] = f'inline; filename="{nom}"'
    return reponse
