"""French decimal input and display in every admin form: « 1 234,50 » is read, « 990,00 » is
shown (never « 990.00 »), for each model admin and inline with a decimal field."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from outils.formulaires import NombreFrancais


def _admins_a_decimaux():
    for modele, modele_admin in admin.site._registry.items():
        if modele._meta.app_label in ("auth", "otp_totp", "otp_static", "axes"):
            continue
        for classe in [type(modele_admin), *getattr(modele_admin, "inlines", [])]:
            cible = modele if classe is type(modele_admin) else classe.model
            if any(isinstance(f, models.DecimalField) for f in cible._meta.concrete_fields):
                yield classe, cible


@pytest.mark.parametrize(
    ("classe", "modele"),
    list(_admins_a_decimaux()),
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_every_admin_decimal_field_reads_and_shows_french_numbers(classe, modele, admin_user):
    modele_admin = classe(modele, admin.site) if issubclass(classe, admin.ModelAdmin) else None
    requete = RequestFactory().get("/")
    requete.user = admin_user
    for champ in modele._meta.concrete_fields:
        if not isinstance(champ, models.DecimalField):
            continue
        if modele_admin is not None:
            champ_formulaire = modele_admin.formfield_for_dbfield(champ, request=requete)
        else:
            champ_formulaire = classe(modele, admin.site).formfield_for_dbfield(
                champ, request=requete
            )
        assert isinstance(champ_formulaire, NombreFrancais), (modele, champ.name)
        assert champ_formulaire.to_python("1 234,50") == Decimal("1234.50")
        assert "990,00" in champ_formulaire.widget.render("x", Decimal("990.00"))
