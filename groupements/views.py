"""Pages of the groupements: list, dashboard, needs exports, répartitions (G1–G8).

Thin views: the rules live in groupements/regles.py, the acts in groupements/actes.py. Who:
DSI staff manage the groupements; the finance officer reads them and issues the appels de
fonds (titres); each act also needs its named permission (securite/roles.py)."""

from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from groupements import actes, appels_de_fonds, exports, regles
from groupements.forms import EtapeForm, PoidsForm, RepartitionForm
from groupements.models import AdhesionGroupement, Groupement, Repartition
from membres.models import Adhesion, Formule
from outils.formats import formater_quantite
from securite.roles import (
    DSI,
    FINANCES,
    a_le_role,
    reserve_dsi,
    reserve_finances,
    reserve_personnel,
)
from tarification.titres.confirmation import confirme, page_confirmation


def _autorise(reserve_role, permission):
    """The role's check, then the named permission of the act (403 in French otherwise)."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied("Votre rôle ne permet pas cette action.")
            return vue(request, *args, **kwargs)

        return reserve_role(enveloppe)

    return decorateur


def lecture(permission):
    """Pages DSI staff and the finance officer read (the finance officer issues the appels de
    fonds of a répartition)."""
    return _autorise(reserve_personnel, permission)


def dsi(permission):
    """Acts of DSI staff, who manage the groupements."""
    return _autorise(reserve_dsi, permission)


def finances(permission):
    """Acts of the finance officer, who alone issues titres (the appels de fonds)."""
    return _autorise(reserve_finances, permission)


def _get_groupement_for_user(user, pk) -> Groupement:
    # The views' role checks come first: only staff with a role reach this.
    return get_object_or_404(Groupement, pk=pk)


def _get_repartition_for_user(user, pk) -> Repartition:
    return get_object_or_404(Repartition.objects.select_related("groupement"), pk=pk)


def _messages_erreur(request, erreur: ValidationError):
    for message in erreur.messages:
        messages.error(request, message)


# --- Data of the dashboard and the exports ---------------------------------------------------


def _membres(groupement) -> list[AdhesionGroupement]:
    """All memberships, commune, établissement and needs loaded (two queries)."""
    return list(
        groupement.adhesions.select_related("commune", "etablissement")
        .prefetch_related("besoins")
        .order_by("adhere_le", "pk")
    )


def synthese_besoins(adhesions) -> list[dict]:
    """Consolidated needs: one row per designation and unit, over all members (for the DCE)."""
    lignes: dict[tuple[str, str], dict] = {}
    for adhesion in adhesions:
        for besoin in adhesion.besoins.all():
            cle = (besoin.designation.strip().casefold(), besoin.unite.strip().casefold())
            ligne = lignes.setdefault(
                cle,
                {
                    "designation": besoin.designation,
                    "unite": besoin.unite,
                    "quantite": Decimal("0.00"),
                    "montant": Decimal("0.00"),
                    "adhesions": set(),
                },
            )
            ligne["quantite"] += besoin.quantite
            ligne["montant"] += besoin.montant_estime
            ligne["adhesions"].add(adhesion.pk)
    resultat = sorted(lignes.values(), key=lambda ligne: ligne["designation"].casefold())
    for ligne in resultat:
        ligne["membres"] = len(ligne.pop("adhesions"))
        ligne["quantite_texte"] = formater_quantite(ligne["quantite"])
    return resultat


# --- Pages ----------------------------------------------------------------------------------


@lecture("groupements.view_groupement")
def liste(request):
    groupements = Groupement.objects.annotate(
        nb_membres=Count("adhesions", filter=Q(adhesions__retrait_notifie_le__isnull=True)),
        fin_marche=Max("marches__fin"),
    ).order_by("-constitue_le", "objet")
    return render(request, "groupements/liste.html", {"groupements": groupements})


@lecture("groupements.view_groupement")
def tableau_de_bord(request, pk):
    groupement = _get_groupement_for_user(request.user, pk)
    jour = timezone.localdate()
    marches = list(groupement.marches.all())
    tous = _membres(groupement)
    actifs = [a for a in tous if a.est_active]
    retires = [a for a in tous if not a.est_active]
    formules = Adhesion.objects.formules_le({a.commune_id for a in actifs}, jour)
    total = sum((a.total_besoins() for a in actifs), Decimal("0.00"))
    lignes = []
    for adhesion in actifs:
        formule = formules.get(adhesion.commune_id)
        montant = adhesion.total_besoins()
        lignes.append(
            {
                "adhesion": adhesion,
                "besoins": list(adhesion.besoins.all()),
                "total": montant,
                "part": (montant * 100 / total) if total else None,
                "formule": Formule(formule).label if formule else "aucune",
                "eligible": regles.est_eligible(formule),
            }
        )
    repartitions = groupement.repartitions.all()
    dsi_ = a_le_role(request.user, DSI)
    peut_avancer = (
        dsi_
        and request.user.has_perm("groupements.gerer_etapes")
        and bool(regles.Etape.SUIVANTES.get(groupement.etape))
    )
    contexte = {
        "groupement": groupement,
        "marches": marches,
        "lignes": lignes,
        "retires": retires,
        "total": total,
        "synthese": synthese_besoins(actifs),
        "etapes": groupement.dates_des_etapes(),
        "fin_marche": regles.fin_des_marches(marches),
        "prochaine_action": regles.prochaine_action(groupement, marches, actifs, jour),
        "form_etape": EtapeForm(groupement=groupement) if peut_avancer else None,
        "repartitions": repartitions,
        "peut_repartir": groupement.est_lance
        and dsi_
        and request.user.has_perm("groupements.add_repartition"),
    }
    return render(request, "groupements/tableau_de_bord.html", contexte)


@require_POST
@dsi("groupements.gerer_etapes")
def etape(request, pk):
    groupement = _get_groupement_for_user(request.user, pk)
    form = EtapeForm(data=request.POST, groupement=groupement)
    if not form.is_valid():
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
        return redirect("groupements:tableau_de_bord", pk=pk)
    try:
        actes.passer_etape(
            groupement=groupement,
            vers=form.cleaned_data["vers"],
            le=form.cleaned_data["le"],
            motif=form.cleaned_data.get("motif") or "",
            par=request.user,
        )
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(
            request, f"Étape « {regles.Etape.LIBELLES[form.cleaned_data['vers']]} » enregistrée."
        )
    return redirect("groupements:tableau_de_bord", pk=pk)


def _donnees_besoins(groupement):
    actifs = [a for a in _membres(groupement) if a.est_active]
    return actifs, synthese_besoins(actifs)


def _nom_export(groupement, suffixe):
    return f"groupement-{groupement.pk}-{suffixe}"


@lecture("groupements.view_groupement")
def besoins_csv(request, pk):
    groupement = _get_groupement_for_user(request.user, pk)
    actifs, _ = _donnees_besoins(groupement)
    return exports.reponse_csv(
        _nom_export(groupement, "besoins.csv"),
        exports.ENTETES_BESOINS,
        exports.lignes_besoins(actifs),
    )


@lecture("groupements.view_groupement")
def besoins_xlsx(request, pk):
    groupement = _get_groupement_for_user(request.user, pk)
    actifs, synthese = _donnees_besoins(groupement)
    return exports.reponse_xlsx(
        _nom_export(groupement, "besoins.xlsx"),
        [
            ("Besoins par membre", exports.ENTETES_BESOINS, exports.lignes_besoins(actifs)),
            ("Synthèse", exports.ENTETES_SYNTHESE, exports.lignes_synthese(synthese)),
            (
                "Besoins qualitatifs",
                exports.ENTETES_QUALITATIFS,
                exports.lignes_qualitatifs(actifs),
            ),
        ],
    )


# --- Répartitions (G6) ----------------------------------------------------------------------


@dsi("groupements.add_repartition")
def repartition_nouvelle(request, pk):
    groupement = _get_groupement_for_user(request.user, pk)
    form = RepartitionForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            repartition = actes.enregistrer_repartition(
                groupement=groupement, par=request.user, **form.cleaned_data
            )
        except ValidationError as erreur:
            for message in erreur.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Répartition enregistrée : vérifiez l'aperçu des parts.")
            return redirect("groupements:repartition", pk=repartition.pk)
    return render(
        request, "groupements/repartition_form.html", {"groupement": groupement, "form": form}
    )


def _parts(repartition):
    return list(
        repartition.parts.select_related(
            "adhesion__commune", "adhesion__etablissement", "titre"
        ).order_by("rang")
    )


@lecture("groupements.view_groupement")
def repartition(request, pk):
    repartition = _get_repartition_for_user(request.user, pk)
    parts = _parts(repartition)
    total_poids = sum((p.poids for p in parts), Decimal("0.00"))
    lignes = [
        {
            "part": p,
            "pourcentage": (p.poids * 100 / total_poids) if total_poids else None,
            "base": regles.texte_base(
                poids=p.poids, total=total_poids, montant_total=repartition.montant
            ),
        }
        for p in parts
    ]
    peut_modifier = (
        repartition.est_brouillon
        and a_le_role(request.user, DSI)
        and request.user.has_perm("groupements.change_repartition")
    )
    form_poids = PoidsForm(parts=parts) if peut_modifier else None
    contexte = {
        "repartition": repartition,
        "groupement": repartition.groupement,
        "lignes": lignes,
        "total_poids": total_poids,
        "total_parts": sum((p.montant for p in parts), Decimal("0.00")),
        "form_poids": form_poids,
        "peut_emettre": repartition.est_brouillon
        and repartition.est_charge
        and a_le_role(request.user, FINANCES)
        and request.user.has_perm("groupements.emettre_appels_de_fonds"),
        "peut_arreter": peut_modifier and not repartition.est_charge,
    }
    return render(request, "groupements/repartition.html", contexte)


@require_POST
@dsi("groupements.change_repartition")
def repartition_poids(request, pk):
    repartition = _get_repartition_for_user(request.user, pk)
    form = PoidsForm(data=request.POST, parts=_parts(repartition))
    if not form.is_valid():
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
        return redirect("groupements:repartition", pk=pk)
    try:
        actes.modifier_poids(
            repartition=repartition,
            poids=form.poids(),
            justification=form.cleaned_data["justification"],
            par=request.user,
        )
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, "Poids modifiés : les parts ont été recalculées.")
    return redirect("groupements:repartition", pk=pk)


@require_POST
@finances("groupements.emettre_appels_de_fonds")
def repartition_emettre(request, pk):
    """G6 — the recap of every appel de fonds of the répartition (one titre per member), then
    (« confirme ») their issue, all or none."""
    repartition = _get_repartition_for_user(request.user, pk)
    if not confirme(request) and repartition.est_charge and repartition.est_brouillon:
        try:
            recaps = appels_de_fonds.a_confirmer(repartition)
        except ValidationError as erreur:
            _messages_erreur(request, erreur)
            return redirect("groupements:repartition", pk=pk)
        if recaps:
            return page_confirmation(
                request,
                recaps,
                titre_page=f"Appels de fonds — {repartition.libelle}",
                bouton=f"Émettre les {len(recaps)} appels de fonds"
                if len(recaps) > 1
                else "Émettre l'appel de fonds",
                retour=reverse("groupements:repartition", args=[pk]),
                modifiable=False,
            )
    try:
        titres = actes.emettre_appels_de_fonds(repartition=repartition, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, f"{len(titres)} appel(s) de fonds émis.")
    return redirect("groupements:repartition", pk=pk)


@require_POST
@dsi("groupements.change_repartition")
def repartition_arreter(request, pk):
    repartition = _get_repartition_for_user(request.user, pk)
    try:
        actes.arreter_reversements(repartition=repartition, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, "Reversements arrêtés : ils peuvent être exportés.")
    return redirect("groupements:repartition", pk=pk)


def _reversements(request, pk):
    repartition = _get_repartition_for_user(request.user, pk)
    if repartition.est_charge or repartition.est_brouillon:
        raise Http404("Seuls des reversements arrêtés s'exportent.")
    return repartition, exports.lignes_reversements(repartition, _parts(repartition))


@lecture("groupements.view_groupement")
def reversements_csv(request, pk):
    repartition, lignes = _reversements(request, pk)
    return exports.reponse_csv(
        f"reversements-{repartition.pk}.csv", exports.ENTETES_REVERSEMENTS, lignes
    )


@lecture("groupements.view_groupement")
def reversements_xlsx(request, pk):
    repartition, lignes = _reversements(request, pk)
    return exports.reponse_xlsx(
        f"reversements-{repartition.pk}.xlsx",
        [("Reversements", exports.ENTETES_REVERSEMENTS, lignes)],
    )
