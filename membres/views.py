from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from membres import comptes
from membres.acces import communes_du_portail
from membres.forms import InvitationForm
from membres.models import Commune, Document, Rattachement
from securite.roles import DSI, FINANCES, a_le_role, reserve_dsi, second_facteur_manquant


def _get_document_for_user(user, pk) -> Document:
    """DSI staff and the finance officer (their role, behind the second factor) see every
    member's documents; a member's user those of the communes whose portal it opens; anyone
    else gets a 404, which does not tell that the document exists."""
    document = get_object_or_404(Document.objects.select_related("commune"), pk=pk)
    if a_le_role(user, DSI, FINANCES) and user.has_perm("membres.view_document"):
        if second_facteur_manquant(user):
            raise Http404("Document introuvable.")
        return document
    if not communes_du_portail(user).filter(pk=document.commune_id).exists():
        raise Http404("Document introuvable.")
    return document


@login_required
def document(request, pk):
    document = _get_document_for_user(request.user, pk)
    nom = document.fichier.name.rsplit("/", 1)[-1]
    try:
        flux = document.fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    return FileResponse(
        flux,
        as_attachment=True,
        filename=nom,
        content_type=document.type_mime or "application/octet-stream",
    )


# --- Portal access, managed by DSI staff ------------------------------------------------------


def _comptes_du_portail():
    """Members' accounts (never staff) with their rattachements, in two queries."""
    return (
        get_user_model()
        .objects.filter(is_staff=False, is_superuser=False, rattachements__isnull=False)
        .distinct()
        .prefetch_related(
            Prefetch(
                "rattachements",
                queryset=Rattachement.objects.select_related("commune", "etablissement").order_by(
                    "commune__nom"
                ),
            )
        )
        .order_by("-is_active", "username")
    )


@reserve_dsi
def acces(request):
    """Who has access to which commune's portal, and when they last logged in."""
    choisie = Commune.objects.filter(code_insee=request.GET.get("commune", "")).first()
    if choisie is not None:
        return redirect("membres:acces_commune", code_insee=choisie.code_insee)
    return render(
        request,
        "membres/acces.html",
        {
            "comptes": list(_comptes_du_portail()),
            "communes": list(Commune.objects.order_by("nom").only("nom", "code_insee")),
        },
    )


def _get_commune_for_user(code_insee) -> Commune:
    return get_object_or_404(Commune, code_insee=code_insee)


@reserve_dsi
def acces_commune(request, code_insee):
    """A commune's portal accounts, and the invitation of a new secretary."""
    commune = _get_commune_for_user(code_insee)
    # From a contact's page: the form comes filled in with the contact's name and address.
    initial = {k: request.GET.get(k, "") for k in ("email", "prenom", "nom")}
    form = InvitationForm(data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            utilisateur = comptes.creer_acces_portail(
                commune=commune, par=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Accès à l'espace de {commune.nom} ouvert pour {utilisateur.email} : "
                "l'invitation lui a été envoyée par courriel.",
            )
            return redirect("membres:acces_commune", code_insee=commune.code_insee)
    return render(
        request,
        "membres/acces_commune.html",
        {
            "commune": commune,
            "comptes": list(_comptes_du_portail().filter(rattachements__commune=commune)),
            "form": form,
        },
    )


@reserve_dsi
@require_POST
def acces_desactiver(request, pk):
    utilisateur = get_object_or_404(
        get_user_model().objects.filter(is_staff=False, rattachements__isnull=False).distinct(),
        pk=pk,
    )
    try:
        comptes.desactiver_acces(utilisateur=utilisateur, par=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Compte {utilisateur.get_username()} désactivé : il ne peut plus se connecter.",
        )
    retour = request.POST.get("commune", "")
    if retour and Commune.objects.filter(code_insee=retour).exists():
        return redirect("membres:acces_commune", code_insee=retour)
    return redirect("membres:acces")
