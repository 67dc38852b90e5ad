"""Data: the roles' groups again, so that the DSI role (``portail.*``) holds the permission to
read the record of « voir comme la commune », a model created after the roles' migration."""

import importlib

from django.db import migrations

roles = importlib.import_module("securite.migrations.0002_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("securite", "0002_roles"),
        ("portail", "0003_consultations_comme_la_commune"),
    ]

    operations = [migrations.RunPython(roles.creer_roles, migrations.RunPython.noop)]
