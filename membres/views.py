from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from membres.acces import communes_du_portail
from membres.models import Document
from securite.roles import DSI, FINANCES, a_le_role, second_facteur_manquant


def accueil(request):
    return render(request, "accueil.html")


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
