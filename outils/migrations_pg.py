"""Migration helpers for invariants that only PostgreSQL can hold (exclusion constraints).

An ExclusionConstraint in a model's Meta makes `migrate` fail on SQLite, so these are added
by RunPython operations that do nothing elsewhere; models validate the same rules in clean().
"""

from django.db import migrations


def contrainte_sans_chevauchement(table, nom, colonne_groupe, debut, fin):
    """No two rows of `table` with the same `colonne_groupe` over overlapping inclusive
    [debut, fin] periods (fin NULL = open-ended)."""
    groupe = f"{colonne_groupe} WITH =, " if colonne_groupe else ""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {nom} EXCLUDE USING gist "
            f"({groupe}daterange({debut}, {fin}, '[]') WITH &&)"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {nom}")

    return migrations.RunPython(forwards, backwards, elidable=False)
