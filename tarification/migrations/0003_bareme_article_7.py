"""Seed the grid of Article 7 of the convention (version 2, September 2022).

Source: the convention (deliberation n° 2023-076 of Redon, annexed convention),
art. 7.1 (socle complet), 7.1.1 and 3.2.2 (niveau 1), 7.2.1 (audit), 7.2.2 (groupement).
Bounds exactly as the convention's tables write them (rule P2). The rows are written out here
(not imported from code) so that this migration never changes after the fact.
"""

from datetime import date
from decimal import Decimal as D

from django.db import migrations

LIBELLE = "Article 7 de la convention (version 2, septembre 2022)"

# (tranche, borne_inf, inf_incluse, borne_sup, sup_incluse)
MOINS_1500 = ("moins de 1 500", None, False, 1500, False)
DE_1500 = ("de 1 500 à moins de 3 000", 1500, True, 3000, False)
DE_3000 = ("de 3 000 à 8 000", 3000, True, 8000, True)
PLUS_8000 = ("plus de 8 000", 8000, False, None, False)

# (service, tranche, part_fixe, taux, jours, derogation_requise, article)
LIGNES = [
    # art. 7.1 — socle complet; above 8 000 a tarif dérogatoire is needed (7.1 (*), rule M6)
    ("socle_complet", MOINS_1500, D("1500"), D("1.50"), None, False, "art. 7.1"),
    ("socle_complet", DE_1500, D("2000"), D("1.50"), None, False, "art. 7.1"),
    ("socle_complet", DE_3000, D("2500"), D("1.50"), None, False, "art. 7.1"),
    ("socle_complet", PLUS_8000, D("0"), D("0"), None, True, "art. 7.1 (*)"),
    # art. 7.2.1 — audit, once
    ("audit", MOINS_1500, D("990"), D("0"), None, False, "art. 7.2.1"),
    ("audit", DE_1500, D("3500"), D("0"), None, False, "art. 7.2.1"),
    ("audit", DE_3000, D("7000"), D("0"), None, False, "art. 7.2.1"),
    ("audit", PLUS_8000, D("0"), D("0"), None, True, "art. 7.2.1"),
    # art. 7.2.2 — groupement d'achats, yearly; 0,25 €/inhabitant in every bracket (decision T3)
    ("groupement", MOINS_1500, D("750"), D("0.25"), None, False, "art. 7.2.2"),
    ("groupement", DE_1500, D("1250"), D("0.25"), None, False, "art. 7.2.2"),
    ("groupement", DE_3000, D("2000"), D("0.25"), None, False, "art. 7.2.2"),
    ("groupement", PLUS_8000, D("3500"), D("0.25"), None, False, "art. 7.2.2"),
    # art. 3.2.2 and 7.1.1 — niveau 1 allowance per socle complet member (decision T6)
    ("niveau1", MOINS_1500, D("0"), D("0"), D("2.5"), False, "art. 3.2.2 et 7.1.1"),
    ("niveau1", DE_1500, D("0"), D("0"), D("4.5"), False, "art. 3.2.2 et 7.1.1"),
    ("niveau1", DE_3000, D("0"), D("0"), D("6.5"), False, "art. 3.2.2 et 7.1.1"),
    ("niveau1", PLUS_8000, D("0"), D("0"), None, True, "art. 3.2.2 (*) et 7.1.1"),
]


def creer(apps, schema_editor):
    VersionBareme = apps.get_model("tarification", "VersionBareme")
    LigneBareme = apps.get_model("tarification", "LigneBareme")
    version = VersionBareme.objects.create(
        libelle=LIBELLE,
        reference="Convention de service commun REDON Agglomération, version 2 (septembre 2022), article 7",
        debut=date(2022, 1, 1),
        fin=None,
        pool_jours=D("117"),
        prix_demi_journee=D("200"),
    )
    for service, tranche, part_fixe, taux, jours, derogation, article in LIGNES:
        libelle, borne_inf, inf_incluse, borne_sup, sup_incluse = tranche
        LigneBareme.objects.create(
            version=version, service=service, tranche=libelle, borne_inf=borne_inf,
            inf_incluse=inf_incluse, borne_sup=borne_sup, sup_incluse=sup_incluse,
            part_fixe=part_fixe, taux=taux, jours=jours, derogation_requise=derogation,
            article=article,
        )


def supprimer(apps, schema_editor):
    apps.get_model("tarification", "VersionBareme").objects.filter(libelle=LIBELLE).delete()


class Migration(migrations.Migration):
    dependencies = [("tarification", "0002_bareme_sans_chevauchement")]

    operations = [migrations.RunPython(creer, supprimer)]
