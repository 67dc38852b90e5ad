"""Data: each existing bordereau gets its kind (réductions and annulations travel in bordereaux of
their own, B4) and the campaign run that issued it; stored previews, computed in the former
layout, are forgotten (a stored preview is a disposable snapshot: the page offers to compute
it again)."""

from django.db import migrations

CORRECTIONS = ["reduction", "annulation"]


def remplir(apps, schema_editor):
    Bordereau = apps.get_model("tarification", "Bordereau")
    Campagne = apps.get_model("tarification", "Campagne")
    ApercuCampagne = apps.get_model("tarification", "ApercuCampagne")
    Bordereau.objects.filter(titres__nature__in=CORRECTIONS).update(genre="reductions")
    for campagne in Campagne.objects.exclude(bordereau=None):
        Bordereau.objects.filter(pk=campagne.bordereau_id).update(campagne=campagne)
    ApercuCampagne.objects.all().delete()


def vider(apps, schema_editor):
    Bordereau = apps.get_model("tarification", "Bordereau")
    Bordereau.objects.update(genre="titres", campagne=None)


class Migration(migrations.Migration):
    dependencies = [("tarification", "0014_complements_mandats_mode_niveau1")]

    operations = [migrations.RunPython(remplir, vider)]
