"""Pages of the login, the second factor (verification, enrolment with a QR code, backup
codes, a DSI administrator's reset of a colleague's device) and the password reset."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from securite import actes, limitation
from securite.formulaires import (
    FormulaireActivation,
    FormulaireConnexion,
    FormulaireDemandeMotDePasse,
    FormulaireJeton,
    FormulaireReinitialisation,
)
from securite.models import ReinitialisationSecondFacteur
from securite.roles import reserve_dsi_administrateur

CLE_CODES = "securite_codes_a_afficher"


def destination_sure(request, url, defaut: str) -> str:
    """``url`` when it stays on this site (a local path or an allowed host), else ``defaut``:
    a link or form can never send a user elsewhere after an act."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return defaut


def _suite(request) -> str:
    return destination_sure(
        request,
        request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME),
        reverse(settings.LOGIN_REDIRECT_URL),
    )


# --- Login ------------------------------------------------------------------------------------


class Connexion(auth_views.LoginView):
    authentication_form = FormulaireConnexion

    def form_invalid(self, form):
        reponse = super().form_invalid(form)
        if form.has_error("username", "max_length") or form.has_error("password", "max_length"):
            reponse.status_code = 400  # not a wrong password: a request no form could send
        return reponse


class Deconnexion(auth_views.LogoutView):
    """Logging out says so on the login page it leads to."""

    def post(self, request, *args, **kwargs):
        etait_connecte = request.user.is_authenticated
        reponse = super().post(request, *args, **kwargs)
        if etait_connecte:
            messages.success(request, "Vous êtes déconnecté. À bientôt !")
        return reponse


# --- Second factor --------------------------------------------------------------------------


@login_required
def verification(request):
    """The second step of a login: the app's code or a backup code."""
    if not actes.a_un_second_facteur(request.user):
        return redirect(f"{reverse('securite:activation')}?{request.GET.urlencode()}")
    if request.user.is_verified():
        return redirect(_suite(request))
    form = FormulaireJeton(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, request.user.otp_device)
        request.session.cycle_key()
        return redirect(_suite(request))
    return render(
        request,
        "securite/verification.html",
        {"form": form, "next": _suite(request)},
    )


@login_required
def activation(request):
    """Enrol an authenticator app (QR code), then the backup codes are shown once. Only for a
    user without a second factor (first login, or after a reset by a DSI administrator)."""
    if actes.a_un_second_facteur(request.user):
        messages.info(request, "Un second facteur est déjà activé pour ce compte.")
        return redirect(f"{reverse('securite:verification')}?{request.GET.urlencode()}")
    appareil = actes.appareil_a_activer(request.user)
    form = FormulaireActivation(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actes.activer_second_facteur(
                user=request.user, appareil=appareil, code=form.cleaned_data["code"]
            )
        except ValidationError as erreur:
            form.add_error("code", erreur)
        else:
            appareil.refresh_from_db()
            otp_login(request, appareil)
            request.session.cycle_key()
            request.session[CLE_CODES] = codes
            return redirect(f"{reverse('securite:codes')}?{urlencode({'next': _suite(request)})}")
    secret = b32encode(appareil.bin_key).decode()
    return render(
        request,
        "securite/activation.html",
        {
            "form": form,
            "qr": segno.make(appareil.config_url, error="m").svg_inline(
                scale=5, title="QR code à scanner avec l'application d'authentification"
            ),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _suite(request),
        },
    )


@login_required
def codes(request):
    """The backup codes, shown once (then only their replacement shows new ones)."""
    liste = request.session.pop(CLE_CODES, None)
    if liste is None:
        return redirect("securite:compte")
    return render(request, "securite/codes.html", {"codes": liste, "next": _suite(request)})


@login_required
def compte(request):
    """The user's second factor: its state, enrolment, new backup codes."""
    restants = StaticToken.objects.filter(device__user=request.user, device__confirmed=True).count()
    return render(
        request,
        "securite/compte.html",
        {
            "actif": actes.a_un_second_facteur(request.user),
            "codes_restants": restants,
            "verifie": request.user.is_verified(),
        },
    )


@login_required
@require_POST
def nouveaux_codes(request):
    """New backup codes; only from a session verified by the second factor."""
    if not request.user.is_verified():
        messages.error(request, "Validez d'abord votre second facteur.")
        return redirect("securite:compte")
    request.session[CLE_CODES] = actes.nouveaux_codes_de_secours(user=request.user)
    return redirect("securite:codes")


# --- A DSI administrator resets a colleague's device -----------------------------------------


def _comptes_avec_second_facteur():
    return (
        get_user_model()
        .objects.annotate(
            appli=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            secours=Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .filter(Q(is_staff=True) | Q(appli=True) | Q(secours=True))
        .order_by("username")
    )


@reserve_dsi_administrateur
@permission_required("securite.reinitialiser_second_facteur", raise_exception=True)
def reinitialisations(request):
    comptes = list(_comptes_avec_second_facteur()[:500])
    historique = list(
        ReinitialisationSecondFacteur.objects.select_related("utilisateur", "par")[:50]
    )
    return render(
        request,
        "securite/reinitialisations.html",
        {"comptes": comptes, "historique": historique, "form": FormulaireReinitialisation()},
    )


@reserve_dsi_administrateur
@permission_required("securite.reinitialiser_second_facteur", raise_exception=True)
@require_POST
def reinitialiser(request, pk):
    utilisateur = get_object_or_404(get_user_model(), pk=pk)
    form = FormulaireReinitialisation(data=request.POST)
    if not form.is_valid():
        for erreur in form.errors.get("motif", []):
            messages.error(request, erreur)
        return redirect("securite:reinitialisations")
    try:
        actes.reinitialiser_second_facteur(
            utilisateur=utilisateur, par=request.user, motif=form.cleaned_data["motif"]
        )
    except ValidationError as erreur:
        for message in erreur.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            f"Second facteur de {utilisateur.get_username()} réinitialisé : à sa prochaine "
            "connexion, il active une nouvelle application.",
        )
    return redirect("securite:reinitialisations")


# --- Password reset -------------------------------------------------------------------------


class DemandeMotDePasse(auth_views.PasswordResetView):
    """Throttled: PASSWORD_RESET_LIMIT_PER_ADDRESS requests per address and hour (then 429),
    PASSWORD_RESET_LIMIT_PER_ACCOUNT e-mails per account and hour (then nothing is sent)."""

    form_class = FormulaireDemandeMotDePasse

    def post(self, request, *args, **kwargs):
        if not limitation.reinitialisation_permise_depuis(request):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                "Trop de demandes de réinitialisation depuis votre adresse : réessayez dans "
                "une heure.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class NouveauMotDePasse(auth_views.PasswordResetConfirmView):
    """Choosing a new password from the e-mailed link also lifts the account's login lock."""

    def form_valid(self, form):
        reponse = super().form_valid(form)
        limitation.lever_verrou(form.user)
        return reponse
