"""Pages of the finance officer and DSI staff for the titres de recettes and their
bordereaux (B3–B8): lists, a titre and its PDF (with its disputes, art. 2.5), the exports of a
bordereau, réduction and annulation, refacturations. The audit's titre is issued at its
report's delivery and the frais de sortie from a validated état de sortie, on the pages of
the audits and exits (``patrimoine``), through the acts of ``titres/actes.py``.

Thin function-based views: the acts live in ``tarification/titres/`` (``actes``,
``corrections``). Rights (securite/roles.py): DSI staff and the finance officer read the
titres (``tarification.view_titrederecettes``); only the finance role exports them and issues
(``tarification.emettre_titres``): audits, refacturations, frais de sortie, réductions,
annulations. DSI staff record an audit's delivery, which the finance officer then bills. No
page changes an issued titre: corrections are new titres. PDFs are rendered by the background
task, never here.
"""

import io
import tempfile
import uuid
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from membres.models import Adhesion
from outils.formats import de_commune, formater_euros, quantite_unite
from outils.requetes import compte
from securite.roles import (
    FINANCES,
    a_le_role,
    reserve_finances,
    reserve_personnel,
)
from securite.views import destination_sure
from tarification.deja_facture import restes_par_ligne
from tarification.filters import TitreFilter
from tarification.models import Bordereau, TitreDeRecettes
from tarification.recouvrement import restes as recouvrement_restes
from tarification.tables import TitreTable, etiquette_etat
from tarification.titres import actes, confirmation, corrections, exports, pes, recapitulatif
from tarification.titres import numeros_officiels as numeros_officiels_import
from tarification.titres.confirmation import a_confirmer, confirme, page_confirmation
from tarification.titres.forms import (
    AnnulationForm,
    ImportNumerosOfficielsForm,
    ReductionForm,
    RefacturationForm,
    ReferencesOfficiellesForm,
    SignatureRecapitulatifForm,
)
from tarification.titres.pdf import planifier_rendu, relancer

VOIR_CAMPAGNES = "tarification.view_campagne"
VOIR_TITRES = "tarification.view_titrederecettes"
EMETTRE = "tarification.emettre_titres"
SUIVRE = "tarification.suivre_recouvrement"
# Rows per page of the long lists (titres, preview): django-tables2 renders a row of nine
# columns in about 1 ms, so 50 rows keep these pages under 200 ms (bench_echelle).
LIGNES_PAR_PAGE = 50


def erreurs(erreur: ValidationError) -> str:
    return " ".join(erreur.messages)


# ---------------------------------------------------------------------------------------------
# Access helpers
# ---------------------------------------------------------------------------------------------


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
# Bordereau exports (B7) and the PDF job
# ---------------------------------------------------------------------------------------------


def _titres_du_bordereau(bordereau):
    return exports.titres_pour_export(TitreDeRecettes.objects.filter(bordereau=bordereau))


def _nom(bordereau: Bordereau, extension: str) -> str:
    return f"bordereau-{bordereau.exercice}-{bordereau.numero:04d}.{extension}"


@reserve_finances
@require_GET
def bordereau_zip(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    # Closed by FileResponse once sent (not a context manager: the response outlives this).
    fichier = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
    exports.ecrire_zip(_titres_du_bordereau(bordereau), fichier, bordereaux=[bordereau])
    fichier.seek(0)
    return FileResponse(
        fichier, as_attachment=True, filename=_nom(bordereau, "zip"), content_type="application/zip"
    )


@reserve_finances
@require_GET
def bordereau_csv(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    reponse = HttpResponse(
        exports.csv_bordereau(_titres_du_bordereau(bordereau)),
        content_type="text/csv; charset=utf-8",
    )
    reponse["Content-Disposition"] = f'attachment; filename="{_nom(bordereau, "csv")}"'
    return reponse


@reserve_finances
@require_GET
def bordereau_xlsx(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    return FileResponse(
        io.BytesIO(exports.xlsx_bordereau(_titres_du_bordereau(bordereau))),
        as_attachment=True,
        filename=_nom(bordereau, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _retour_bordereau(bordereau):
    campagne = getattr(bordereau, "campagne", None)
    if campagne is not None:
        return redirect("tarification:campagne", pk=campagne.pk)
    return redirect("tarification:titres")


@reserve_finances
@permission_required(EMETTRE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def bordereau_signer(request, pk):
    """B10 — produce the bordereau récapitulatif signed by the ordonnateur or a délégataire in
    force on the bordereau's date and today (once; never again)."""
    bordereau = _get_bordereau_for_user(request.user, pk)
    if bordereau.recapitulatif:
        messages.info(request, "Le récapitulatif de ce bordereau est déjà signé.")
        return _retour_bordereau(bordereau)
    possibles = recapitulatif.signataires_possibles(bordereau, timezone.localdate())
    form = SignatureRecapitulatifForm(data=request.POST or None, signataires=possibles)
    if form.is_valid():
        try:
            recapitulatif.produire(
                bordereau=bordereau, par=request.user, signataire=form.cleaned_data["signataire"]
            )
        except ValidationError as erreur:
            form.add_error(None, erreurs(erreur))
        else:
            messages.success(request, "Bordereau récapitulatif produit et signé.")
            return _retour_bordereau(bordereau)
    contenu = TitreDeRecettes.objects.filter(bordereau=bordereau).aggregate(
        nombre=Count("pk"), montant=Sum("total")
    )
    aide = (
        f"Le bordereau n° {bordereau.numero} du {bordereau.date_emission:%d/%m/%Y} "
        f"({bordereau.libelle}) compte {quantite_unite(contenu['nombre'], 'titre')} pour "
        f"{formater_euros(contenu['montant'] or Decimal('0.00'))}. Seul le bordereau est signé "
        "(CGCT, art. L. 1617-5, 4°) : son récapitulatif nomme le signataire et ne se refait pas."
    )
    if not possibles.exists():
        aide = (
            f"Aucun signataire en vigueur le {bordereau.date_emission:%d/%m/%Y} et aujourd'hui : "
            "enregistrez l'ordonnateur ou une délégation de signature dans le registre "
            "(administration › registre des délégations de signature)."
        )
    return _page_formulaire(
        request,
        f"Signer le bordereau n° {bordereau.numero} (exercice {bordereau.exercice})",
        form,
        aide=aide,
        bouton="Produire le récapitulatif signé",
    )


@reserve_finances
@require_GET
def bordereau_recapitulatif(request, pk):
    bordereau = _get_bordereau_for_user(request.user, pk)
    if not bordereau.recapitulatif:
        raise Http404
    return FileResponse(
        bordereau.recapitulatif.open("rb"),
        as_attachment=True,
        filename=recapitulatif.nom_fichier(bordereau),
        content_type="application/pdf",
    )


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def numeros_officiels(request):
    """B3 — the official numbers given by the finance suite, imported in bulk, all or nothing."""
    form = ImportNumerosOfficielsForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        try:
            resultat = numeros_officiels_import.importer(form.cleaned_data["fichier"].read())
        except ValidationError as erreur:
            for message in erreur.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                f"{resultat.lignes} ligne(s) lue(s) : {resultat.enregistres} titre(s) "
                f"numéroté(s), {resultat.deja} déjà à jour.",
            )
            return redirect("tarification:titres")
    return _page_formulaire(
        request,
        "Importer les numéros officiels des titres",
        form,
        aide="Le logiciel financier renumérote parfois les titres importés : ce fichier "
        "rapporte ses numéros de titre et de bordereau, affichés à côté des nôtres dans le "
        "portail, les exports et les récapitulatifs (les PDF émis ne changent pas).",
        bouton="Importer",
    )


@reserve_finances
@require_GET
def bordereau_pes(request, pk):
    """B9 — the bordereau's PES V2 file (produced and validated at the first request, then kept
    and served byte-identical); the French reason when it cannot be produced."""
    bordereau = _get_bordereau_for_user(request.user, pk)
    try:
        bordereau = pes.produire(bordereau)
    except ValidationError as erreur:
        messages.error(request, erreurs(erreur))
        return _retour_bordereau(bordereau)
    return FileResponse(
        bordereau.pes.open("rb"),
        as_attachment=True,
        filename=pes.nom_fichier(bordereau),
        content_type="application/xml",
    )


@reserve_finances
@permission_required(EMETTRE, raise_exception=True)
@require_POST
def bordereau_relancer(request, pk):
    """Start the background rendering again (worker stopped, failure)."""
    bordereau = _get_bordereau_for_user(request.user, pk)
    planifier_rendu(bordereau.pk, relancer(bordereau))
    messages.success(request, "La production des PDF manquants est relancée.")
    return redirect(
        destination_sure(request, request.POST.get("suivant"), reverse("tarification:campagnes"))
    )


class BordereauFilter(forms.Form):
    exercice = forms.IntegerField(label="Exercice", required=False, min_value=2000)
    genre = forms.ChoiceField(
        label="Genre", required=False, choices=[("", "tous"), *Bordereau.Genre.choices]
    )
    nature = forms.ChoiceField(
        label="Nature des titres",
        required=False,
        choices=[("", "toutes"), *TitreDeRecettes.Nature.choices],
    )


@reserve_finances
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def bordereaux(request):
    """Every bordereau, of every nature and exercice (campaigns, appels de fonds, audits,
    refacturations, frais de sortie, corrections): its titres, total, the progress of its PDFs,
    its exports, PES file and signed récapitulatif. A fixed number of queries per page."""
    filtre = BordereauFilter(request.GET or None)
    qs = Bordereau.objects.annotate(
        nombre=compte(TitreDeRecettes.objects.all(), "bordereau"),
        montant=Coalesce(
            Subquery(
                TitreDeRecettes.objects.filter(bordereau=OuterRef("pk"))
                .order_by()
                .values("bordereau")
                .annotate(s=Sum("total"))
                .values("s")
            ),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    ).order_by("-exercice", "-numero", "-pk")
    if filtre.is_valid():
        if filtre.cleaned_data["exercice"]:
            qs = qs.filter(exercice=filtre.cleaned_data["exercice"])
        if filtre.cleaned_data["genre"]:
            qs = qs.filter(genre=filtre.cleaned_data["genre"])
        if filtre.cleaned_data["nature"]:
            qs = qs.filter(
                Exists(
                    TitreDeRecettes.objects.filter(
                        bordereau=OuterRef("pk"), nature=filtre.cleaned_data["nature"]
                    )
                )
            )
    page = Paginator(qs, LIGNES_PAR_PAGE).get_page(request.GET.get("page"))
    natures = {}
    for bordereau_id, nature in (
        TitreDeRecettes.objects.filter(bordereau__in=[b.pk for b in page])
        .order_by("nature")
        .values_list("bordereau_id", "nature")
        .distinct()
    ):
        natures.setdefault(bordereau_id, []).append(TitreDeRecettes.Nature(nature).label)
    for bordereau in page:
        bordereau.natures = natures.get(bordereau.pk, [])
    en_cours = any(not b.pdf_termines for b in page)
    autres = request.GET.copy()
    autres.pop("page", None)
    return render(
        request,
        "tarification/bordereaux.html",
        {"filtre": filtre, "page": page, "en_cours": en_cours, "autres": autres.urlencode()},
    )


# ---------------------------------------------------------------------------------------------
# Titres
# ---------------------------------------------------------------------------------------------


@reserve_personnel
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def titres_liste(request):
    filtre = TitreFilter(
        request.GET,
        queryset=TitreDeRecettes.objects.emis().avec_etat().select_related("bordereau"),
    )
    qs = filtre.qs
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        if not a_le_role(request.user, FINANCES):
            raise PermissionDenied("Seul le responsable financier exporte les titres.")
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


@reserve_personnel
@permission_required(VOIR_TITRES, raise_exception=True)
@require_GET
def titre(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    corrections_emises = titre.corrections.emis().order_by("numero")
    restes = restes_par_ligne(titre) if not titre.est_correction else []
    reste_du = sum((reste for _, reste in restes), Decimal("0.00")) if restes else None
    litiges = titre.litiges.prefetch_related("etapes").order_by("-ouvert_le", "pk")
    recouvrement = None if titre.est_correction else recouvrement_restes.situation_du_titre(titre)
    return render(
        request,
        "tarification/titre.html",
        {
            "titre": titre,
            "etiquette_etat": etiquette_etat(titre),
            "litiges": litiges,
            "lignes": titre.lignes.order_by("ordre"),
            "corrections": corrections_emises,
            "mandats": titre.demandes_mandat.select_related("ligne").order_by("pk"),
            "exercice_clos": corrections.exercice_clos(titre),
            "restes": restes,
            "reste_du": reste_du,
            "peut_emettre": a_le_role(request.user, FINANCES) and request.user.has_perm(EMETTRE),
            # B11: its state, payments, acknowledgements and reminders.
            "recouvrement": recouvrement,
            "echeance": recouvrement_restes.echeance(titre),
            "evenements": titre.evenements_recouvrement.select_related("auteur"),
            "paiements": titre.paiements.select_related("auteur"),
            "rappels": titre.rappels.all(),
            "peut_suivre": a_le_role(request.user, FINANCES) and request.user.has_perm(SUIVRE),
        },
    )


@reserve_personnel
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


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def titre_annuler(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    if titre.est_correction:
        raise Http404
    if corrections.exercice_clos(titre):
        # B4: not offered on a closed exercice; the mandat route is the réduction page's.
        messages.info(
            request,
            f"L'exercice {titre.exercice} est clos : le titre ne s'annule plus par un titre "
            "d'annulation mais par une demande de mandat au compte 673.",
        )
        return redirect("tarification:titre_reduire", pk=titre.pk)
    form = AnnulationForm(data=request.POST or None)
    if form.is_valid() and "modifier" not in request.POST:
        try:
            if a_confirmer(request):
                recap = confirmation.annulation(titre, form.cleaned_data["motif"])
                return page_confirmation(
                    request,
                    [recap],
                    titre_page=f"Annuler le titre n° {titre.numero} (exercice {titre.exercice})",
                    bouton="Émettre le titre d'annulation",
                    retour=reverse("tarification:titre", args=[titre.pk]),
                )
            annulation = corrections.annuler_titre(
                titre=titre, motif=form.cleaned_data["motif"], par=request.user
            )
        except ValidationError as erreur:
            form.add_error(None, erreurs(erreur))
        else:
            messages.success(request, f"Titre d'annulation n° {annulation.numero} émis.")
            return redirect("tarification:titre", pk=annulation.pk)
    return _page_formulaire(
        request,
        f"Annuler le titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Un titre d'annulation est émis : il reprend chaque ligne en négatif, se réfère au "
        "titre d'origine, qui ne change pas (B4). Vous vérifierez le titre avant son émission.",
        bouton="Vérifier avant d'émettre",
    )


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def titre_reduire(request, pk):
    """B4 — a réduction while the titre's exercice is open; once it is closed, a request for
    a mandat at account 673 per line reduced (recorded, it counts as a correction)."""
    titre = _get_titre_for_user(request.user, pk)
    clos = corrections.exercice_clos(titre)
    restes = restes_par_ligne(titre) if not titre.est_correction else []
    form = ReductionForm(data=request.POST or None, restes=restes)
    if form.is_valid() and "modifier" not in request.POST:
        donnees = {
            "titre": titre,
            "motif": form.cleaned_data["motif"],
            "lignes": form.cleaned_data["reductions"],
            "par": request.user,
        }
        if a_confirmer(request):
            recap = (confirmation.mandats if clos else confirmation.reduction)(
                titre, form.cleaned_data["motif"], form.cleaned_data["reductions"]
            )
            return page_confirmation(
                request,
                [recap],
                titre_page=(
                    f"Demander un mandat d'annulation — titre n° {titre.numero}"
                    if clos
                    else f"Réduire le titre n° {titre.numero} (exercice {titre.exercice})"
                ),
                bouton="Enregistrer la demande de mandat"
                if clos
                else "Émettre le titre de réduction",
                retour=reverse("tarification:titre", args=[titre.pk]),
            )
        try:
            if clos:
                demandes = corrections.demander_mandats(**donnees)
            else:
                reduction = corrections.reduire_titre(**donnees)
        except ValidationError as erreur:
            form.add_error(None, erreurs(erreur))
        else:
            if clos:
                messages.success(
                    request,
                    f"{len(demandes)} demande(s) de mandat au compte 673 enregistrée(s) : à "
                    "transmettre au service des finances.",
                )
                return redirect("tarification:titre", pk=titre.pk)
            messages.success(request, f"Titre de réduction n° {reduction.numero} émis.")
            return redirect("tarification:titre", pk=reduction.pk)
    if clos:
        return _page_formulaire(
            request,
            f"Demander un mandat d'annulation — titre n° {titre.numero} (exercice "
            f"{titre.exercice}, clos)",
            form,
            titre=titre,
            aide="L'exercice du titre est clos : la correction ne s'émet plus en titre négatif "
            "mais par un mandat au compte 673 « titres annulés sur exercices antérieurs ». La "
            "demande est enregistrée avec son motif et compte dès maintenant comme une "
            "correction de ce qui est facturé (B4).",
            bouton="Vérifier avant d'enregistrer",
        )
    return _page_formulaire(
        request,
        f"Réduire le titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Un titre de réduction est émis, négatif, qui se réfère au titre d'origine (B4). "
        "Vous vérifierez le titre avant son émission.",
        bouton="Vérifier avant d'émettre",
    )


@reserve_finances
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
        actes.enregistrer_references_officielles(titre=titre, par=request.user, **form.cleaned_data)
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
# Other titres: refacturation (art. 2.3.4)
# ---------------------------------------------------------------------------------------------


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_GET
def audits(request):
    """T2 — the audits delivered and not billed yet, each with its "issue" button."""
    return render(request, "tarification/audits.html", {"adhesions": actes.audits_a_facturer()})


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def audit_emettre(request, pk):
    """T2 — the recap of the audit titre of a recorded delivery, then its issue (idempotent:
    an audit already billed shows its titre)."""
    adhesion = get_object_or_404(Adhesion.objects.select_related("commune"), pk=pk)
    try:
        if not confirme(request):
            recap = confirmation.audit(adhesion)
            return page_confirmation(
                request,
                [recap],
                titre_page=f"Titre d'audit {de_commune(adhesion.commune.nom)}",
                bouton="Émettre le titre d'audit",
                retour=reverse("tarification:audits"),
                modifiable=False,
            )
        titre = actes.emettre_titre_audit(adhesion=adhesion, par=request.user)
    except ValidationError as erreur:
        messages.error(request, erreurs(erreur))
        return redirect("tarification:audits")
    messages.success(request, f"Titre d'audit n° {titre.numero} ({titre.debiteur_nom}).")
    return redirect("tarification:titre", pk=titre.pk)


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def _facture_en_attente(request):
    """The invoice uploaded before the recap, kept meanwhile under a signed name (a client
    cannot point at another file)."""
    jeton = request.POST.get("facture_jeton")
    if not jeton or request.FILES.get("facture"):
        return None, None
    try:
        nom = signing.loads(jeton, salt=SEL_FACTURE, max_age=24 * 3600)
    except signing.BadSignature:
        return None, None
    if not default_storage.exists(nom):
        return None, None
    with default_storage.open(nom, "rb") as fichier:
        contenu = fichier.read()
    return nom, SimpleUploadedFile("facture.pdf", contenu, content_type="application/pdf")


SEL_FACTURE = "tarification.refacturation.facture"


@reserve_finances
@permission_required([VOIR_TITRES, EMETTRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def refacturation(request):
    fichiers = request.FILES or None
    attente, facture = _facture_en_attente(request) if request.method == "POST" else (None, None)
    if facture is not None:
        fichiers = {"facture": facture}
    form = RefacturationForm(data=request.POST or None, files=fichiers)
    if form.is_valid() and "modifier" not in request.POST:
        try:
            if a_confirmer(request):
                recap = confirmation.refacturation(**form.cleaned_data)
                if attente is None:
                    televersee = form.cleaned_data["facture"]
                    televersee.seek(0)
                    attente = default_storage.save(
                        f"brouillons/refacturations/{uuid.uuid4().hex}.pdf", televersee
                    )
                return page_confirmation(
                    request,
                    [recap],
                    titre_page="Refacturation d'un achat en mandat",
                    bouton="Émettre le titre de refacturation",
                    retour=reverse("tarification:refacturation"),
                    modifiable=False,
                    champs_en_plus=[("facture_jeton", signing.dumps(attente, salt=SEL_FACTURE))],
                )
            titre = actes.emettre_refacturation(par=request.user, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, erreurs(erreur))
        else:
            if attente is not None:
                default_storage.delete(attente)
            messages.success(request, f"Titre de refacturation n° {titre.numero} émis.")
            return redirect("tarification:titre", pk=titre.pk)
    return _page_formulaire(
        request,
        "Refacturation d'un achat en mandat",
        form,
        aide="Art. 2.3.4 : l'agglomération a acheté pour le membre et payé le fournisseur. "
        "La facture acquittée (PDF) est jointe au titre. Vous vérifierez le titre avant son "
        "émission.",
        bouton="Vérifier avant d'émettre",
    )
