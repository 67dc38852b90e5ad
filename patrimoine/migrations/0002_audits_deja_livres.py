"""Data: an audit record for each socle annexe audit already delivered (A1).

Before this app, a delivered audit was only its adhesion's ``audit_livre_le`` (T2, T5), its
report among the member's documents and its titre. Each becomes an audit of origin « socle
annexe », requested by the adhesion's délibération (art. 2.3.1, 3.1), delivered on that date,
with its report and its titre when they exist. Reversible: the records created here (those
carrying nothing that was entered afterwards) are removed.
"""

from django.db import migrations

NOTE = "Audit livré avant la tenue du registre des audits (reprise de l'adhésion)."


def creer(apps, schema_editor):
    Adhesion = apps.get_model("membres", "Adhesion")
    Audit = apps.get_model("patrimoine", "Audit")
    Document = apps.get_model("membres", "Document")
    deja = set(Audit.objects.filter(origine="annexe").values_list("adhesion_id", flat=True))
    for adhesion in Adhesion.objects.filter(audit_livre_le__isnull=False).exclude(pk__in=deja):
        rapport = (
            Document.objects.filter(adhesion=adhesion, type="rapport_audit")
            .order_by("-depose_le")
            .first()
        )
        Audit.objects.create(
            commune_id=adhesion.commune_id,
            adhesion=adhesion,
            origine="annexe",
            demande_le=min(adhesion.deliberation_date, adhesion.audit_livre_le),
            demande_reference=(
                f"délibération n° {adhesion.deliberation_numero} du "
                f"{adhesion.deliberation_date:%d/%m/%Y}"
            ),
            livre_le=adhesion.audit_livre_le,
            rapport=rapport,
            notes=NOTE,
        )


def supprimer(apps, schema_editor):
    Audit = apps.get_model("patrimoine", "Audit")
    Audit.objects.filter(
        notes=NOTE,
        commence_le__isnull=True,
        clos_le__isnull=True,
        inventaire_valide_le__isnull=True,
        constats__isnull=True,
        preconisations__isnull=True,
        biens__isnull=True,
        contrats__isnull=True,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patrimoine", "0001_initial"),
        ("membres", "0002_adhesion_sans_chevauchement"),
        ("tarification", "0009_demande_emission"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
