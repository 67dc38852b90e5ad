"""The member portal's groupements de commandes pages (G1, G3, G5, G8): thin views on the
portal's access helpers (``portail.views``: a member's object only, another's is a 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from groupements.actes import adherer, declarer_besoins, demander_retrait
from groupements.models import AdhesionGroupement, Groupement, verifier_eligibilite
from outils.formats import de_commune
from portail.forms import AdhererForm, BesoinsForm, RetraitForm
from portail.views import _erreurs, _page, portail

# --- Groupements de commandes (G1, G3, G5, G8) ---------------------------------------------


def _get_groupement_for_user(commune, pk):
    """A groupement the commune (or one of its établissements) belongs or belonged to, or one
    it may still join (consultation not launched, G8)."""
    # An open groupement (G8) is never over: the launch comes before every later step.
    return get_object_or_404(
        Groupement.objects.filter(
            Q(adhesions__commune=commune) | Q(consultation_lancee_le__isnull=True)
        ).distinct(),
        pk=pk,
    )


def _get_adhesion_groupement_for_user(commune, pk):
    return get_object_or_404(
        AdhesionGroupement.objects.select_related("groupement", "commune", "etablissement"),
        pk=pk,
        commune=commune,
    )


@portail
def groupements(request, commune):
    aujourdhui = timezone.localdate()
    nos_adhesions = list(
        AdhesionGroupement.objects.de_commune(commune)
        .select_related("groupement", "etablissement", "commune")
        .prefetch_related("besoins")
        .order_by("-groupement__constitue_le", "groupement__objet", "pk")
    )
    deja = {a.groupement_id for a in nos_adhesions if a.est_active and not a.etablissement_id}
    ouverts = [
        g
        for g in Groupement.objects.ouverts().order_by("-constitue_le", "objet")
        if g.pk not in deja
    ]
    eligibilite = None
    try:
        verifier_eligibilite(commune=commune, jour=aujourdhui)
    except ValidationError as exc:
        eligibilite = " ".join(exc.messages)
    return _page(
        request,
        "portail/groupements.html",
        "groupements",
        nos_adhesions=nos_adhesions,
        ouverts=ouverts,
        eligibilite=eligibilite,
    )


@portail
def groupement(request, commune, pk):
    groupement = _get_groupement_for_user(commune, pk)
    nos_adhesions = list(
        groupement.adhesions.filter(commune=commune)
        .select_related("etablissement", "commune")
        .prefetch_related("besoins")
        .order_by("pk")
    )
    membre_actif = any(a.est_active and not a.etablissement_id for a in nos_adhesions)
    peut_adherer = not groupement.est_lance and not groupement.est_termine and not membre_actif
    eligibilite = None
    if peut_adherer:
        try:
            verifier_eligibilite(commune=commune, jour=timezone.localdate())
        except ValidationError as exc:
            eligibilite = " ".join(exc.messages)
    etablissements = list(commune.etablissements.order_by("nom"))
    return _page(
        request,
        "portail/groupement.html",
        "groupements",
        groupement=groupement,
        nos_adhesions=nos_adhesions,
        etapes=groupement.dates_des_etapes(),
        peut_adherer=peut_adherer,
        eligibilite=eligibilite,
        form_adherer=AdhererForm(commune=commune, etablissements=etablissements)
        if etablissements
        else None,
    )


@portail
@require_POST
def groupement_adherer(request, commune, pk):
    groupement = _get_groupement_for_user(commune, pk)
    etablissements = list(commune.etablissements.order_by("nom"))
    form = AdhererForm(data=request.POST, commune=commune, etablissements=etablissements)
    if not form.is_valid():
        messages.error(request, "Choisissez qui adhère : la commune ou l'un de ses établissements.")
    else:
        try:
            adhesion = adherer(
                groupement=groupement,
                commune=commune,
                etablissement=form.cleaned_data["membre"],
                par=request.user,
            )
        except ValidationError as exc:
            for message in _erreurs(exc):
                messages.error(request, message)
        else:
            messages.success(
                request,
                f"{adhesion.nom_membre} est membre du groupement « {groupement.objet} ». "
                "Déclarez maintenant vos besoins.",
            )
    return redirect("portail:groupement", code_insee=commune.code_insee, pk=groupement.pk)


@portail
def groupement_besoins(request, commune, pk):
    adhesion = _get_adhesion_groupement_for_user(commune, pk)
    groupement = adhesion.groupement
    retour = redirect("portail:groupement", code_insee=commune.code_insee, pk=groupement.pk)
    if groupement.est_lance or not adhesion.est_active:
        messages.error(
            request,
            "Les besoins ne peuvent plus être modifiés : "
            + (
                "ils ont été figés au lancement de la consultation (art. 4.2.7.1)."
                if groupement.est_lance
                else "ce membre s'est retiré du groupement."
            ),
        )
        return retour
    form = BesoinsForm(
        data=request.POST or None,
        initial={"besoins_qualitatifs": adhesion.besoins_qualitatifs},
        postes=groupement.postes.order_by("ordre", "designation"),
        besoins=list(adhesion.besoins.order_by("pk")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            declarer_besoins(
                adhesion_groupement=adhesion,
                lignes=form.lignes(),
                besoins_qualitatifs=form.cleaned_data["besoins_qualitatifs"],
                par=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Besoins enregistrés. Vous pouvez les modifier jusqu'au lancement de la consultation.",
            )
            return retour
    return _page(
        request,
        "portail/groupement_besoins.html",
        "groupements",
        adhesion=adhesion,
        groupement=groupement,
        form=form,
    )


@portail
def groupement_retrait(request, commune, pk):
    adhesion = _get_adhesion_groupement_for_user(commune, pk)
    groupement = adhesion.groupement
    form = RetraitForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            demander_retrait(adhesion_groupement=adhesion, par=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Retrait {de_commune(adhesion.nom_membre)} notifié au coordonnateur le "
                f"{timezone.localdate():%d/%m/%Y}.",
            )
            return redirect("portail:groupement", code_insee=commune.code_insee, pk=groupement.pk)
    return _page(
        request,
        "portail/groupement_retrait.html",
        "groupements",
        adhesion=adhesion,
        groupement=groupement,
        form=form,
    )
