from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from membres.models import Commune, Document


def accueil(request):
    return render(request, "accueil.html")


def communes_de(user):
    """The communes a user may see: all for DSI staff, its own for a member's user."""

    if user.is_staff:
        return Commune.objects.all()
    return Commune.objects.filter(rattachements__utilisateur=user).distinct()


def _get_document_for_user(user, pk) -> Document:
    document = get_object_or_404(Document.objects.select_related("commune"), pk=pk)
    if not communes_de(user).filter(pk=document.commune_id).exists():
        raise Http404("Document introuvable.")
    return document


@login_required
def document(request, pk):
    document = _get_document_for_user(request.user, pk)
    nom = document.fichier.name.rsplit("/", 1)[-1]
    return FileResponse(
        document.fichier.open("rb"),
        as_attachment=True,
        filename=nom,
        content_type=document.type_mime or "application/octet-stream",
    )
