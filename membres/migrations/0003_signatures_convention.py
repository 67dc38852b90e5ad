"""M2 revised: the convention "prend effet à compter de la signature des deux parties" (2.2).

The former single date "convention signée le" becomes the member's signature; the EPCI's is a
new field, left empty: until DSI staff record it, billing that adhesion is blocked with a
message naming the fix (a date cannot be invented for a legal act)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("membres", "0002_adhesion_sans_chevauchement")]

    operations = [
        migrations.RenameField(
            model_name="adhesion", old_name="convention_signee_le", new_name="signature_membre_le"
        ),
        migrations.RenameField(
            model_name="historicaladhesion",
            old_name="convention_signee_le",
            new_name="signature_membre_le",
        ),
    ]
