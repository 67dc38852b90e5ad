"""Shared fixtures: the personas of the house style (DSI agent, finance officer, secretary of
commune A, secretary of commune B) and small builders for members."""

import io
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from outils.formats import de_commune


def pdf_minimal(titre: str = "Pièce") -> bytes:
    """A real one-page PDF (the uploads are checked by structure), told apart by its title."""
    from pypdf import PdfWriter

    ecrivain = PdfWriter()
    ecrivain.add_blank_page(width=595, height=842)
    ecrivain.add_metadata({"/Title": titre})
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()


PDF = pdf_minimal()

_SKIPPED = []


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` need PostgreSQL; on SQLite they are skipped with a reason.
    In CI (CI=true) such a skip is a failure: .ci/run also runs the suite on PostgreSQL."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(
                pytest.mark.skip(reason="nécessite PostgreSQL (DATABASE_URL=postgres://…)")
            )


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """CI's PostgreSQL run must run every test: a skip there is a failure (FAIL_ON_SKIP=1)."""
    if os.environ.get("FAIL_ON_SKIP") and _SKIPPED and exitstatus == 0:
        print(f"\nFAIL_ON_SKIP: {len(_SKIPPED)} test(s) skipped, e.g. {_SKIPPED[:5]}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _hachage_rapide(settings):
    """A fast password hasher in tests (PBKDF2's cost is for production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def commune_factory(db):
    from membres.models import Commune

    compteur = iter(range(10000, 99999))

    def creer(**kwargs):
        n = next(compteur)
        valeurs = {"code_insee": f"{n:05d}", "nom": f"Commune {n}", "departement": "35"}
        valeurs.update(kwargs)
        return Commune.objects.create(**valeurs)

    return creer


@pytest.fixture
def adhesion_factory(db):
    from membres.models import Adhesion

    def creer(commune, formule="socle_complet", date_effet=date(2024, 1, 1), **kwargs):
        # A valid adhesion by default (M2): délibération, then both signatures, then the date
        # d'effet; a test about M2 gives its own dates.
        deliberation = kwargs.pop("deliberation_date", min(date(2023, 10, 1), date_effet))
        signee = kwargs.pop("signee_le", min(deliberation + timedelta(days=10), date_effet))
        kwargs.setdefault("signature_membre_le", max(deliberation, signee))
        kwargs.setdefault("signature_epci_le", max(deliberation, signee))
        adhesion = Adhesion(
            commune=commune,
            formule=formule,
            date_effet=date_effet,
            deliberation_numero=kwargs.pop("deliberation_numero", "2023-001"),
            deliberation_date=deliberation,
            **kwargs,
        )
        adhesion.full_clean()
        adhesion.save()
        return adhesion

    return creer


@pytest.fixture
def population_factory(db):
    from membres.models import Population

    def creer(commune, annee, valeur, millesime=None):
        return Population.objects.create(
            commune=commune, annee=annee, valeur=valeur, millesime=millesime or annee - 3
        )

    return creer


@pytest.fixture
def commune_a(commune_factory):
    return commune_factory(code_insee="56001", nom="Allaire", departement="56")


@pytest.fixture
def commune_b(commune_factory):
    return commune_factory(code_insee="35236", nom="Redon", departement="35")


def avec_role(user, *roles):
    """Put ``user`` in the roles' groups (created by the data migration; transactional tests
    flush them, so they are synchronised first, idempotently)."""
    from django.contrib.auth.models import Group

    from securite.roles import synchroniser

    synchroniser()
    user.groups.add(*Group.objects.filter(name__in=[r.groupe for r in roles]))
    return user


@pytest.fixture
def agent_dsi(django_user_model):
    """A DSI agent: the « DSI » role."""
    from securite.roles import DSI

    user = django_user_model.objects.create_user("agent-dsi", password="x", is_staff=True)
    return avec_role(user, DSI)


@pytest.fixture
def secretaire_a(django_user_model, commune_a):
    from membres.models import Rattachement

    user = django_user_model.objects.create_user(
        "secretaire-a", email="a@demo.invalid", password="x"
    )
    Rattachement.objects.create(utilisateur=user, commune=commune_a)
    return user


@pytest.fixture
def secretaire_b(django_user_model, commune_b):
    from membres.models import Rattachement

    user = django_user_model.objects.create_user(
        "secretaire-b", email="b@demo.invalid", password="x"
    )
    Rattachement.objects.create(utilisateur=user, commune=commune_b)
    return user


# --- Billing: a complete issuer, the finance officer, members, PDF text read back ----------


@pytest.fixture(autouse=True)
def media_temporaire(settings, tmp_path):
    """Stored PDFs and attachments go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def emetteur(db):
    from tarification.models import Emetteur

    return Emetteur.objects.create(
        nom="Redon Agglomération",
        siren="243500741",
        siret="24350074100075",
        adresse="3 rue Charles Sillard",
        code_postal="35600",
        ville="Redon",
        ordonnateur_prenom="Camille",
        ordonnateur_nom="Exemple",
        ordonnateur_qualite="Président",
        budget="Budget principal",
        comptable_public="Service de gestion comptable de Redon, 35600 Redon",
        modalites_paiement="Par virement à la Banque de France (IBAN FR76 3000 1000 0000 0000 0000 000), "
        "en rappelant la référence du titre.",
        imputation_contribution="70875",
        imputation_audit="70875",
        imputation_refacturation="70878",
        imputation_appel_de_fonds="70878",
        imputation_frais_sortie="7588",
    )


@pytest.fixture
def responsable_financier(django_user_model):
    """The finance officer: the « Finances » role."""
    from securite.roles import FINANCES

    user = django_user_model.objects.create_user("finances", password="x", is_staff=True)
    return avec_role(user, FINANCES)


@pytest.fixture
def membre(commune_factory, adhesion_factory, population_factory):
    """A commune with an adhesion and its populations for 2024–2026."""

    def creer(formule="socle_complet", population=2355, date_effet=date(2024, 1, 1), **kwargs):
        adhesion_kwargs = kwargs.pop("adhesion", {})
        commune_kwargs = {
            "siret": "21560001600004",
            "adresse": "Mairie, 1 place de l'Église",
            "code_postal": "56350",
            "ville": "Allaire",
            "code_service_chorus": "FACTURES",
        }
        commune_kwargs.update(kwargs)
        commune = commune_factory(**commune_kwargs)
        for annee in (2024, 2025, 2026):
            population_factory(commune, annee, population)
        adhesion_factory(commune, formule=formule, date_effet=date_effet, **adhesion_kwargs)
        return commune

    return creer


@pytest.fixture
def texte_pdf():
    """The text of a PDF (bytes), whitespace (incl. non-breaking spaces) collapsed."""

    def lire(contenu: bytes) -> str:
        from pypdf import PdfReader

        lecteur = PdfReader(io.BytesIO(contenu))
        texte = " ".join(page.extract_text() for page in lecteur.pages)
        return re.sub(r"\s+", " ", texte.replace("\u00a0", " ").replace("\u202f", " "))

    return lire


@pytest.fixture
def bareme_article_7(db):
    """The grid of article 7 (seeded by migration 0003). Transactional tests flush the tables,
    seeded rows included: they ask for this fixture to have the grid back."""
    from tarification import calcul
    from tarification.models import LigneBareme, VersionBareme

    if VersionBareme.objects.exists():
        return VersionBareme.objects.get()
    grille = calcul.grille_article_7()
    version = VersionBareme.objects.create(
        libelle=grille.libelle,
        reference="Convention de service commun, article 7",
        debut=grille.debut,
        pool_jours=grille.pool_jours,
        prix_demi_journee=grille.prix_demi_journee,
    )
    for ligne in grille.lignes:
        tranche = ligne.tranche
        LigneBareme.objects.create(
            version=version,
            service=ligne.service.value,
            tranche=tranche.libelle,
            borne_inf=tranche.borne_inf,
            inf_incluse=tranche.inf_incluse,
            borne_sup=tranche.borne_sup,
            sup_incluse=tranche.sup_incluse,
            part_fixe=ligne.part_fixe,
            taux=ligne.taux,
            jours=ligne.jours,
            derogation_requise=ligne.derogation_requise,
            article=ligne.article,
        )
    return version


@pytest.fixture
def dotation_individuelle(db):
    """T6 — every grid version bills niveau 1 in *dotation individuelle* (each half-day beyond
    the member's allowance), the reading of the demo's 2024–2025 titres; without this fixture
    the seeded version bills in *volume partagé*, the default."""
    from tarification.models import VersionBareme

    VersionBareme.objects.update(
        mode_niveau1="dotation_individuelle",
        fondement_mode="décision du comité de pilotage n° 2021-07 du 14/12/2021",
    )


# --- Two worlds: for each of commune A (Allaire) and commune B (Redon), one object of every
# kind the portal shows, so that each view test can also prove that B cannot see A's. -------


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
        signature_membre_le=date(2022, 11, 25),
        signature_epci_le=date(2022, 12, 2),
    )
    adhesion.full_clean()
    adhesion.save()
    etablissement = Etablissement.objects.create(
        commune=commune, type="ccas", nom=f"CCAS {de_commune(commune.nom)}"
    )
    contact = Contact.objects.create(
        commune=commune,
        nom=f"Secrétariat {de_commune(commune.nom)}",
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
        titre=f"Délibération d'adhésion {de_commune(commune.nom)}",
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
        f"Téléphonie {de_commune(commune.nom)}", commune, par=agent
    )
    demande = DemandeModification.objects.create(
        commune=commune, siret="21560001600012", demandee_par=utilisateur
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
