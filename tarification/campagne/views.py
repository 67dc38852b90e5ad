"""Pages of the finance officer for the yearly campaign (B1, B2): the campaigns, the stored
preview (computed on demand), the confirmed issue (in the background), one campaign's titres.

Thin function-based views: the preview lives in ``tarification/campagne/apercu.py`` (stored by
``apercu_enregistre``), the issue in ``tarification/campagne/actes.py``. Rights: the finance
role (``securite.roles.reserve_finances``); viewing campaigns and computing their preview also
needs ``tarification.view_campagne``, issuing ``tarification.emettre_titres``.
"""

import time
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, OuterRef, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from outils.formats import formater_nombre
from securite.roles import reserve_finances
from tarification.campagne import actes, apercu_enregistre
from tarification.campagne.apercu import annee_terminee as est_terminee
from tarification.contribution import etat_du_volume
from tarification.filters import ApercuFilter
from tarification.models import Bordereau, Campagne, DemandeEmission, TitreDeRecettes
from tarification.tables import ApercuTable, CampagneTable, TitreTable
from tarification.titres.forms import ChoixCampagneForm, ConfirmationCampagneForm
from tarification.titres.views import EMETTRE, LIGNES_PAR_PAGE, VOIR_CAMPAGNES, erreurs


def _par_bordereau(**agregats):
    """Aggregates over a run's bordereaux, each as a subquery (no join multiplies another)."""
    return {
        nom: Subquery(
            Bordereau.objects.filter(campagne=OuterRef("pk"))
            .order_by()
            .values("campagne")
            .annotate(valeur=agregat)
            .values("valeur")
        )
        for nom, agregat in agregats.items()
    }


def _get_campagne_for_user(user, pk) -> Campagne:
    if not user.has_perm(VOIR_CAMPAGNES):
        raise Http404
    return get_object_or_404(Campagne.objects.select_related("bordereau", "lancee_par"), pk=pk)


# ---------------------------------------------------------------------------------------------
# The campaign (B1, B2)
# ---------------------------------------------------------------------------------------------


@reserve_finances
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_GET
def campagnes(request):
    """The campaigns issued so far, and the choice of year N and exercice to preview."""
    jour = timezone.localdate()
    form = ChoixCampagneForm(initial={"annee": jour.year - 1 if jour.month < 7 else jour.year})
    qs = Campagne.objects.annotate(
        nombre=Count("bordereaux__titres"),
        montant=Sum("bordereaux__titres__total"),
        **_par_bordereau(
            nb_bordereaux=Count("pk"),
            premier_bordereau=Min("numero"),
            date_emission=Min("date_emission"),
            pdf_rendus=Sum("pdf_rendus"),
            pdf_attendus=Sum("pdf_attendus"),
        ),
    )
    table = CampagneTable(qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    en_cours = Bordereau.objects.filter(campagne__isnull=False, pdf_fin__isnull=True).exists()
    return render(
        request,
        "tarification/campagnes.html",
        {"form": form, "table": table, "en_cours": en_cours},
    )


@reserve_finances
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_GET
def campagne_apercu(request):
    """B2 — the STORED preview of the campaign for year N (tarification/apercu_enregistre.py):
    its summary, its members paginated and filtered in the database, the confirmation form.

    The page never computes the preview (one contribution per member, far too slow at scale):
    without a stored preview it offers the "Calculer l'aperçu" button
    (``campagne_apercu_calculer``). Its number of queries does not depend on the number of
    members. The confirmation carries the stored signature: issuing recomputes the preview
    and refuses if it changed since.
    """
    choix = ChoixCampagneForm(request.GET)
    if not choix.is_valid():
        return render(request, "tarification/campagnes.html", {"form": choix, "table": None})
    annee, exercice = choix.cleaned_data["annee"], choix.cleaned_data["exercice"]
    annee_terminee = est_terminee(annee, timezone.localdate())
    apercu = apercu_enregistre.apercu_enregistre(annee=annee, exercice=exercice)
    demande = actes.derniere_demande(annee=annee, exercice=exercice)
    if demande and demande.etat != demande.Etat.EN_ATTENTE and apercu:
        # An ended request is news until the preview is computed again.
        demande = demande if demande.terminee_le > apercu.calcule_le else None
    contexte = {
        "annee": annee,
        "exercice": exercice,
        "annee_terminee": annee_terminee,
        "volume": etat_du_volume(annee),
        "apercu": apercu,
        "demande": demande,
        "en_cours": demande is not None and demande.etat == demande.Etat.EN_ATTENTE,
        "bloquee": actes.demande_bloquee(demande),
    }
    if apercu is None:
        return render(request, "tarification/campagne_apercu.html", contexte)

    filtre = ApercuFilter(request.GET, queryset=apercu.membres.order_by("nom", "pk"))
    table = ApercuTable(filtre.qs)
    RequestConfig(request, paginate={"per_page": LIGNES_PAR_PAGE}).configure(table)
    # As before the preview was stored: issuing is for the whole campaign, so not from a page
    # narrowed to some members by name.
    filtre_actif = bool(filtre.is_valid() and filtre.form.cleaned_data.get("nom"))
    confirmation = None
    if (
        request.user.has_perm(EMETTRE)
        and apercu.nb_a_emettre
        and not filtre_actif
        and not contexte["en_cours"]
    ):
        confirmation = ConfirmationCampagneForm(
            initial={"annee": annee, "exercice": exercice, "signature": apercu.signature},
            annee_terminee=annee_terminee,
        )
    contexte.update(
        {
            "table": table,
            "filtre": filtre,
            "confirmation": confirmation,
            "filtre_actif": filtre_actif,
            # Computed while year N was running, viewed once it is over: the half-days of
            # niveau 1 and the members known then only.
            "calcule_avant_la_fin": annee_terminee and not apercu.annee_terminee,
        }
    )
    return render(request, "tarification/campagne_apercu.html", contexte)


@reserve_finances
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_POST
def campagne_apercu_calculer(request):
    """B2 — compute the preview of the campaign for year N and store it in place of the
    previous one, then show it. The long part of the preview: one contribution per member."""
    choix = ChoixCampagneForm(request.POST)
    if not choix.is_valid():
        for champ, erreurs in choix.errors.items():
            libelle = choix.fields[champ].label if champ in choix.fields else None
            for erreur in erreurs:
                messages.error(request, f"{libelle} : {erreur}" if libelle else erreur)
        return redirect("tarification:campagnes")
    annee, exercice = choix.cleaned_data["annee"], choix.cleaned_data["exercice"]
    if actes.demande_en_cours(annee=annee, exercice=exercice):
        messages.error(
            request,
            "Une émission de cette campagne est en cours : l'aperçu se recalcule une fois "
            "qu'elle est terminée.",
        )
        return redirect(_url_apercu(annee, exercice))
    debut = time.perf_counter()
    apercu = apercu_enregistre.enregistrer_apercu(annee=annee, exercice=exercice, par=request.user)
    duree = Decimal(f"{time.perf_counter() - debut:.1f}")
    messages.success(
        request,
        f"Aperçu calculé en {formater_nombre(duree)} s : {formater_nombre(apercu.nb_membres)} "
        f"membre{pluralize(apercu.nb_membres)}, dont {formater_nombre(apercu.nb_a_emettre)} "
        f"titre{pluralize(apercu.nb_a_emettre)} à émettre.",
    )
    return redirect(_url_apercu(annee, exercice))


@reserve_finances
@permission_required([VOIR_CAMPAGNES, EMETTRE], raise_exception=True)
@require_POST
def campagne_emettre(request):
    """B1 — issue the previewed campaign, after the explicit confirmation: in the background.

    The request is recorded and its task enqueued (tarification/actes.py); the preview
    page then shows it pending, and how it ended: the campaign issued (the stored preview is
    deleted then: every member it shows "à émettre" is billed, so it could only mislead), or
    the error that stopped it, nothing being issued.
    """
    annee_terminee = True
    try:
        annee = int(request.POST.get("annee", ""))
        annee_terminee = est_terminee(annee, timezone.localdate())
    except ValueError:
        pass
    form = ConfirmationCampagneForm(request.POST, annee_terminee=annee_terminee)
    if not form.is_valid():
        for liste in form.errors.values():
            for message in liste:
                messages.error(request, message)
        return redirect(_url_apercu(request.POST.get("annee"), request.POST.get("exercice")))
    donnees = form.cleaned_data
    try:
        actes.demander_emission(
            annee=donnees["annee"],
            exercice=donnees["exercice"],
            par=request.user,
            signature=donnees["signature"],
        )
    except ValidationError as erreur:
        messages.error(request, erreurs(erreur))
        return redirect(_url_apercu(donnees["annee"], donnees["exercice"]))
    messages.success(
        request,
        "Émission lancée : les titres sont émis en arrière-plan, puis leurs PDF. Cette page "
        "indique quand c'est fait.",
    )
    return redirect(_url_apercu(donnees["annee"], donnees["exercice"]))


@reserve_finances
@permission_required([VOIR_CAMPAGNES, EMETTRE], raise_exception=True)
@require_POST
def campagne_reprendre(request, pk):
    """B1 — resume a campaign issue whose background task was cut short (worker killed,
    database restarted): its task is enqueued again; nothing is billed twice (B4)."""
    demande = get_object_or_404(DemandeEmission, pk=pk)
    try:
        actes.reprendre_emission(demande=demande, par=request.user)
    except ValidationError as erreur:
        messages.error(request, erreurs(erreur))
    else:
        messages.success(request, "Émission reprise : la tâche est relancée en arrière-plan.")
    return redirect(_url_apercu(demande.annee, demande.exercice))


def _url_apercu(annee, exercice) -> str:
    return f"{reverse('tarification:campagne_apercu')}?annee={annee}&exercice={exercice}"


@reserve_finances
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_GET
def campagne(request, pk):
    """One run of a campaign: its bordereaux (ordinary titres, titres complémentaires,
    réductions), the progress of their PDFs, the downloads, its titres and mandat requests."""
    campagne = _get_campagne_for_user(request.user, pk)
    bordereaux = list(
        campagne.bordereaux.annotate(montant=Sum("titres__total")).order_by("exercice", "numero")
    )
    titres = (
        TitreDeRecettes.objects.filter(bordereau__campagne=campagne)
        .avec_etat()
        .select_related("bordereau")
    )
    table = TitreTable(titres, order_by=("numero",))
    RequestConfig(request, paginate={"per_page": LIGNES_PAR_PAGE}).configure(table)
    mandats = list(campagne.demandes_mandat.select_related("titre", "ligne").order_by("pk"))
    return render(
        request,
        "tarification/campagne.html",
        {
            "campagne": campagne,
            "bordereaux": bordereaux,
            "termines": all(b.pdf_termines for b in bordereaux),
            "table": table,
            "mandats": mandats,
        },
    )
