from django.db import migrations

from outils.migrations_pg import contrainte_sans_chevauchement


class Migration(migrations.Migration):
    """PostgreSQL: two versions of the grid are never in force on the same day."""

    dependencies = [("tarification", "0001_initial")]

    operations = [
        contrainte_sans_chevauchement(
            "tarification_versionbareme", "bareme_sans_chevauchement", None, "debut", "fin"
        )
    ]
