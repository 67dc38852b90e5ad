from django.db import migrations

from outils.migrations_pg import contrainte_sans_chevauchement


class Migration(migrations.Migration):
    """PostgreSQL: one commune never has two adhésions in force on the same day (M1, M2)."""

    dependencies = [("membres", "0001_initial")]

    operations = [
        contrainte_sans_chevauchement(
            "membres_adhesion", "adhesion_sans_chevauchement", "commune_id", "date_effet", "dernier_jour"
        )
    ]
