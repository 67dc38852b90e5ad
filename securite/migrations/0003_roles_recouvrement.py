"""Data: the finance role follows the recouvrement of its titres (B11,
``tarification.suivre_recouvrement``). The roles as they stand at this migration, copied
(self-contained, as 0002): a later change of securite.roles comes with a migration of its own
(a test compares the latest with securite.roles).

Permissions are created by Django after `migrate` (post_migrate): on a new database they do
not exist yet when this runs, so it creates those of every app first."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

ROLES = {
    "DSI": (
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
    "DSI administrateur": (
        "securite.role_dsi_administrateur",
        "securite.reinitialiser_second_facteur",
        "securite.view_reinitialisationsecondfacteur",
        "auth.*",
        "axes.view_*",
        "axes.delete_accessattempt",
        "otp_totp.view_totpdevice",
        "otp_static.view_staticdevice",
    ),
    "Finances": (
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
}


def creer_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for nom, motifs in ROLES.items():
        filtre = Q(pk__in=[])
        explicites = set()
        for motif in motifs:
            app_label, codename = motif.split(".", 1)
            if codename.endswith("*"):
                filtre |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
            else:
                filtre |= Q(content_type__app_label=app_label, codename=codename)
                explicites.add((app_label, codename))
        permissions = list(Permission.objects.filter(filtre).select_related("content_type"))
        manquantes = explicites - {(p.content_type.app_label, p.codename) for p in permissions}
        if manquantes:
            raise LookupError(f"Permissions inconnues pour le rôle {nom} : {sorted(manquantes)}")
        groupe, _ = Group.objects.get_or_create(name=nom)
        groupe.permissions.set(permissions)


def retablir_roles(apps, schema_editor):
    """Back to the roles of 0002 (the finance role without the recouvrement)."""
    Permission = apps.get_model("auth", "Permission")
    groupe = apps.get_model("auth", "Group").objects.filter(name="Finances").first()
    if groupe is not None:
        groupe.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="tarification", codename="suivre_recouvrement"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("securite", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("membres", "0005_pes_v2"),
        ("missions", "0002_lettre_de_mission"),
        ("portail", "0002_identifiants_et_mentions"),
        ("groupements", "0002_titre_des_appels_de_fonds"),
        ("tarification", "0016_recouvrement"),
        ("patrimoine", "0003_titre_de_l_audit_lu_chez_la_facturation"),
    ]

    operations = [migrations.RunPython(creer_roles, retablir_roles)]
