"""Roles and separation of duties, enumerated over EVERY staff url pattern: a pattern without
a case here fails the suite, so a new staff page cannot be forgotten.

For each page, each persona gets its answer, with production settings (the staff's sessions
verified by their second factor): the DSI agent manages members, missions, groupements and
records an audit's delivery; only the finance officer issues, corrects and exports titres; the
DSI administrator manages accounts and second factors; a commune's secretary holds no role.
Then the same pages, for staff logged in with a password only: the second factor first.

Finding reproduced: the DSI group held the permission to issue titres (`dsi` issued a
refacturation titre)."""

import importlib
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groupements import urls as groupements_urls
from membres import urls as membres_urls
from missions import urls as missions_urls
from patrimoine import urls as patrimoine_urls
from patrimoine.models import Audit
from pilotage import urls as pilotage_urls
from securite import roles
from securite import urls as securite_urls
from tarification import urls as tarification_urls
from tarification.models import TitreDeRecettes
from tests.conftest import PDF
from tests.securite.conftest import connecte_verifie

pytestmark = pytest.mark.usefixtures("production")

A = "autorisé"
R = 403  # refused
N = 404  # refused without telling that the object exists

# The persona's answer: secretary (of commune A, on commune B's objects), DSI agent, finance
# officer, DSI administrator (no other role).
PERSONAS = ("secretaire", "dsi", "finances", "admin")
DSI_FIN = {"secretaire": R, "dsi": A, "finances": A, "admin": R}
FIN = {"secretaire": R, "dsi": R, "finances": A, "admin": R}
DSI = {"secretaire": R, "dsi": A, "finances": R, "admin": R}
ADMIN = {"secretaire": R, "dsi": R, "finances": R, "admin": A}
TOUS = {"secretaire": A, "dsi": A, "finances": A, "admin": A}
FICHIERS = {"secretaire": N, "dsi": A, "finances": A, "admin": N}

# "namespace:name" → (method, the object the url points to, answers)
CAS = {
    # The yearly campaign and the titres (B1–B8, T2).
    "tarification:campagnes": ("get", None, FIN),
    "tarification:campagne_apercu": ("get", None, FIN),
    "tarification:campagne_apercu_calculer": ("post", None, FIN),
    "tarification:campagne_emettre": ("post", None, FIN),
    "tarification:campagne_reprendre": ("post", "demande", FIN),
    "tarification:campagne": ("get", "campagne", FIN),
    "tarification:bordereaux": ("get", None, FIN),
    "tarification:bordereau_zip": ("get", "bordereau", FIN),
    "tarification:bordereau_csv": ("get", "bordereau", FIN),
    "tarification:bordereau_xlsx": ("get", "bordereau", FIN),
    "tarification:bordereau_relancer": ("post", "bordereau", FIN),
    "tarification:bordereau_pes": ("get", "bordereau", FIN),
    "tarification:bordereau_signer": ("post", "bordereau", FIN),
    "tarification:bordereau_recapitulatif": ("get", "bordereau", FIN),
    "tarification:numeros_officiels": ("get", None, FIN),
    "tarification:titres": ("get", None, DSI_FIN),
    "tarification:titre": ("get", "titre", DSI_FIN),
    "tarification:titre_pdf": ("get", "titre", DSI_FIN),
    "tarification:titre_annuler": ("get", "titre", FIN),
    "tarification:titre_reduire": ("get", "titre", FIN),
    "tarification:titre_references": ("get", "titre", FIN),
    "tarification:audits": ("get", None, FIN),
    "tarification:audit_emettre": ("post", "adhesion", FIN),
    "tarification:refacturation": ("get", None, FIN),
    # Recouvrement (B11): the finance officer's.
    "tarification:restes": ("get", None, FIN),
    "tarification:recouvrement_importer": ("get", None, FIN),
    "tarification:rappels": ("get", None, FIN),
    "tarification:rattachement": ("get", None, FIN),
    "tarification:paiement_saisir": ("get", "titre", FIN),
    "tarification:etat_saisir": ("get", "titre", FIN),
    "tarification:rappel_pdf": ("get", "titre", FIN),
    # Groupements (G1–G8): DSI staff manage, the finance officer reads and issues.
    "groupements:liste": ("get", None, DSI_FIN),
    "groupements:tableau_de_bord": ("get", "groupement", DSI_FIN),
    "groupements:etape": ("post", "groupement", DSI),
    "groupements:besoins_csv": ("get", "groupement", DSI_FIN),
    "groupements:besoins_xlsx": ("get", "groupement", DSI_FIN),
    "groupements:repartition_nouvelle": ("get", "groupement", DSI),
    "groupements:repartition": ("get", "repartition", DSI_FIN),
    "groupements:repartition_poids": ("post", "repartition", DSI),
    "groupements:repartition_emettre": ("post", "repartition", FIN),
    "groupements:repartition_arreter": ("post", "recette", DSI),
    "groupements:reversements_csv": ("get", "reversements", DSI_FIN),
    "groupements:reversements_xlsx": ("get", "reversements", DSI_FIN),
    # Niveau 1 (T6) and the bilan (R1, R2).
    "missions:dotations": ("get", None, DSI_FIN),
    "missions:dotations_export": ("get", "csv", DSI_FIN),
    "missions:lettre_pdf": ("get", "mission", {**DSI_FIN, "secretaire": N, "admin": N}),
    "pilotage:bilan_choix": ("get", None, DSI_FIN),
    "pilotage:bilan": ("get", "annee", DSI_FIN),
    "pilotage:bilan_pdf": ("get", "annee", DSI_FIN),
    "pilotage:bilan_xlsx": ("get", "annee", DSI_FIN),
    # The patrimoine (A1–A4): the DSI's; the finance officer reads the états de sortie it issues.
    "patrimoine:registre": ("get", None, DSI_FIN),
    "patrimoine:registre_csv": ("get", None, DSI),
    "patrimoine:registre_xlsx": ("get", None, DSI),
    "patrimoine:membre": ("get", "code_insee", DSI),
    "patrimoine:membre_csv": ("get", "code_insee", DSI),
    "patrimoine:membre_xlsx": ("get", "code_insee", DSI),
    "patrimoine:inventaire_importer": ("get", "code_insee", DSI),
    "patrimoine:sortie_calculer": ("post", "code_insee", DSI),
    "patrimoine:audit": ("get", "audit", DSI),
    "patrimoine:audit_etape": ("post", "etape", DSI),
    "patrimoine:sortie": ("get", "etat", DSI_FIN),
    "patrimoine:sortie_recalculer": ("post", "etat", DSI),
    "patrimoine:sortie_ligne": ("post", "etat", DSI),
    "patrimoine:sortie_ligne_supprimer": ("post", "ligne", DSI),
    "patrimoine:sortie_valider": ("post", "etat", DSI),
    "patrimoine:sortie_rouvrir": ("post", "etat", DSI),
    "patrimoine:sortie_emettre": ("post", "etat", FIN),
    # The account's own security pages (everyone logged in), the resets (administrators).
    "securite:compte": ("get", None, TOUS),
    "securite:verification": ("get", None, TOUS),
    "securite:activation": ("get", None, TOUS),
    "securite:codes": ("get", None, TOUS),
    "securite:nouveaux_codes": ("post", None, TOUS),
    "securite:reinitialisations": ("get", None, ADMIN),
    "securite:reinitialiser": ("post", "utilisateur", ADMIN),
    # Members' documents (M2).
    "document": ("get", "document", FICHIERS),
    # Portal access of members' users, managed by DSI staff.
    "membres:acces": ("get", None, DSI),
    "membres:acces_commune": ("get", "code_insee", DSI),
    "membres:acces_desactiver": ("post", "secretaire", DSI),
    # « Voir comme la commune »: staff read a commune's portal, read-only and recorded.
    "portail:voir_comme": ("post", "code_insee", DSI_FIN),
    "portail:voir_comme_quitter": ("post", None, DSI_FIN),
}
# Staff pages among the portal's urls (the others are the members', tests/portail/test_acces.py).
PORTAIL_PERSONNEL = {"portail:voir_comme", "portail:voir_comme_quitter"}
MODULES = {
    "tarification": tarification_urls,
    "groupements": groupements_urls,
    "missions": missions_urls,
    "pilotage": pilotage_urls,
    "patrimoine": patrimoine_urls,
    "securite": securite_urls,
    "membres": membres_urls,
}
PUBLIQUES = {"tarification:simulateur"}
DERNIERE_MIGRATION_DES_ROLES = "0004_roles_consultations"


def test_every_staff_url_pattern_has_an_access_case():
    noms = (
        {
            f"{espace}:{motif.name}"
            for espace, module in MODULES.items()
            for motif in module.urlpatterns
        }
        | {"document"}
        | PORTAIL_PERSONNEL
    )
    sans_cas = sorted(noms - set(CAS) - PUBLIQUES)
    assert not sans_cas, f"motifs d'URL sans cas de contrôle d'accès : {sans_cas}"
    assert not set(CAS) - noms, "cas pour des URL qui n'existent plus"


@pytest.fixture
def objets(monde_a, monde_b, agent_dsi, emetteur, secretaire_b):
    """An object of every kind a staff url points to (commune B's, for the secretary of A)."""
    from groupements import actes as actes_groupements
    from tarification.models import Campagne, Compteur, DemandeEmission

    def repartition(sens):
        return actes_groupements.enregistrer_repartition(
            groupement=monde_b.groupement,
            sens=sens,
            motif="dommages" if sens == "recette" else "indemnite_resiliation",
            libelle="Test",
            montant=Decimal("1000.00"),
            piece="Pièce (test)",
            piece_date=date(2025, 10, 1),
            par=agent_dsi,
        )

    # The two worlds' titres were made by hand: their series go on from them.
    for serie, dernier in ((Compteur.Serie.TITRE, 2), (Compteur.Serie.BORDEREAU, 1)):
        Compteur.objects.update_or_create(
            exercice=2026,
            budget="Budget principal",
            serie=serie,
            defaults={"dernier": dernier, "derniere_date": date(2026, 1, 15)},
        )
    arretee = repartition("recette")
    actes_groupements.arreter_reversements(repartition=arretee, par=agent_dsi)
    etat = _etat_de_sortie(monde_b.adhesion, agent_dsi)
    # A signed récapitulatif to download (its making is test_recapitulatif's).
    monde_b.titre.bordereau.recapitulatif.save("recapitulatif.pdf", ContentFile(PDF))
    return {
        "campagne": Campagne.objects.create(
            annee=2025, exercice=2026, bordereau=monde_b.titre.bordereau
        ),
        "bordereau": monde_b.titre.bordereau,
        "demande": DemandeEmission.objects.create(
            annee=2025, exercice=2026, signature="0" * 64, demandee_le=timezone.now()
        ),
        "titre": monde_b.titre,
        "adhesion": monde_b.adhesion,
        "groupement": monde_b.groupement,
        "repartition": repartition("charge"),
        "recette": repartition("recette"),
        "reversements": arretee,
        "mission": monde_b.mission,
        "document": monde_b.document,
        "utilisateur": agent_dsi,
        "secretaire": secretaire_b,
        "commune": monde_b.commune,
        "audit": Audit.objects.create(
            commune=monde_b.commune,
            origine=Audit.Origine.PREALABLE,
            demande_le=date(2022, 6, 1),
            demande_reference="Courrier du maire",
        ),
        "etat": etat,
        "ligne": etat.lignes.get(),
    }


def _etat_de_sortie(adhesion, par):
    """Commune B in préavis: its draft état de sortie, with a line the DSI entered."""
    from patrimoine import actes as actes_patrimoine

    adhesion.resiliation_notifiee_le = date(2026, 3, 10)
    adhesion.save()
    etat = actes_patrimoine.calculer_etat_de_sortie(adhesion=adhesion, par=par)
    actes_patrimoine.ajouter_ligne(
        etat=etat,
        nature="penalite",
        libelle="Pénalité de résiliation anticipée",
        montant=Decimal("350.00"),
        base="art. 12 du contrat",
        par=par,
    )
    return etat


def _url(nom, objets):
    objet = CAS[nom][1]
    if objet is None:
        return reverse(nom)
    if objet == "annee":
        return reverse(nom, kwargs={"annee": 2025})
    if objet == "csv":
        return reverse(nom, kwargs={"format": "csv"})
    if objet == "code_insee":
        return reverse(nom, kwargs={"code_insee": objets["commune"].code_insee})
    if objet == "etape":
        return reverse(nom, kwargs={"pk": objets["audit"].pk, "etape": "planifier"})
    return reverse(nom, kwargs={"pk": objets[objet].pk})


@pytest.fixture
def personas(secretaire_a, django_user_model):
    from tests.securite.conftest import _staff

    return {
        "secretaire": secretaire_a,
        "dsi": _staff(django_user_model, "dsi", roles.DSI),
        "finances": _staff(django_user_model, "finances", roles.FINANCES),
        "admin": _staff(django_user_model, "dsi-admin", roles.DSI_ADMINISTRATEUR),
    }


def _client(user):
    client = Client()
    if user.is_staff:
        return connecte_verifie(client, user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("nom", sorted(CAS))
def test_each_role_gets_its_answer(nom, objets, personas):
    methode, _, reponses = CAS[nom]
    url = _url(nom, objets)
    anonyme = getattr(Client(), methode)(url)
    if methode == "get":
        assert anonyme.status_code == 302
        assert anonyme["Location"] == f"{reverse('login')}?next={quote(url)}"
    else:
        assert anonyme.status_code in (302, 405)
        if anonyme.status_code == 302:
            assert anonyme["Location"].startswith(reverse("login"))
    for persona in PERSONAS:
        reponse = getattr(_client(personas[persona]), methode)(url)
        attendu = reponses[persona]
        if attendu == A:
            assert reponse.status_code in (200, 302), (persona, reponse.status_code)
            if reponse.status_code == 302:
                assert not reponse["Location"].startswith(reverse("login")), persona
                assert "/compte/second-facteur/" not in reponse["Location"] or nom.startswith(
                    "securite:"
                ), persona
        else:
            assert reponse.status_code == attendu, (persona, reponse.status_code)


@pytest.mark.parametrize(
    "nom", sorted(n for n in CAS if not n.startswith("securite:") or "reinit" in n)
)
def test_staff_with_a_password_only_are_sent_to_the_second_factor_first(nom, objets, personas):
    from tests.securite.conftest import appli

    methode = CAS[nom][0]
    url = _url(nom, objets)
    avant = TitreDeRecettes.objects.count()
    for persona in ("dsi", "finances", "admin"):
        user = personas[persona]
        client = Client()
        client.force_login(user)  # the password step only
        reponse = getattr(client, methode)(url)
        assert reponse.status_code == 302, persona
        assert reponse["Location"].startswith(reverse("securite:activation")), persona
        appli(user)
        client.force_login(user)
        reponse = getattr(client, methode)(url)
        assert reponse["Location"].startswith(reverse("securite:verification")), persona
        user.totpdevice_set.all().delete()
    assert TitreDeRecettes.objects.count() == avant


def test_dsi_cannot_issue_a_titre(client, agent_dsi, emetteur, membre, monde_a):
    """Every issuing act refuses the DSI agent, and its group holds no issuing permission."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PDF

    connecte_verifie(client, agent_dsi)
    commune = membre()
    avant = TitreDeRecettes.objects.count()
    refacturation = client.post(
        reverse("tarification:refacturation"),
        {
            "commune": commune.pk,
            "objet": "Licences",
            "fournisseur": "Éditeur SA",
            "numero_facture": "F-1",
            "date_facture": "2025-01-10",
            "date_paiement": "2025-01-20",
            "montant": "100,00",
            "facture": SimpleUploadedFile("facture.pdf", PDF),
        },
    )
    assert refacturation.status_code == 403
    for url in [
        reverse("tarification:titre_annuler", args=[monde_a.titre.pk]),
        reverse("tarification:titre_reduire", args=[monde_a.titre.pk]),
        reverse("tarification:campagne_emettre"),
        reverse("tarification:audit_emettre", args=[monde_a.adhesion.pk]),
    ]:
        assert client.post(url, {"motif": "Essai"}).status_code == 403, url
    assert TitreDeRecettes.objects.count() == avant
    assert not agent_dsi.has_perm("tarification.emettre_titres")
    assert not agent_dsi.has_perm("groupements.emettre_appels_de_fonds")
    assert (
        not Group.objects.get(name="DSI")
        .permissions.filter(codename__in=["emettre_titres", "emettre_appels_de_fonds"])
        .exists()
    )


def test_the_roles_of_the_data_migration_are_those_of_securite_roles(db):
    """The migration carries its own copy of the definitions: it must give the groups exactly
    what securite.roles gives them (a change of roles comes with a migration)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # The latest migration that sets the roles.
    migration = importlib.import_module(f"securite.migrations.{DERNIERE_MIGRATION_DES_ROLES}")
    # The models as the migration sees them (never the live registry, which it alters).
    etat = MigrationLoader(connection).project_state(
        ("securite", DERNIERE_MIGRATION_DES_ROLES), at_end=True
    )
    Group.objects.filter(name__in=[r.groupe for r in roles.ROLES]).delete()
    migration.creer_roles(etat.apps, None)
    par_migration = {
        g.name: set(g.permissions.values_list("content_type__app_label", "codename"))
        for g in Group.objects.filter(name__in=[r.groupe for r in roles.ROLES])
    }
    roles.synchroniser()
    par_module = {
        g.name: set(g.permissions.values_list("content_type__app_label", "codename"))
        for g in Group.objects.filter(name__in=[r.groupe for r in roles.ROLES])
    }
    assert par_migration == par_module
    assert set(par_module) == {"DSI", "DSI administrateur", "Finances"}
    assert ("tarification", "emettre_titres") in par_module["Finances"]
    assert ("tarification", "suivre_recouvrement") in par_module["Finances"]
    assert ("tarification", "suivre_recouvrement") not in par_module["DSI"]
    assert ("securite", "reinitialiser_second_facteur") in par_module["DSI administrateur"]


def test_a_typo_in_a_role_fails_loudly(db):
    from django.contrib.auth.models import Permission

    faux = roles.DefinitionRole("Essai", "securite.role_dsi", ("tarification.emetre_titres",))
    with pytest.raises(LookupError, match="emetre_titres"):
        roles.permissions_du_role(Permission, faux)
