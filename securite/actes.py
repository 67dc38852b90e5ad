"""Acts on a user's second factor (django-otp devices): enrol, new backup codes, reset by a
DSI administrator (recorded)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from securite.models import ReinitialisationSecondFacteur

NOM_APPLICATION = "Application d'authentification"
NOM_CODES = "Codes de secours"
NOMBRE_CODES = 10


def a_un_second_facteur(user) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def appareil_a_activer(user) -> TOTPDevice:
    """The user's device being enrolled: the same one until confirmed (reloading the page
    shows the same QR code)."""
    appareil = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return appareil or TOTPDevice.objects.create(user=user, name=NOM_APPLICATION, confirmed=False)


@transaction.atomic
def activer_second_facteur(*, user, appareil: TOTPDevice, code: str) -> list[str]:
    """Confirm the app that shows ``code`` and give the user new backup codes (returned to be
    shown once). Refused when the user already has a second factor: changing it needs the
    current one's verification or a DSI administrator's reset, never a password alone."""
    if a_un_second_facteur(user):
        raise ValidationError("Un second facteur est déjà activé pour ce compte.")
    appareil = TOTPDevice.objects.select_for_update().get(pk=appareil.pk, user=user)
    if not appareil.verify_token(code):
        raise ValidationError(
            "Code incorrect : vérifiez l'heure du téléphone et saisissez le code affiché."
        )
    appareil.confirmed = True
    appareil.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return nouveaux_codes_de_secours(user=user)


@transaction.atomic
def nouveaux_codes_de_secours(*, user) -> list[str]:
    """Replace the user's backup codes (each works once) and return them."""
    StaticDevice.objects.filter(user=user).delete()
    appareil = StaticDevice.objects.create(user=user, name=NOM_CODES, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(NOMBRE_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=appareil, token=c) for c in codes)
    return codes


@transaction.atomic
def reinitialiser_second_facteur(*, utilisateur, par, motif: str) -> ReinitialisationSecondFacteur:
    """A DSI administrator removes a colleague's devices (lost telephone); recorded. The
    colleague's open sessions lose their verification at once (their device no longer
    exists) and the next login goes to enrolment."""
    if utilisateur.pk == par.pk:
        raise ValidationError(
            "On ne réinitialise pas son propre second facteur : demandez-le à un autre "
            "administrateur de la DSI."
        )
    if not motif.strip():
        raise ValidationError("Indiquez le motif de la réinitialisation.")
    totp, _ = TOTPDevice.objects.filter(user=utilisateur).delete()
    statiques = StaticDevice.objects.filter(user=utilisateur).count()
    StaticDevice.objects.filter(user=utilisateur).delete()
    return ReinitialisationSecondFacteur.objects.create(
        utilisateur=utilisateur, par=par, motif=motif.strip(), appareils=totp + statiques
    )
