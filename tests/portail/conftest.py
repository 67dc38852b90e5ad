"""Portal fixtures: for each of commune A (Allaire) and commune B (Redon), one object of every
kind the portal shows, so that each view test can also prove that B's user cannot see A's."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Monde:
    """Everything of one commune that the portal can show."""

    commune: object
    adhesion: object
    etablissement: object
    contact: object
    fiche: object
    document: object
    titre: object
    mission: object
    groupement: object  # joined by this commune only, consultation launched
    adhesion_groupement: object
    demande: object


def emettre_titre(commune, *, numero, annee=2025, total=Decimal("5532.50"), pdf=True, **kwargs):
    """An issued titre as the campaign leaves it (statut, number, bordereau, hash, PDF)."""
    from tarification.models import Bordereau, LigneTitre, TitreDeRecettes

    bordereau, _ = Bordereau.objects.get_or_create(
        exercice=annee + 1,
        budget="Budget principal",
        numero=1,
        defaults={"date_emission": date(annee + 1, 1, 15), "libelle": f"Campagne {annee}"},
    )
    titre = TitreDeRecettes.objects.create(
        exercice=annee + 1,
        budget="Budget principal",
        numero=numero,
        bordereau=bordereau,
        date_emission=date(annee + 1, 1, 15),
        statut=TitreDeRecettes.Statut.BROUILLON,
        nature=TitreDeRecettes.Nature.CONTRIBUTION,
        annee=annee,
        objet=f"Contribution {annee} au service commun",
        imputation="70875",
        total=total,
        commune=commune,
        debiteur_nom=commune.nom,
        **kwargs,
    )
    LigneTitre.objects.create(
        titre=titre,
        ordre=1,
        code="socle_complet",
        libelle=f"Socle complet — contribution annuelle {annee}",
        base_texte="art. 7.1 — population municipale 2 355 hab.",
        montant=total,
        commune=commune,
        annee=annee,
        service="socle_complet",
    )
    titre.statut = TitreDeRecettes.Statut.EMIS
    titre.empreinte = "e" * 64
    if pdf:
        titre.pdf.save(titre.nom_fichier_pdf(), ContentFile(PDF), save=False)
    titre.save()
    return titre


def lancer_groupement(objet, *adhesions_a_creer, par):
    """A groupement that went through recensement and was launched today (G4), with the given
    communes as members having declared their needs (G3)."""
    from groupements.actes import adherer, declarer_besoins, passer_etape
    from groupements.models import Groupement

    aujourdhui = timezone.localdate()
    groupement = Groupement.objects.create(
        objet=objet, categorie="telephonie", constitue_le=aujourdhui - timedelta(days=30)
    )
    membres = [
        adherer(groupement=groupement, commune=c, le=aujourdhui - timedelta(days=20), par=par)
        for c in adhesions_a_creer
    ]
    passer_etape(
        groupement=groupement, vers="recensement", le=aujourdhui - timedelta(days=10), par=par
    )
    for membre in membres:
        declarer_besoins(
            adhesion_groupement=membre,
            lignes=[
                {
                    "designation": "Lignes fixes",
                    "unite": "ligne",
                    "quantite": 4,
                    "montant_estime": "1200",
                }
            ],
            besoins_qualitatifs="Portabilité des numéros.",
            par=par,
        )
    passer_etape(groupement=groupement, vers="consultation", le=aujourdhui, par=par)
    groupement.refresh_from_db()
    return groupement, membres


def construire(commune, *, formule, population, numero_titre, agent, utilisateur) -> Monde:
    from membres.models import Adhesion, Contact, Document, Etablissement, Population
    from missions.models import Intervention, Mission
    from portail.models import DemandeModification, FicheProjet

    aujourdhui = timezone.localdate()
    for annee in range(2023, aujourdhui.year + 2):
        Population.objects.create(
            commune=commune, annee=annee, valeur=population, millesime=annee - 3
        )
    adhesion = Adhesion(
        commune=commune,
        formule=formule,
        date_effet=date(2023, 1, 1),
        deliberation_numero=f"2022-{commune.code_insee}",
        deliberation_date=date(2022, 11, 15),
        convention_signee_le=date(2022, 11, 25),
    )
    adhesion.full_clean()
    adhesion.save()
    etablissement = Etablissement.objects.create(
        commune=commune, type="ccas", nom=f"CCAS de {commune.nom}"
    )
    contact = Contact.objects.create(
        commune=commune,
        nom=f"Secrétariat de {commune.nom}",
        email=f"secretariat.{commune.code_insee}@demo.invalid",
        decideur=True,
        technique=True,
    )
    Contact.objects.create(
        commune=commune,
        prenom="Jeanne",
        nom=f"Technicienne {commune.nom}",
        email=f"technique.{commune.code_insee}@demo.invalid",
        technique=True,
    )
    fiche = FicheProjet.objects.create(
        commune=commune,
        intitule=f"Nouveau logiciel d'état civil ({commune.nom})",
        cree_par=utilisateur,
    )
    document = Document(
        commune=commune,
        adhesion=adhesion,
        type="deliberation",
        titre=f"Délibération d'adhésion de {commune.nom}",
        fichier=SimpleUploadedFile("deliberation.pdf", PDF),
    )
    document.full_clean()
    document.save()
    titre = emettre_titre(commune, numero=numero_titre)
    mission = Mission.objects.create(
        commune=commune,
        objet=f"Diagnostic du réseau ({commune.nom})",
        debut=date(aujourdhui.year, 1, 2),
        statut=Mission.Statut.EN_COURS,
        signee_le=date(aujourdhui.year, 1, 2),
        jours_prevus=Decimal("3"),
    )
    Intervention.objects.create(
        mission=mission, date=date(aujourdhui.year, 1, 5), agent=agent, demi_journees=2
    )
    groupement, (adhesion_groupement,) = lancer_groupement(
        f"Téléphonie de {commune.nom}", commune, par=agent
    )
    demande = DemandeModification.objects.create(
        commune=commune, siret="21560001400011", demandee_par=utilisateur
    )
    return Monde(
        commune=commune,
        adhesion=adhesion,
        etablissement=etablissement,
        contact=contact,
        fiche=fiche,
        document=document,
        titre=titre,
        mission=mission,
        groupement=groupement,
        adhesion_groupement=adhesion_groupement,
        demande=demande,
    )


@pytest.fixture
def monde_a(commune_a, secretaire_a, agent_dsi):
    return construire(
        commune_a,
        formule="socle_complet",
        population=2355,
        numero_titre=1,
        agent=agent_dsi,
        utilisateur=secretaire_a,
    )


@pytest.fixture
def monde_b(commune_b, secretaire_b, agent_dsi):
    return construire(
        commune_b,
        formule="groupement",
        population=9500,
        numero_titre=2,
        agent=agent_dsi,
        utilisateur=secretaire_b,
    )


@pytest.fixture
def client_a(client, secretaire_a):
    client.force_login(secretaire_a)
    return client


@pytest.fixture
def client_b(client, secretaire_b):
    client.force_login(secretaire_b)
    return client


@pytest.fixture(autouse=True)
def hachage_rapide(settings):
    """Personas are created with a password: a fast hasher keeps fixtures cheap (the real
    hasher is the project's; nothing here tests hashing)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
