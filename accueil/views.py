"""``/``: each role's home. A visitor sees the public page; a member's user goes to her
commune's space (its home lists what she has to do); DSI staff and the finance officer see
what awaits them, each counter linking to the filtered list."""

from django.shortcuts import redirect, render
from django.utils import timezone

from accueil import compteurs
from securite.roles import DSI, DSI_ADMINISTRATEUR, FINANCES, a_le_role, second_facteur_manquant


def accueil(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "accueil.html")
    if not user.is_staff:
        return redirect("portail:choisir")
    if second_facteur_manquant(user):
        return render(request, "accueil.html")  # the middleware asks for the second factor
    jour = timezone.localdate()
    contexte = {"aujourdhui": jour}
    if a_le_role(user, DSI):
        contexte["dsi"] = compteurs.pour_la_dsi(jour)
    if a_le_role(user, FINANCES):
        contexte["finances"] = compteurs.pour_les_finances(jour)
        contexte["campagne"] = compteurs.prochaine_campagne(jour)
    contexte["administrateur"] = a_le_role(user, DSI_ADMINISTRATEUR)
    return render(request, "accueil/personnel.html", contexte)
