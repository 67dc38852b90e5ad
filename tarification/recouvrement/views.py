"""B11 — the finance officer's recouvrement pages: the restes à recouvrer (filters, totals that
tie to the titres, CSV/XLSX), a payment or a state entered by hand, the comptable's imports,
the reminders and their letters, the état des produits à rattacher.

Thin views: the acts are in ``actes`` and ``imports``, the figures in ``restes``. Rights: the
finance role (``reserve_finances``) with ``tarification.suivre_recouvrement``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from outils import exports as ecrire
from securite.roles import reserve_finances
from tarification.models import Acquittement, Rappel, TitreDeRecettes
from tarification.recouvrement import actes, exports, imports, rappels, rattachement, restes
from tarification.recouvrement.forms import (
    AnneeForm,
    EtatForm,
    ImportForm,
    PaiementForm,
    RestesFiltre,
)

VOIR_TITRES = "tarification.view_titrederecettes"
SUIVRE = "tarification.suivre_recouvrement"
LIGNES_PAR_PAGE = 50


def _get_titre_for_user(user, pk) -> TitreDeRecettes:
    if not (user.has_perm(VOIR_TITRES) and user.has_perm(SUIVRE)):
        raise Http404
    return get_object_or_404(
        TitreDeRecettes.objects.emis().exclude(nature__in=TitreDeRecettes.Nature.corrections()),
        pk=pk,
    )


def _fichier(contenu: bytes, nom: str, type_mime: str) -> HttpResponse:
    reponse = HttpResponse(contenu, content_type=type_mime)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


def _formulaire(request, titre_page, form, *, titre=None, aide="", bouton):
    return render(
        request,
        "tarification/titre_formulaire.html",
        {"titre_page": titre_page, "form": form, "titre": titre, "aide": aide, "bouton": bouton},
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_GET
def restes_a_recouvrer(request):
    exercices = list(
        TitreDeRecettes.objects.emis()
        .order_by("-exercice")
        .values_list("exercice", flat=True)
        .distinct()
    )
    filtre = RestesFiltre(request.GET or None, exercices=exercices)
    criteres = filtre.cleaned_data if filtre.is_valid() else {}
    commune = criteres.get("commune")
    lignes = restes.restes(
        exercice=criteres.get("exercice"),
        etat=criteres.get("etat") or None,
        commune=commune.pk if commune else None,
        age=criteres.get("age") or None,
    )
    export = request.GET.get("export")
    if export == "csv":
        return _fichier(
            ecrire.contenu_csv(
                exports.ENTETES, exports.lignes(lignes), total=exports.ligne_total(lignes)
            ),
            "restes-a-recouvrer.csv",
            ecrire.TYPE_CSV,
        )
    if export == "xlsx":
        feuille = ecrire.Feuille(
            "Restes à recouvrer",
            exports.ENTETES,
            exports.lignes(lignes),
            total=exports.ligne_total(lignes),
        )
        return _fichier(
            ecrire.contenu_xlsx([feuille], titre="Restes à recouvrer"),
            "restes-a-recouvrer.xlsx",
            ecrire.TYPE_XLSX,
        )
    page = Paginator(lignes, LIGNES_PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tarification/restes.html",
        {
            "filtre": filtre,
            "page": page,
            "totaux": restes.totaux(lignes),
            "parametres": request.GET.copy().urlencode() if request.GET else "",
        },
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def paiement_saisir(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    form = PaiementForm(data=request.POST or None, initial={"date": timezone.localdate()})
    if form.is_valid():
        try:
            paiement = actes.enregistrer_paiement(
                titre=titre,
                le=form.cleaned_data["date"],
                montant=form.cleaned_data["montant"],
                reference=form.cleaned_data["reference"],
                par=request.user,
            )
        except ValidationError as erreur:
            form.add_error(None, " ".join(erreur.messages))
        else:
            messages.success(request, "Paiement enregistré.")
            if paiement.trop_percu:
                messages.warning(
                    request,
                    f"Trop-perçu de {paiement.trop_percu} € : à signaler au comptable public, "
                    "qui rembourse.",
                )
            return redirect("tarification:titre", pk=titre.pk)
    return _formulaire(
        request,
        f"Enregistrer un paiement — titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Un paiement constaté par le comptable public. S'il dépasse ce qui reste, il est "
        "enregistré et l'excédent signalé comme trop-perçu ; le même paiement retrouvé ensuite "
        "dans le fichier du comptable n'est pas compté deux fois.",
        bouton="Enregistrer le paiement",
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def etat_saisir(request, pk):
    titre = _get_titre_for_user(request.user, pk)
    form = EtatForm(data=request.POST or None, initial={"date": timezone.localdate()})
    if form.is_valid():
        donnees = form.cleaned_data
        try:
            if donnees["nature"] == "non_valeur":
                actes.admettre_en_non_valeur(
                    titre=titre,
                    le=donnees["date"],
                    deliberation=donnees["deliberation"],
                    montant=donnees["montant"],
                    par=request.user,
                )
            else:
                actes.enregistrer_etat(
                    titre=titre,
                    nature=donnees["nature"],
                    le=donnees["date"],
                    motif=donnees["motif"],
                    par=request.user,
                )
        except ValidationError as erreur:
            form.add_error(None, " ".join(erreur.messages))
        else:
            messages.success(request, "État enregistré.")
            return redirect("tarification:titre", pk=titre.pk)
    return _formulaire(
        request,
        f"Enregistrer un état — titre n° {titre.numero} (exercice {titre.exercice})",
        form,
        titre=titre,
        aide="Pris en charge ou rejeté par le comptable (un rejet porte son motif : le titre est "
        "ensuite annulé et réémis) ; admis en non-valeur par délibération. Un état ne revient "
        "jamais en arrière.",
        bouton="Enregistrer l'état",
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_http_methods(["GET", "POST"])
def importer(request):
    form = ImportForm(data=request.POST or None, files=request.FILES or None)
    if form.is_valid():
        contenu = form.cleaned_data["fichier"].read()
        genre = form.cleaned_data["genre"]
        try:
            if genre == ImportForm.Genre.ACQUITTEMENT:
                acquittement = imports.importer_acquittement(contenu, par=request.user)
                message = (
                    "Acquittement déjà enregistré."
                    if acquittement is None
                    else f"Flux {acquittement.nom_fichier} : "
                    f"{'accepté' if acquittement.accepte else 'refusé'}."
                )
            else:
                fonction = (
                    imports.importer_paiements
                    if genre == ImportForm.Genre.PAIEMENTS
                    else imports.importer_etats
                )
                resultat = fonction(contenu, par=request.user)
                message = (
                    f"{resultat.lignes} ligne(s) lue(s) : {resultat.enregistres} enregistrée(s), "
                    f"{resultat.deja} déjà enregistrée(s)."
                )
                if getattr(resultat, "trop_percu", 0):
                    message += f" Trop-perçu : {resultat.trop_percu} €."
        except ValidationError as erreur:
            for texte in erreur.messages:
                form.add_error(None, texte)
        else:
            messages.success(request, message)
            return redirect("tarification:restes")
    return _formulaire(
        request,
        "Importer un fichier du comptable",
        form,
        aide="Paiements, états des titres (pris en charge, rejetés) ou acquittement d'un flux "
        "PES. Tout ou rien : une ligne en erreur n'importe rien et est nommée. Importer deux fois "
        "le même fichier ne change rien.",
        bouton="Importer",
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_GET
def rappels_liste(request):
    jour = timezone.localdate()
    return render(
        request,
        "tarification/rappels.html",
        {
            "dus": rappels.rappels_dus(jour),
            "envoyes": Rappel.objects.select_related("titre").order_by("-date", "-pk")[:100],
            "acquittements": Acquittement.objects.select_related("bordereau")[:20],
            "jour": jour,
            "delai": settings.RECOUVREMENT_DELAI_RAPPEL,
        },
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_GET
def rappel_pdf(request, pk):
    """The lettre de rappel of a titre with today's figures (what the next reminder sends)."""
    titre = _get_titre_for_user(request.user, pk)
    situation = restes.situation_du_titre(titre)
    if not situation.reste:
        raise Http404("Rien ne reste à recouvrer sur ce titre.")
    rang = titre.rappels.count() + 1
    return _fichier(
        rappels.lettre_pdf(titre, situation, timezone.localdate(), rang),
        rappels.nom_lettre(titre, rang),
        "application/pdf",
    )


@reserve_finances
@permission_required([VOIR_TITRES, SUIVRE], raise_exception=True)
@require_GET
def produits_a_rattacher(request):
    form = AnneeForm(request.GET or None)
    annee = form.cleaned_data["annee"] if form.is_valid() else timezone.localdate().year
    etat = rattachement.etat_des_produits(annee)
    export = request.GET.get("export")
    total = ["Total", "", "", "", etat.total, ""]
    if export == "csv":
        return _fichier(
            ecrire.contenu_csv(rattachement.ENTETES, rattachement.lignes_export(etat), total=total),
            f"produits-a-rattacher-{annee}.csv",
            ecrire.TYPE_CSV,
        )
    if export == "xlsx":
        feuille = ecrire.Feuille(
            f"Produits à rattacher {annee}",
            rattachement.ENTETES,
            rattachement.lignes_export(etat),
            total=total,
        )
        return _fichier(
            ecrire.contenu_xlsx([feuille], titre=f"Produits à rattacher {annee}"),
            f"produits-a-rattacher-{annee}.xlsx",
            ecrire.TYPE_XLSX,
        )
    return render(request, "tarification/rattachement.html", {"form": form, "etat": etat})
