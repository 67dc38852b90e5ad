"""A secretary's portal account, managed by DSI staff without superuser rights: the account
(never staff), its rattachement to the commune as a whole and an invitation e-mail whose
link lets the secretary choose her password; its deactivation. Staff accounts are created by a
DSI administrator in the admin (``auth.*`` permissions), never here."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from membres.models import Commune, Rattachement
from outils.formats import de_commune


def lien_invitation(utilisateur) -> str:
    """The absolute set-password link of the invitation (the password-reset page: one use, valid
    PASSWORD_RESET_TIMEOUT seconds)."""
    chemin = reverse(
        "portail:mot_de_passe_nouveau",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(utilisateur.pk)),
            "token": default_token_generator.make_token(utilisateur),
        },
    )
    return settings.SITE_URL.rstrip("/") + chemin


def envoyer_invitation(*, utilisateur, commune: Commune, par) -> None:
    contexte = {
        "utilisateur": utilisateur,
        "commune": commune,
        "par": par.get_full_name() or par.get_username(),
        "lien": lien_invitation(utilisateur),
        "jours": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    mailers.default.send_messages(
        [
            EmailMessage(
                subject=f"[Service commun SI] Votre accès à l'espace membre {de_commune(commune.nom)}",
                body=render_to_string("notifications/invitation.txt", contexte),
                to=[utilisateur.email],
            )
        ]
    )


@transaction.atomic
def creer_acces_portail(*, commune: Commune, email: str, prenom: str, nom: str, par):
    """Give ``email`` access to ``commune``'s portal: a new account (without a usable password
    until the invitation is followed) or the existing secretary's, reactivated if it was
    deactivated; attached to the commune as a whole; the invitation is sent after the commit.
    A staff account is refused: staff see members through their role."""
    email = email.strip()
    if not email:
        raise ValidationError("Indiquez l'adresse électronique de la personne invitée.")
    User = get_user_model()
    existant = User.objects.select_for_update().filter(email__iexact=email).first()
    if existant is None and User.objects.filter(username__iexact=email).exists():
        raise ValidationError(f"L'identifiant « {email} » est déjà pris par un autre compte.")
    if existant is not None and (existant.is_staff or existant.is_superuser):
        raise ValidationError(
            f"{email} est le compte d'un agent du service : un agent voit les membres par son "
            "rôle, sans accès au portail."
        )
    if existant is None:
        utilisateur = User(
            username=email.lower(), email=email, first_name=prenom, last_name=nom, is_staff=False
        )
        # A random password nobody knows (not an unusable one: "mot de passe oublié" must
        # still serve her once the invitation has expired).
        utilisateur.set_password(secrets.token_urlsafe(32))
        utilisateur.full_clean()
        utilisateur.save()
    else:
        utilisateur = existant
        if not utilisateur.is_active or (prenom and not utilisateur.first_name):
            utilisateur.is_active = True
            utilisateur.first_name = utilisateur.first_name or prenom
            utilisateur.last_name = utilisateur.last_name or nom
            utilisateur.save(update_fields=["is_active", "first_name", "last_name"])
    Rattachement.objects.get_or_create(utilisateur=utilisateur, commune=commune, etablissement=None)
    transaction.on_commit(
        lambda: envoyer_invitation(utilisateur=utilisateur, commune=commune, par=par)
    )
    return utilisateur


@transaction.atomic
def desactiver_acces(*, utilisateur, par) -> None:
    """Deactivate a secretary's account: she can no longer log in (her rattachements are kept,
    so a new invitation gives the same access back). Staff accounts are a DSI administrator's."""
    if utilisateur.is_staff or utilisateur.is_superuser:
        raise ValidationError(
            "Ce compte est celui d'un agent du service : seul un administrateur de la DSI le "
            "désactive, dans l'administration."
        )
    if utilisateur.pk == par.pk:
        raise ValidationError("On ne désactive pas son propre compte.")
    utilisateur.is_active = False
    utilisateur.save(update_fields=["is_active"])
