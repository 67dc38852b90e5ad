"""Data: the roles' groups again, so that the DSI role (``portail.*``) holds the permission to
read the record of « voir comme la commune », a model created after the roles' migrations."""

import importlib

from django.db import migrations

roles = importlib.import_module("securite.migrations.0003_roles_recouvrement")

# The roles as 0003 writes them (the test of the roles reads the latest migration's).
creer_roles = roles.creer_roles


class Migration(migrations.Migration):
    dependencies = [
        ("securite", "0003_roles_recouvrement"),
        ("portail", "0003_consultations_comme_la_commune"),
    ]

    operations = [migrations.RunPython(creer_roles, migrations.RunPython.noop)]
