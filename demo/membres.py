"""Demo data: the 31 real communes of Redon Agglomération and a believable mix of adhésions.

Real facts come from demo/donnees/ (DGCL, INSEE COG and populations; sources in its
README). Facts we do not know (street addresses of mairies, SIRETs, people) are left empty
or written as what is known ("Mairie", the postal code and town); demo-only values (deliberation
numbers, contacts) are marked "démo" and use the reserved `.invalid` domain for e-mails.
Everything here is idempotent: running it twice changes nothing.
"""

import csv
import re
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from stdnum import luhn

from membres.actes import changer_formule
from membres.models import Adhesion, Commune, Contact, Etablissement, Population, Rattachement
from outils.dates import ajouter_mois
from outils.formats import de_commune
from securite import roles
from securite.roles import DSI, DSI_ADMINISTRATEUR, FINANCES
from tarification.models import Emetteur

DONNEES = Path(__file__).resolve().parent / "donnees"
MOT_DE_PASSE_DEMO = "demo-servicecommun"

# (INSEE, formula, date d'effet, deliberation date, extra fields)
ADHESIONS = [
    # Redon: groupement d'achats only, deliberation n° 2023-076 of 5 October 2023 (real).
    ("35236", "groupement", date(2024, 1, 1), ("2023-076", date(2023, 10, 5)), {}),
    ("56001", "socle_complet", date(2023, 1, 1), None, {}),  # Allaire
    ("56223", "socle_complet", date(2023, 7, 1), None, {}),  # Saint-Jean-la-Poterie
    ("35294", "socle_complet", date(2023, 1, 1), None, {}),  # Sainte-Marie
    ("56232", "socle_complet", date(2023, 1, 1), None, {}),  # Saint-Perreux
    ("35013", "socle_complet", date(2024, 1, 1), None, {}),  # Bains-sur-Oust
    ("56194", "socle_complet", date(2024, 4, 1), None, {}),  # Rieux
    # Théhillac: in préavis (résiliation notified 10 March 2026, last day 9 March 2027).
    (
        "56250",
        "socle_complet",
        date(2023, 1, 1),
        None,
        {"resiliation_notifiee_le": date(2026, 3, 10)},
    ),
    ("35219", "groupement", date(2024, 1, 1), None, {}),  # Pipriac
    # Fégréac: socle annexe complet (audit + groupement), audit report delivered 20 June 2025.
    ("44057", "annexe_complet", date(2025, 3, 1), None, {"audit_livre_le": date(2025, 6, 20)}),
    # Guémené-Penfao: own IT department, reviewed before joining (M6).
    ("44067", "socle_complet", date(2025, 1, 1), None, {}),
    # Plessé: own IT department, joined in 2026, review not yet recorded → blocks billing (M6).
    ("44128", "socle_complet", date(2026, 1, 1), None, {}),
    # Les Fougerêts: audit bought on its own in 2026.
    ("56060", "audit", date(2026, 5, 1), None, {"audit_livre_le": date(2026, 9, 30)}),
]
# Saint-Vincent-sur-Oust: audit (report delivered 15 April 2024), then the socle complet from
# 1 September 2024, within six months → audit deducted from its first socle year (T5).
# Peillac: groupement in 2025, then socle complet from 2026 (a change of choice, M2).
CHANGEMENTS = [
    ("56239", ("audit", date(2024, 2, 1), {"audit_livre_le": date(2024, 4, 15)}), date(2024, 9, 1)),
    ("56154", ("groupement", date(2025, 1, 1), {}), date(2026, 1, 1)),
]
SERVICE_INFORMATIQUE = {
    "44067": (
        date(2024, 11, 5),
        "Examen des moyens réalisé : le service informatique communal "
        "(1 agent) reste en place ; le barème s'applique (démo).",
    ),
    "44128": None,
}
COMPTES = [
    # username, first name, last name, kind, communes
    ("dsi", "Agent", "DSI", "dsi", []),  # DSI and DSI administrateur
    ("finances", "Agent", "Finances", "finances", []),
    ("mairie-redon", "Secrétariat", "Redon", "membre", ["35236"]),
    ("mairie-allaire", "Secrétariat", "Allaire", "membre", ["56001", "56223"]),
]


def _deliberation(insee, effet, reelle=None):
    if reelle:
        return reelle
    return (f"démo {effet.year - 1}-{insee}", date(effet.year - 1, 11, 15))


def siret_demo(siren: str) -> str:
    """A SIRET that starts with the real SIREN and has a valid key, with the obviously
    fictitious NIC 9990x: the mairies' real NICs are not in the project's sources (démo)."""
    debut = siren + "9990"
    return debut + luhn.calc_check_digit(debut)


def charger_communes():
    with open(DONNEES / "redon-agglomeration-communes.csv", encoding="utf-8") as f:
        for ligne in csv.DictReader(f):
            Commune.objects.update_or_create(
                code_insee=ligne["insee"],
                defaults={
                    "nom": ligne["nom"],
                    "departement": ligne["departement"],
                    "siren": ligne["siren"],
                    "siret": siret_demo(ligne["siren"]),
                    "adresse": "Mairie",
                    "code_postal": ligne["code_postal"],
                    "ville": ligne["nom"],
                },
            )


def source_en_francais(ligne) -> str:
    """The source as a secretary reads it: the INSEE publication and its page, not the
    file's provenance notes (kept in the CSV, for whoever rebuilds it)."""
    adresse = re.search(r"https://www\.insee\.fr/\S+?(?=\)|\s|$)", ligne["source"])
    texte = (
        f"INSEE, populations légales millésime {ligne['vintage']}, en vigueur au 1er janvier "
        f"{ligne['in_force_year']}"
    )
    return f"{texte} ({adresse.group(0)})" if adresse else texte


def charger_populations():
    communes = {c.code_insee: c for c in Commune.objects.all()}
    with open(DONNEES / "redon-agglomeration-populations.csv", encoding="utf-8") as f:
        for ligne in csv.DictReader(f):
            valeurs = {
                "valeur": int(ligne["population_municipale"]),
                "millesime": int(ligne["vintage"]),
                "nature": Population.Nature.MUNICIPALE,
                "source": source_en_francais(ligne),
            }
            Population.objects.update_or_create(
                commune=communes[ligne["insee"]],
                annee=int(ligne["in_force_year"]),
                defaults=valeurs,
            )


def charger_emetteur():
    if Emetteur.courant():
        return
    Emetteur.objects.create(
        nom="Redon Agglomération",
        siren="243500741",
        adresse="3 rue Charles Sillard",
        code_postal="35600",
        ville="Redon",
        ordonnateur_qualite="Président",
        budget="Budget principal",
    )


def _adhesion(commune, formule, effet, deliberation, extra, **autres):
    numero, le = deliberation
    adhesion, _ = Adhesion.objects.get_or_create(
        commune=commune,
        date_effet=effet,
        defaults={
            "formule": formule,
            "deliberation_numero": numero,
            "deliberation_date": le,
            # Plausible signatures: the mayor ten days after the délibération, the EPCI's
            # president ten days later, both before the date d'effet (M2).
            "signature_membre_le": min(le + timedelta(days=10), effet),
            "signature_epci_le": min(le + timedelta(days=20), effet),
            **extra,
            **autres,
        },
    )
    return adhesion


def charger_adhesions():
    communes = {c.code_insee: c for c in Commune.objects.all()}
    for insee, revue in SERVICE_INFORMATIQUE.items():
        commune = communes[insee]
        commune.service_informatique = True
        commune.revue_date, commune.revue_conclusion = revue or (None, "")
        commune.save()
    for insee, formule, effet, reelle, extra in ADHESIONS:
        _adhesion(communes[insee], formule, effet, _deliberation(insee, effet, reelle), extra)
    for insee, (formule, effet, extra), effet_socle in CHANGEMENTS:
        commune = communes[insee]
        premiere = _adhesion(commune, formule, effet, _deliberation(insee, effet), extra)
        if not Adhesion.objects.filter(commune=commune, date_effet=effet_socle).exists():
            changer_formule(
                adhesion=premiere,
                formule="socle_complet",
                date_effet=effet_socle,
                decision_numero=f"démo décision {effet_socle.year}-{insee}",
                decision_date=ajouter_mois(effet_socle, -1),
            )


def charger_contacts_et_etablissements():
    for commune in Commune.objects.filter(adhesions__isnull=False).distinct():
        Contact.objects.get_or_create(
            commune=commune,
            nom="Secrétariat de mairie (démo)",
            defaults={
                "fonction": "Secrétaire de mairie",
                "email": f"secretariat.{commune.code_insee}@demo.invalid",
                "decideur": True,
                "technique": True,
            },
        )
    # M5: two communes name a contact comptabilité, who receives the titres.
    for insee in ["35236", "56001"]:
        Contact.objects.get_or_create(
            commune=Commune.objects.get(code_insee=insee),
            nom="Service comptabilité (démo)",
            defaults={
                "fonction": "Gestionnaire comptable",
                "email": f"comptabilite.{insee}@demo.invalid",
                "comptabilite": True,
            },
        )
    for insee in ["35236", "56001"]:
        commune = Commune.objects.get(code_insee=insee)
        Etablissement.objects.get_or_create(
            commune=commune,
            nom=f"CCAS {de_commune(commune.nom)}",
            defaults={"type": Etablissement.Type.CCAS},
        )


def charger_comptes():
    User = get_user_model()
    # The roles (groups and their permissions) are those of the data migration.
    roles.synchroniser()
    groupes = {
        "dsi": list(Group.objects.filter(name__in=[DSI.groupe, DSI_ADMINISTRATEUR.groupe])),
        "finances": list(Group.objects.filter(name=FINANCES.groupe)),
    }
    communes = {c.code_insee: c for c in Commune.objects.all()}
    for username, prenom, nom, kind, insees in COMPTES:
        user, cree = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": prenom,
                "last_name": nom,
                "email": f"{username}@demo.invalid",
                "is_staff": kind in ("dsi", "finances"),
            },
        )
        if cree:
            user.set_password(MOT_DE_PASSE_DEMO)
            user.save()
        user.groups.add(*groupes.get(kind, []))
        for insee in insees:
            Rattachement.objects.get_or_create(
                utilisateur=user, commune=communes[insee], etablissement=None
            )


@transaction.atomic
def charger():
    charger_emetteur()
    charger_communes()
    charger_populations()
    charger_adhesions()
    charger_contacts_et_etablissements()
    charger_comptes()
