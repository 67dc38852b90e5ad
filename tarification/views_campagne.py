"""Pages of the finance officer and DSI staff for the titres de recettes (B1–B7).

Thin function-based views: the business acts live in tarification/titres.py, the preview in
tarification/campagne.py (computed on demand and stored by tarification/apercu_enregistre.py),
the exports in tarification/exports.py. Rights: viewing campaigns and computing their preview
needs ``tarification.view_campagne``, viewing titres ``tarification.view_titrederecettes``,
any issuing act ``tarification.emettre_titres``. No page changes an issued titre: corrections
are new titres. PDFs are rendered by the background task, never here.
"""

import io
import tempfile
import time
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from outils.formats import formater_nombre
from tarification import apercu_enregistre, emission, exports, titres
from tarification.campagne import annee_terminee as est_terminee
from tarification.filters import ApercuFilter, TitreFilter
from tarification.forms_titres import (
    AnnulationForm,
    ChoixCampagneForm,
    ConfirmationCampagneForm,
    FraisSortieForm,
    LignesFraisFormSet,
    LivraisonAuditForm,
    ReductionForm,
    RefacturationForm,
    ReferencesOfficiellesForm,
)
from tarification.models import Bordereau, Campagne, TitreDeRecettes
from tarification.tables import ApercuTable, CampagneTable, TitreTable
from tarification.tasks import planifier_rendu

VOIR_CAMPAGNES = "tarification.view_campagne"
VOIR_TITRES = "tarification.view_titrederecettes"
EMETTRE = "tarification.emettre_titres"
# Rows per page of the long lists (titres, preview): django-tables2 renders a row of nine
# columns in about 1 ms, so 50 rows keep these pages under 200 ms (bench_echelle).
LIGNES_PAR_PAGE = 50


def _erreurs(erreur: ValidationError) -> str:
    return " ".join(erreur.messages)


# ---------------------------------------------------------------------------------------------
# Access helpers
# ---------------------------------------------------------------------------------------------


def _get_campagne_for_user(user, pk) -> Campagne:
    if not user.has_perm(VOIR_CAMPAGNES):
        raise Http404
    return get_object_or_404(Campagne.objects.select_related("bordereau", "lancee_par"), pk=pk)


def _get_bordereau_for_user(user, pk) -> Bordereau:
    if not (user.has_perm(VOIR_CAMPAGNES) or user.has_perm(VOIR_TITRES)):
        raise Http404
    return get_object_or_404(Bordereau, pk=pk)


def _get_titre_for_user(user, pk) -> TitreDeRecettes:
    if not user.has_perm(VOIR_TITRES):
        raise Http404
    return get_object_or_404(
        TitreDeRecettes.objects.select_related("bordereau", "corrige", "commune", "etablissement"),
        pk=pk,
    )


# ---------------------------------------------------------------------------------------------
# The campaign (B1, B2)
# ---------------------------------------------------------------------------------------------


@login_required
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_GET
def campagnes(request):
    """The campaigns issued so far, and the choice of year N and exercice to preview."""
    jour = timezone.localdate()
    form = ChoixCampagneForm(initial={"annee": jour.year - 1 if jour.month < 7 else jour.year})
    qs = Campagne.objects.select_related("bordereau").annotate(
        nombre=Count("bordereau__titres"), montant=Sum("bordereau__titres__total")
    )
    table = CampagneTable(qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    en_cours = Bordereau.objects.filter(campagne__isnull=False, pdf_fin__isnull=True).exists()
    return render(
        request,
        "tarification/campagnes.html",
        {"form": form, "table": table, "en_cours": en_cours},
    )


@login_required
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
    demande = emission.derniere_demande(annee=annee, exercice=exercice)
    if demande and demande.etat != demande.Etat.EN_ATTENTE and apercu:
        # An ended request is news until the preview is computed again.
        demande = demande if demande.terminee_le > apercu.calcule_le else None
    contexte = {
        "annee": annee,
        "exercice": exercice,
        "annee_terminee": annee_terminee,
        "apercu": apercu,
        "demande": demande,
        "en_cours": demande is not None and demande.etat == demande.Etat.EN_ATTENTE,
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


@login_required
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
    if emission.demande_en_cours(annee=annee, exercice=exercice):
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


@login_required
@permission_required([VOIR_CAMPAGNES, EMETTRE], raise_exception=True)
@require_POST
def campagne_emettre(request):
    """B1 — issue the previewed campaign, after the explicit confirmation: in the background.

    The request is recorded and its task enqueued (tarification/emission.py); the preview
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
        for erreurs in form.errors.values():
            for erreur in erreurs:
                messages.error(request, erreur)
        return redirect(_url_apercu(request.POST.get("annee"), request.POST.get("exercice")))
    donnees = form.cleaned_data
    try:
        emission.demander_emission(
            annee=donnees["annee"],
            exercice=donnees["exercice"],
            par=request.user,
            signature=donnees["signature"],
        )
    except ValidationError as erreur:
        messages.error(request, _erreurs(erreur))
        return redirect(_url_apercu(donnees["annee"], donnees["exercice"]))
    messages.success(
        request,
        "Émission lancée : les titres sont émis en arrière-plan, puis leurs PDF. Cette page "
        "indique quand c'est fait.",
    )
    return redirect(_url_apercu(donnees["annee"], donnees["exercice"]))


def _url_apercu(annee, exercice) -> str:
    return f"{reverse('tarification:campagne_apercu')}?annee={annee}&exercice={exercice}"


@login_required
@permission_required(VOIR_CAMPAGNES, raise_exception=True)
@require_GET
def campagne(request, pk):
    """One run of a campaign: its titres, the progress of their PDFs, the downloads."""
    campagne = _get_campagne_for_user(request.user, pk)
    bordereau = campagne.bordereau
    table = TitreTable(TitreDeRecettes.objects.filter(bordereau=bordereau), order_by=("numero",))
    RequestConfig(request, paginate={"per_page": LIGNES_PAR_PAGE}).configure(table)
    total = TitreDeRecettes.objects.filter(bordereau=bordereau).aggregate(t=Sum("total"))["t"]
    return render(
        request,
        "tarification/campagne.html",
        {"campagne": campagne, "bordereau": bordereau, "table": table, "total": total},
    )


# ---------------------------------------------------------------------------------------------
# Bordereau exports (B7) and the PDF job
# ---------------------------------------------------------------------------------------------


def _titres_du_bordereau(bordereau):
    return exports.titres_pour_export(TitreDeRecettes.objects.filter(bordereau=bordereau))


def _nom(bordereau: Bordereau, extension: str) -> str:
    return f"bordereau-{bordereau.exercice}-{bordereau.numero:04d}.{extension}"


@login_required
@require_GET
def bordereau_zip(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    # Closed by FileResponse once sent (not a context manager: the response outlives this).
    fichier = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
    exports.ecrire_zip(_titres_du_bordereau(bordereau), fichier)
    fichier.seek(0)
    return FileResponse(
        fichier, as_attachment=True, filename=_nom(bordereau, "zip"), content_type="application/zip"
    )


@login_required
@require_GET
def bordereau_csv(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    reponse = HttpResponse(
        exports.csv_bordereau(_titres_du_bordereau(bordereau)),
        content_type="text/csv; charset=utf-8",
    )
    reponse["Content-Disposition"] = f'attachment; filename="{_nom(bordereau, "csv")}"'
    return reponse


@login_required
@require_GET
def bordereau_xlsx(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    return FileResponse(
        io.BytesIO(exports.xlsx_bordereau(_titres_du_bordereau(bordereau))),
        as_attachment=True,
        filename=_nom(bordereau, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@permission_required(EMETTRE, raise_exception=True)
@require_POST
def bordereau_relancer(request, pk):
    """Start the background rendering again (worker stopped, failure)."""
    from tarification import pdf

    bordereau = _get_bordereau_for_user(request.user, pk)
    planifier_rendu(bordereau.pk, pdf.relancer(bordereau))
    messages.success(request, "La production des PDF manquants est relancée.")
    return redirect(request.POST.get("suivant") or reverse("tarification:campagnes"))


# ---------------------------------------------------------------------------------------------
# Titres
# ---------------------------------------------------------------------------------------------


@login_required
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def titres_liste(request):
    filtre = TitreFilter(request.GET, queryset=TitreDeRecettes.objects.emis())
    qs = filtre.qs
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        titres_export = exports.titres_pour_export(qs)
        if export == "csv":
            reponse = HttpResponse(
                exports.csv_bordereau(titres_export), content_type="text/csv; charset=utf-8"
            )
            reponse["Content-Disposition"] = 'attachment; filename="titres.csv"'
            return reponse
        return FileResponse(
            io.BytesIO(exports.xlsx_bordereau(titres_export)),
            as_attachment=True,
            filename="titres.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    table = TitreTable(qs)
    RequestConfig(request, paginate={"per_page": LIGNES_PAR_PAGE}).configure(table)
    return render(request, "tarification/titres.html", {"filtre": filtre, "table": table})


@login_required
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def titre(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    corrections = titre.corrections.emis().order_by("numero")
    restes = titres.restes_par_ligne(titre) if not titre.est_correction else []
    reste_du = sum((reste for _, reste in restes), titres.ZERO) if restes else None
    return render(
        request,
        "tarification/titre.html",
        {
            "titre": titre,
            "lignes": titre.lignes.order_by("ordre"),
            "corrections": corrections,
            "restes": restes,
            "reste_du": reste_du,
            "peut_emettre": request.user.has_perm(EMETTRE),
        },
    )


@login_required
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def titre_pdf(request, pk):
    """The stored PDF, byte-identical to what was issued (never rendered again)."""
    titre = _get_titre_for_user(request.user, pk)
    if not titre.pdf:
        raise Http404("Le PDF de ce titre est en cours de production.")
    return FileResponse(
        titre.pdf.open("rb"),
        filename=titre.nom_fichier_pdf(),
        content_type="application/pdf",
    )


def _page_formulaire(request, titre_page, form, *, titre=None, formset=None, aide="", bouton):
    return render(
        request,
        "tarification/titre_formulaire.html",
        {
            "titre_page": titre_page,
            "form": form,
            "formset": formset,
            "titre": titre,
            "aide": aide,
            "bouton": bouton,
        },
    )


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def titre_annuler(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    form = AnnulationForm(data=request.POST or None)
    if form.is_valid():
        try:
            annulation = titres.annuler_titre(
                titre=titre, motif=form.cleaned_data["motif"], par=request.user
            )
        except ValidationError as erreur:
            form.add_error(None, _erreurs(erreur))
        else:
            messages.success(request, f"Titre d'annulation n° {annulation.numero} émis.")
            return redirect("tarification:titre", pk=annulation.pk)
    return _page_formulaire(
        request,
        f"Annuler le titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Un titre d'annulation est émis : il reprend chaque ligne en négatif, se réfère au "
        "titre d'origine, qui ne change pas (B4).",
        bouton="Émettre le titre d'annulation",
    )


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def titre_reduire(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    restes = titres.restes_par_ligne(titre) if not titre.est_correction else []
    form = ReductionForm(data=request.POST or None, restes=restes)
    if form.is_valid():
        try:
            reduction = titres.reduire_titre(
                titre=titre,
                motif=form.cleaned_data["motif"],
                lignes=form.cleaned_data["reductions"],
                par=request.user,
            )
        except ValidationError as erreur:
            form.add_error(None, _erreurs(erreur))
        else:
            messages.success(request, f"Titre de réduction n° {reduction.numero} émis.")
            return redirect("tarification:titre", pk=reduction.pk)
    return _page_formulaire(
        request,
        f"Réduire le titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Un titre de réduction est émis, négatif, qui se réfère au titre d'origine (B4).",
        bouton="Émettre le titre de réduction",
    )


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def titre_references(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    form = ReferencesOfficiellesForm(
        data=request.POST or None,
        initial={
            "numero_officiel": titre.numero_officiel,
            "bordereau_officiel": titre.bordereau_officiel,
        },
    )
    if form.is_valid():
        titres.enregistrer_references_officielles(
            titre=titre, par=request.user, **form.cleaned_data
        )
        messages.success(request, "Références officielles enregistrées.")
        return redirect("tarification:titre", pk=titre.pk)
    return _page_formulaire(
        request,
        f"Références officielles du titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Les numéros de titre et de bordereau donnés par le logiciel financier (B3). "
        "Le PDF émis n'est pas modifié.",
        bouton="Enregistrer",
    )


# ---------------------------------------------------------------------------------------------
# Other titres: audit (T2), refacturation (art. 2.3.4), frais de sortie (art. 2.4)
# ---------------------------------------------------------------------------------------------


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def audit_livraison(request):
    form = LivraisonAuditForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            titre = titres.enregistrer_livraison_audit(par=request.user, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, _erreurs(erreur))
        else:
            messages.success(
                request, f"Livraison enregistrée ; titre d'audit n° {titre.numero} émis."
            )
            return redirect("tarification:titre", pk=titre.pk)
    return _page_formulaire(
        request,
        "Livraison d'un rapport d'audit",
        form,
        aide="L'audit du socle annexe se facture à la livraison du rapport, au barème et à la "
        "population en vigueur ce jour-là (T2). Le titre est émis dès l'enregistrement.",
        bouton="Enregistrer la livraison et émettre le titre",
    )


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def refacturation(request):
    form = RefacturationForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            titre = titres.emettre_refacturation(par=request.user, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, _erreurs(erreur))
        else:
            messages.success(request, f"Titre de refacturation n° {titre.numero} émis.")
            return redirect("tarification:titre", pk=titre.pk)
    return _page_formulaire(
        request,
        "Refacturation d'un achat en mandat",
        form,
        aide="Art. 2.3.4 : l'agglomération a acheté pour le membre et payé le fournisseur. "
        "La facture acquittée (PDF) est jointe au titre.",
        bouton="Émettre le titre",
    )


@login_required
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def frais_sortie(request):
    form = FraisSortieForm(data=request.POST or None)
    formset = LignesFraisFormSet(data=request.POST or None, prefix="frais")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        frais = [
            titres.FraisDeSortie(f["libelle"], f["montant"], f["detail"])
            for f in formset.cleaned_data
            if f.get("libelle")
        ]
        if not frais:
            form.add_error(None, "Indiquez au moins un frais de sortie.")
        else:
            try:
                titre = titres.emettre_frais_de_sortie(
                    adhesion=form.cleaned_data["adhesion"], frais=frais, par=request.user
                )
            except ValidationError as erreur:
                form.add_error(None, _erreurs(erreur))
            else:
                messages.success(request, f"Titre de frais de sortie n° {titre.numero} émis.")
                return redirect("tarification:titre", pk=titre.pk)
    return _page_formulaire(
        request,
        "Frais de sortie après une résiliation",
        form,
        formset=formset,
        aide="Art. 2.4 : contrats repris ou remboursés, pénalités, à la charge du membre qui "
        "quitte le service commun.",
        bouton="Émettre le titre",
    )
