"""Forms of the login, the second factor and the password reset, in French."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django_otp.forms import OTPTokenForm

from securite import limitation
from securite.identification import LONGUEUR_MAX_IDENTIFIANT

TROP_LONG = "Identifiant trop long : %(limit_value)d caractères au plus."


class FormulaireConnexion(AuthenticationForm):
    """Django's login form, whose username is checked for length BEFORE authentication (a
    300-character name is refused here, never sent to the database)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        champ = self.fields["username"]
        champ.max_length = LONGUEUR_MAX_IDENTIFIANT
        champ.widget.attrs["maxlength"] = LONGUEUR_MAX_IDENTIFIANT
        champ.validators.append(MaxLengthValidator(LONGUEUR_MAX_IDENTIFIANT, message=TROP_LONG))
        self.fields["password"].max_length = 4096
        self.fields["password"].validators.append(MaxLengthValidator(4096))


class FormulaireJeton(OTPTokenForm):
    """The second factor: the code of the authenticator app, or a backup code."""

    otp_error_messages = {
        **OTPTokenForm.otp_error_messages,
        "token_required": "Saisissez le code à 6 chiffres de votre application, ou un code de secours.",
        "invalid_token": "Code incorrect. Vérifiez-le et réessayez.",
        "n_failed_attempts": (
            "Vérification suspendue quelques instants après %(failure_count)d essais "
            "incorrects : réessayez dans un moment."
        ),
        "verification_not_allowed": "La vérification est momentanément suspendue.",
        "device_required": "Choisissez l'application ou les codes de secours.",
        "not_interactive": "Ce moyen ne s'utilise pas ainsi.",
        "challenge_exception": "Impossible de produire un défi : {0}",
        "challenge_message": "Défi : {0}",
    }

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        self.fields["otp_device"].label = "Moyen"
        self.fields["otp_token"].label = "Code"
        self.fields["otp_token"].max_length = 16
        self.fields["otp_token"].validators.append(MaxLengthValidator(16))
        self.fields["otp_token"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 16}
        )
        choix = self.fields["otp_device"].choices
        # One means (the usual case: the app, then the backup codes): the app is preselected.
        reels = [c for c in choix if c[0]]
        if reels:
            self.fields["otp_device"].initial = reels[0][0]


class FormulaireActivation(forms.Form):
    code = forms.CharField(
        label="Code affiché par l'application",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": "Saisissez le code à 6 chiffres affiché par l'application.",
            "min_length": "Le code a 6 chiffres.",
            "max_length": "Le code a 6 chiffres.",
        },
    )


class FormulaireReinitialisation(forms.Form):
    motif = forms.CharField(
        label="Motif",
        max_length=200,
        help_text="Par exemple : téléphone perdu, remplacé.",
        error_messages={"required": "Indiquez le motif de la réinitialisation."},
    )


class FormulaireDemandeMotDePasse(PasswordResetForm):
    """Django's reset form, sending at most PASSWORD_RESET_LIMIT_PER_ACCOUNT e-mails per
    account and hour (beyond, nothing is sent and nothing is said: the page never tells
    whether an address has an account)."""

    def get_users(self, email):
        for user in super().get_users(email):
            if limitation.reinitialisation_permise_pour(user):
                yield user
