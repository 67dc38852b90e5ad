"""Demo data: two believable groupements de commandes, built through the acts (so that G1,
G3, G4 and G8 are checked as for real data) on top of membres/demo.py's adhésions.

- Mobile telephony through the RESAH centrale d'achat, in execution: Redon (groupement
  formula since 2024-01-01) and its CCAS, Pipriac, Peillac (groupement formula), Allaire,
  Bains-sur-Oust and Saint-Vincent-sur-Oust (socle complet).
- Gestion technique centralisée (GTC) of municipal buildings, needs being collected.

Market references, titulaires and amounts are demo values ("DEMO-…", "(démo)"). Idempotent:
a groupement already present is left as it is.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from groupements import actes
from groupements.models import Groupement, Marche, PosteBesoin
from groupements.regles import Etape
from membres.models import Commune, Etablissement

D = Decimal

TELEPHONIE = {
    "objet": "Téléphonie mobile — marché subséquent de la centrale d'achat RESAH",
    "categorie": Groupement.Categorie.TELEPHONIE,
    "centrale_achat": "RESAH",
    "description": (
        "Abonnements de téléphonie mobile, terminaux et gestion de flotte des communes et de "
        "leurs établissements, par le marché de la centrale d'achat (démo)."
    ),
    "constitue_le": date(2024, 10, 1),
    "date_limite_besoins": date(2025, 1, 31),
    # (code of the poste, designation, unit, indicative unit price over the 48 months)
    "postes": [
        ("forfait", "Forfait voix illimitée et données 20 Go (48 mois)", "ligne", D("576.00")),
        ("data", "Forfait données seules 10 Go pour tablette (48 mois)", "ligne", D("384.00")),
        ("terminal", "Smartphone de gamme intermédiaire", "appareil", D("250.00")),
        ("mdm", "Licence de gestion de flotte mobile (48 mois)", "licence", D("96.00")),
    ],
    # (INSEE, établissement or None, joined on, needs by poste code, qualitative needs)
    "membres": [
        (
            "35236",
            None,
            date(2024, 10, 15),
            {"forfait": 85, "data": 10, "terminal": 60, "mdm": 95},
            "Portabilité de tous les numéros actuels ; couverture indispensable pour les "
            "services techniques en zone rurale ; facturation ventilée par service.",
        ),
        (
            "35236",
            "CCAS de Redon",
            date(2024, 10, 15),
            {"forfait": 12, "terminal": 8, "mdm": 12},
            "Téléphones robustes pour les aides à domicile ; facturation au CCAS.",
        ),
        (
            "35219",
            None,
            date(2024, 10, 21),
            {"forfait": 14, "data": 2, "terminal": 10, "mdm": 16},
            "",
        ),
        (
            "56001",
            None,
            date(2024, 11, 4),
            {"forfait": 12, "data": 1, "terminal": 8, "mdm": 13},
            "Astreinte des services techniques : renvoi d'appel sur un numéro unique.",
        ),
        ("35013", None, date(2024, 11, 12), {"forfait": 9, "terminal": 6, "mdm": 9}, ""),
        ("56239", None, date(2024, 11, 18), {"forfait": 5, "terminal": 5, "mdm": 5}, ""),
        (
            "56154",
            None,
            date(2025, 1, 6),
            {"forfait": 6, "terminal": 4, "mdm": 6},
            "Reprise des lignes de l'école en fin d'engagement.",
        ),
    ],
    "etapes": [
        (Etape.RECENSEMENT, date(2024, 11, 4)),
        (Etape.CONSULTATION, date(2025, 2, 17)),
        (Etape.ATTRIBUTION, date(2025, 5, 12)),
        (Etape.EXECUTION, date(2025, 6, 2)),
    ],
    "marche": {
        "reference": "DEMO-2025-TEL",
        "intitule": "Téléphonie mobile et terminaux (marché subséquent, démo)",
        "procedure": Marche.Procedure.CENTRALE,
        "titulaire": "Opérateur titulaire (démo)",
        "notifie_le": date(2025, 6, 2),
        "duree_mois": 48,
        "montant": D("186000.00"),
    },
}

GTC = {
    "objet": "Gestion technique centralisée (GTC) des bâtiments communaux",
    "categorie": Groupement.Categorie.GTC,
    "centrale_achat": "",
    "description": (
        "Supervision à distance du chauffage, de la ventilation et des consommations "
        "d'énergie et d'eau des bâtiments communaux (écoles, salles, mairies), hébergée dans "
        "la salle Datacenter de Redon Agglomération (art. 4.2.1)."
    ),
    "constitue_le": date(2026, 9, 15),
    "date_limite_besoins": date(2026, 12, 18),
    "postes": [
        ("batiment", "Bâtiment raccordé à la supervision", "bâtiment", D("4500.00")),
        ("automate", "Automate de régulation du chauffage", "automate", D("2200.00")),
        ("compteur", "Compteur communicant (énergie ou eau)", "compteur", D("350.00")),
        ("licence", "Licence de supervision par bâtiment (48 mois)", "licence", D("600.00")),
    ],
    "membres": [
        (
            "35236",
            None,
            date(2026, 9, 22),
            {"batiment": 9, "automate": 14, "compteur": 30, "licence": 9},
            "Priorité aux groupes scolaires et à la médiathèque ; interfaçage avec les "
            "chaudières existantes.",
        ),
        (
            "56194",
            None,
            date(2026, 9, 29),
            {"batiment": 3, "automate": 4, "compteur": 8, "licence": 3},
            "Salle des sports chauffée par pompe à chaleur.",
        ),
        (
            "56232",
            None,
            date(2026, 10, 6),
            {"batiment": 1, "automate": 1, "compteur": 3, "licence": 1},
            "",
        ),
        (
            "35219",
            None,
            date(2026, 10, 8),
            {"batiment": 2, "automate": 3, "compteur": 6, "licence": 2},
            "",
        ),
        # Not declared yet: the dashboard shows who is awaited.
        ("44057", None, date(2026, 10, 13), {}, ""),
        ("44067", None, date(2026, 10, 20), {}, ""),
    ],
    "etapes": [(Etape.RECENSEMENT, date(2026, 10, 1))],
    "marche": None,
}


def _agent():
    return get_user_model().objects.filter(username="dsi").first()


def _charger(donnees):
    if Groupement.objects.filter(objet=donnees["objet"]).exists():
        return
    par = _agent()
    groupement = Groupement.objects.create(
        objet=donnees["objet"],
        categorie=donnees["categorie"],
        centrale_achat=donnees["centrale_achat"],
        description=donnees["description"],
        constitue_le=donnees["constitue_le"],
        date_limite_besoins=donnees["date_limite_besoins"],
    )
    postes = {
        code: PosteBesoin.objects.create(
            groupement=groupement,
            designation=designation,
            unite=unite,
            prix_unitaire_indicatif=prix,
            ordre=ordre,
        )
        for ordre, (code, designation, unite, prix) in enumerate(donnees["postes"], start=1)
    }
    etapes = list(donnees["etapes"])
    recensement = etapes.pop(0)
    assert recensement[0] == Etape.RECENSEMENT
    communes = {c.code_insee: c for c in Commune.objects.all()}
    adhesions = []
    for insee, etablissement, le, quantites, qualitatifs in donnees["membres"]:
        commune = communes[insee]
        etab = (
            Etablissement.objects.get(commune=commune, nom=etablissement) if etablissement else None
        )
        adhesions.append(
            (
                actes.adherer(
                    groupement=groupement, commune=commune, etablissement=etab, le=le, par=par
                ),
                quantites,
                qualitatifs,
            )
        )
    groupement = actes.passer_etape(
        groupement=groupement, vers=recensement[0], le=recensement[1], par=par
    )
    for adhesion, quantites, qualitatifs in adhesions:
        if quantites or qualitatifs:
            actes.declarer_besoins(
                adhesion_groupement=adhesion,
                lignes=[
                    actes.LigneBesoin(poste=postes[code], quantite=q)
                    for code, q in quantites.items()
                ],
                besoins_qualitatifs=qualitatifs,
                par=par,
                le=max(adhesion.adhere_le, recensement[1]),
            )
    for vers, le in etapes:
        if vers == Etape.ATTRIBUTION and donnees["marche"]:
            Marche.objects.create(groupement=groupement, **donnees["marche"])
        groupement = actes.passer_etape(groupement=groupement, vers=vers, le=le, par=par)


@transaction.atomic
def charger():
    _charger(TELEPHONIE)
    _charger(GTC)
