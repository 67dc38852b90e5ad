"""Roles as data, and one access check per role.

A role is a Django group holding named permissions: the permission that makes the role
(``securite.role_dsi``…, on ``securite.Role``) and the model permissions its work needs in
the admin. The groups are created and kept up to date by this app's data migrations (and by
``synchroniser()``, which the demo calls). A page reserved to a role is decorated with its
check (``reserve_dsi``, ``reserve_finances``, ``reserve_dsi_administrateur``, or
``reserve_personnel`` for the pages both DSI staff and the finance officer read).

Separation of duties: DSI staff manage members, missions, groupements and record an audit's
delivery; only the finance role issues, corrects and exports titres (campaigns, audits,
refacturations, frais de sortie, réductions, annulations, appels de fonds). A commune's
secretary holds no role: what she sees follows her rattachements (``membres.acces``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse


@dataclass(frozen=True)
class DefinitionRole:
    groupe: str  # the group's name, as the admin shows it
    permission: str  # the named permission that makes the role
    # "app_label.codename", or "app_label.prefix*" for every permission whose codename starts
    # with the prefix ("membres.*": all of the app's).
    permissions: tuple[str, ...]


DSI = DefinitionRole(
    "DSI",
    "securite.role_dsi",
    (
        "securite.role_dsi",
        "membres.*",
        "missions.*",
        "portail.*",
        # Audits, inventories, transfers and the état de sortie are the DSI's (A1–A4).
        "patrimoine.*",
        "groupements.view_*",
        "groupements.add_*",
        "groupements.change_*",
        "groupements.delete_*",
        "groupements.gerer_etapes",
        "tarification.view_*",
        # The grid and the issuer's details are data the DSI keeps (article 7).
        "tarification.add_versionbareme",
        "tarification.change_versionbareme",
        "tarification.add_lignebareme",
        "tarification.change_lignebareme",
        "tarification.delete_lignebareme",
        "tarification.add_emetteur",
        "tarification.change_emetteur",
        # Disputes with a member are settled by the service first (art. 2.5, A4).
        "tarification.add_litige",
        "tarification.change_litige",
        "tarification.add_etapelitige",
        "tarification.change_etapelitige",
        "tarification.delete_etapelitige",
    ),
)
DSI_ADMINISTRATEUR = DefinitionRole(
    "DSI administrateur",
    "securite.role_dsi_administrateur",
    (
        "securite.role_dsi_administrateur",
        "securite.reinitialiser_second_facteur",
        "securite.view_reinitialisationsecondfacteur",
        "auth.*",
        # Unlock an account in the admin (django-axes), see who logged in.
        "axes.view_*",
        "axes.delete_accessattempt",
        "otp_totp.view_totpdevice",
        "otp_static.view_staticdevice",
    ),
)
FINANCES = DefinitionRole(
    "Finances",
    "securite.role_finances",
    (
        "securite.role_finances",
        "tarification.view_*",
        "tarification.emettre_titres",
        # B11: payments, the comptable's acknowledgements, reminders, the year-end accrual.
        "tarification.suivre_recouvrement",
        "membres.view_*",
        "missions.view_*",
        "groupements.view_*",
        "groupements.emettre_appels_de_fonds",
        # Finance issues a validated état de sortie as the frais de sortie titre (A4).
        "patrimoine.view_etatdesortie",
    ),
)
ROLES = (DSI, DSI_ADMINISTRATEUR, FINANCES)


def permissions_du_role(permission_model, role: DefinitionRole):
    """The permissions a role's group holds; an explicit permission that does not exist fails
    loudly (a typo must not silently shrink a role)."""
    filtre = Q(pk__in=[])
    explicites = []
    for motif in role.permissions:
        app_label, codename = motif.split(".", 1)
        if codename.endswith("*"):
            filtre |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            filtre |= Q(content_type__app_label=app_label, codename=codename)
            explicites.append((app_label, codename))
    permissions = list(permission_model.objects.filter(filtre).select_related("content_type"))
    trouvees = {(p.content_type.app_label, p.codename) for p in permissions}
    manquantes = [f"{a}.{c}" for a, c in explicites if (a, c) not in trouvees]
    if manquantes:
        raise LookupError(f"Permissions inconnues pour le rôle {role.groupe} : {manquantes}")
    return permissions


def synchroniser(group_model=None, permission_model=None, roles=ROLES) -> None:
    """Create each role's group and give it exactly its permissions (idempotent). Permissions
    missing from the database (a test database flushed between tests) are created first."""
    if group_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    try:
        permissions = {r.groupe: permissions_du_role(permission_model, r) for r in roles}
    except LookupError:
        from django.apps import apps
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        permissions = {r.groupe: permissions_du_role(permission_model, r) for r in roles}
    for role in roles:
        groupe, _ = group_model.objects.get_or_create(name=role.groupe)
        groupe.permissions.set(permissions[role.groupe])


# --- Access checks ----------------------------------------------------------------------------


def a_le_role(user, *roles: DefinitionRole) -> bool:
    """Staff (so behind the second factor) holding one of the roles' permissions."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and any(user.has_perm(role.permission) for role in roles)
    )


def second_facteur_manquant(user) -> bool:
    """A staff session not verified by a second factor while production requires one."""
    return bool(
        settings.STAFF_OTP_REQUIRED
        and user.is_authenticated
        and user.is_staff
        and not (hasattr(user, "is_verified") and user.is_verified())
    )


def reserve(*roles: DefinitionRole, message: str = "Page réservée au personnel habilité."):
    """Login, then a second factor (production), then one of the roles; anyone else gets a
    403 in French. The second-factor middleware already sends unverified staff to the
    verification page; this check stands on its own so that no reserved page depends on it."""

    def decorateur(vue):
        @wraps(vue)
        def verifiee(request, *args, **kwargs):
            if second_facteur_manquant(request.user):
                return redirect_to_login(
                    request.get_full_path(), reverse("securite:verification"), REDIRECT_FIELD_NAME
                )
            if not a_le_role(request.user, *roles):
                raise PermissionDenied(message)
            return vue(request, *args, **kwargs)

        return login_required(verifiee)

    return decorateur


reserve_dsi = reserve(DSI, message="Page réservée aux agents de la DSI.")
reserve_dsi_administrateur = reserve(
    DSI_ADMINISTRATEUR, message="Page réservée aux administrateurs de la DSI."
)
reserve_finances = reserve(FINANCES, message="Page réservée au responsable financier.")
reserve_personnel = reserve(
    DSI, FINANCES, message="Page réservée aux agents de la DSI et au responsable financier."
)
