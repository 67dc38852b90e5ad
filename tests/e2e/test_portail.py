"""The member portal in a real browser: the main journeys of a commune secretary, and axe-core
on every portal page (no serious or critical WCAG 2 A/AA violation). Screenshots of each page
are saved to test-artifacts/screenshots/."""

import re
from datetime import timedelta
from types import SimpleNamespace as NS

import pytest
from django.utils import timezone

from outils.formats import de_commune
from portail import urls as portail_urls
from tests.conftest import construire
from tests.e2e.conftest import capturer, verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("django_db_serialized_rollback")]

MOT_DE_PASSE = "demo-servicecommun"


@pytest.fixture
def monde(
    commune_a, secretaire_a, agent_dsi, commune_factory, adhesion_factory, population_factory
):
    """Allaire with one object of every kind, and a second commune for the same secretary."""
    from groupements.actes import passer_etape
    from groupements.models import Groupement, PosteBesoin
    from membres.models import Rattachement

    secretaire_a.first_name, secretaire_a.last_name = "Sophie", "Secrétaire"
    secretaire_a.set_password(MOT_DE_PASSE)
    secretaire_a.save()
    monde = construire(
        commune_a,
        formule="socle_complet",
        population=2355,
        numero_titre=1,
        agent=agent_dsi,
        utilisateur=secretaire_a,
    )
    deuxieme = commune_factory(code_insee="56223", nom="Saint-Jean-la-Poterie", departement="56")
    adhesion_factory(deuxieme, date_effet=timezone.localdate().replace(month=1, day=1))
    population_factory(deuxieme, timezone.localdate().year, 1580)
    Rattachement.objects.create(utilisateur=secretaire_a, commune=deuxieme)

    aujourdhui = timezone.localdate()
    ouvert = Groupement.objects.create(
        objet="Accès à internet des mairies",
        categorie="internet",
        description="Fibre optique et lien de secours pour les mairies et leurs écoles.",
        constitue_le=aujourdhui - timedelta(days=5),
        date_limite_besoins=aujourdhui + timedelta(days=30),
    )
    PosteBesoin.objects.create(
        groupement=ouvert,
        designation="Fibre optique",
        unite="site",
        prix_unitaire_indicatif=600,
        ordre=1,
    )
    PosteBesoin.objects.create(
        groupement=ouvert, designation="Lien de secours 4G", unite="site", ordre=2
    )
    passer_etape(groupement=ouvert, vers="recensement", le=aujourdhui, par=agent_dsi)
    monde.ouvert = ouvert
    return monde


def connecter(onglet, identifiant="secretaire-a"):
    onglet.goto("/portail/")
    assert "/connexion/" in onglet.url
    onglet.get_by_label("Identifiant ou adresse électronique").fill(identifiant)
    onglet.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    onglet.get_by_role("button", name="Se connecter").click()
    onglet.wait_for_url(re.compile(r"/portail/"))


def test_journey_log_in_read_what_we_owe_download_a_titre_and_log_out(onglet, monde):
    connecter(onglet, "a@demo.invalid")  # by e-mail address
    # Two communes: the secretary chooses Allaire.
    onglet.get_by_role("link", name="Allaire").click()
    assert onglet.get_by_role("heading", level=1).inner_text() == "Notre adhésion au service commun"

    onglet.get_by_role("link", name="Ce que nous devons").click()
    assert "5\u00a0532,50\u00a0€" in onglet.locator(".chiffre").first.inner_text()
    assert (
        "part fixe 2\u00a0000,00\u00a0€ + 1,50\u00a0€ × 2\u00a0355 hab."
        in onglet.locator("main").inner_text()
    )

    onglet.get_by_role("link", name="Titres de recettes").click()
    with onglet.expect_download() as attente:
        onglet.get_by_role("link", name=re.compile("Télécharger le titre n° 1")).click()
    telechargement = attente.value
    assert telechargement.suggested_filename == monde.titre.nom_fichier_pdf()
    with open(telechargement.path(), "rb") as fichier:
        assert fichier.read(5) == b"%PDF-"

    onglet.get_by_role("button", name=re.compile("Se déconnecter")).click()
    onglet.wait_for_url(re.compile(r"/connexion/"))
    onglet.goto(f"/portail/{monde.commune.code_insee}/titres/")
    assert "/connexion/" in onglet.url


def test_journey_join_a_groupement_and_declare_needs(onglet, monde):
    connecter(onglet)
    onglet.goto(f"/portail/{monde.commune.code_insee}/groupements/")
    onglet.get_by_role("link", name="Accès à internet des mairies").click()
    onglet.get_by_label(f"La commune {de_commune(monde.commune.nom)}").check()
    onglet.get_by_role("button", name="Adhérer au groupement").click()
    assert "est membre du groupement" in onglet.locator(".messages").inner_text()

    onglet.get_by_role("link", name=re.compile("Déclarer nos besoins")).click()
    onglet.get_by_label("Quantité — Fibre optique (site)").fill("3")
    onglet.get_by_label("Quantité — Lien de secours 4G (site)").fill("2")
    onglet.get_by_label("Montant estimé HT — Lien de secours 4G").fill("1 250,50")
    onglet.get_by_label("Désignation — autre besoin 1").fill("Routeur de la médiathèque")
    onglet.get_by_label("Unité — autre besoin 1").fill("équipement")
    onglet.get_by_label("Quantité — autre besoin 1").fill("1")
    onglet.get_by_label("Montant estimé HT — autre besoin 1").fill("300")
    onglet.get_by_label("Besoins qualitatifs").fill("Débit symétrique pour la mairie.")
    capturer(onglet, "portail-besoins-saisie")
    onglet.get_by_role("button", name="Enregistrer nos besoins").click()
    assert "Besoins enregistrés" in onglet.locator(".messages").inner_text()
    assert "3\u00a0350,50\u00a0€" in onglet.locator("main").inner_text()  # 3 × 600 + 1 250,50 + 300
    capturer(onglet, "portail-besoins-declares")


def test_journey_write_and_submit_a_fiche_projet(onglet, monde):
    connecter(onglet)
    onglet.goto(f"/portail/{monde.commune.code_insee}/projets/")
    onglet.get_by_role("link", name="Rédiger une fiche projet").click()
    onglet.get_by_label("Intitulé du projet").fill("Gestion électronique du courrier")
    onglet.get_by_label("Transversal").check()
    onglet.get_by_role("button", name="Enregistrer le brouillon").click()
    assert "Brouillon enregistré" in onglet.locator(".messages").inner_text()

    # Submitting too early lists what is missing.
    onglet.get_by_role("button", name="Soumettre à la DSI").click()
    assert "Complétez la fiche avant de la soumettre" in onglet.locator(".messages").inner_text()

    onglet.get_by_role("link", name="Modifier le brouillon").click()
    for libelle, texte in [
        ("Origine de la demande", "Le courrier papier se perd entre services."),
        ("Les enjeux", "Traçabilité et délais de réponse."),
        ("Description du projet", "Numériser et router le courrier entrant."),
        ("Planification", "Premier semestre 2027."),
        ("Coût global estimé (€ TTC)", "12 500"),
        ("Objectifs du projet", "Répondre sous quinze jours."),
        ("Contraintes à respecter", "Former les agents d'accueil."),
        ("Incertitudes et risques", "Adhésion des services."),
    ]:
        onglet.get_by_label(libelle, exact=True).fill(texte)
    onglet.get_by_role("button", name="Enregistrer le brouillon").click()
    onglet.get_by_role("button", name="Soumettre à la DSI").click()
    assert "Fiche projet soumise à la DSI" in onglet.locator(".messages").inner_text()
    assert onglet.locator('[aria-current="step"]').inner_text() == "Soumise à la DSI"
    assert "12\u00a0500,00\u00a0€" in onglet.locator("main").inner_text()
    capturer(onglet, "portail-fiche-soumise")


# Pages checked with axe-core: every url pattern of the portal must be listed here, or be
# declared a download or a form action (no page of its own).
SANS_PAGE = {
    "titre_pdf": "téléchargement",
    "document": "téléchargement",
    "lettre_mission": "téléchargement",
    "fiche_soumettre": "action POST",
    "groupement_adherer": "action POST",
    "mot_de_passe_nouveau": "lien à usage unique (page couverte par tests/portail)",
    "voir_comme": "action POST (l'espace en lecture seule : tests/e2e/test_accueil.py)",
    "voir_comme_quitter": "action POST",
}


def _pages(monde):
    c = monde.commune.code_insee
    return {
        "choisir": "/portail/",
        "accueil": f"/portail/{c}/",
        "contribution": f"/portail/{c}/contribution/",
        "titres": f"/portail/{c}/titres/",
        "groupements": f"/portail/{c}/groupements/",
        "groupement": f"/portail/{c}/groupements/{monde.ouvert.pk}/",
        "groupement_besoins": f"/portail/{c}/groupements/adhesions/{monde.membre_ouvert.pk}/besoins/",
        "groupement_retrait": f"/portail/{c}/groupements/adhesions/{monde.membre_ouvert.pk}/retrait/",
        "niveau1": f"/portail/{c}/niveau1/",
        "fiches": f"/portail/{c}/projets/",
        "fiche_nouvelle": f"/portail/{c}/projets/nouvelle/",
        "fiche": f"/portail/{c}/projets/{monde.fiche.pk}/",
        "fiche_modifier": f"/portail/{c}/projets/{monde.fiche.pk}/modifier/",
        "contacts": f"/portail/{c}/contacts/",
        "contact_nouveau": f"/portail/{c}/contacts/nouveau/",
        "contact_modifier": f"/portail/{c}/contacts/{monde.contact.pk}/",
        "contact_supprimer": f"/portail/{c}/contacts/{monde.contact.pk}/supprimer/",
        "facturation": f"/portail/{c}/facturation/",
        "facturation_etablissement": f"/portail/{c}/facturation/etablissements/{monde.etablissement.pk}/",
        "audit": f"/portail/{c}/audit/",
        "sortie": f"/portail/{c}/sortie/",
        "documents": f"/portail/{c}/documents/",
    }


PUBLIQUES = {
    "connexion": "/connexion/",
    "mot_de_passe_oubli": "/portail/mot-de-passe/oubli/",
    "mot_de_passe_envoye": "/portail/mot-de-passe/envoye/",
    "mot_de_passe_change": "/portail/mot-de-passe/change/",
}


def test_every_portal_page_is_checked_by_axe():
    faux = NS(
        commune=NS(code_insee="x"),
        ouvert=NS(pk=1),
        membre_ouvert=NS(pk=1),
        fiche=NS(pk=1),
        contact=NS(pk=1),
        etablissement=NS(pk=1),
    )
    noms = {motif.name for motif in portail_urls.urlpatterns}
    manquantes = noms - set(_pages(faux)) - set(PUBLIQUES) - set(SANS_PAGE)
    assert not manquantes, f"pages du portail non vérifiées par axe-core : {sorted(manquantes)}"


@pytest.fixture
def membre(monde, agent_dsi):
    """Allaire joined the open groupement (its needs and retrait pages are then forms)."""
    from groupements.actes import adherer

    monde.membre_ouvert = adherer(groupement=monde.ouvert, commune=monde.commune, par=agent_dsi)
    _audit_et_registre(monde.commune)
    return monde


def _audit_et_registre(commune):
    """An audit with its findings and a contract borne by the EPCI: the audit and exit pages
    are checked with their tables, not only their empty states."""
    from datetime import date
    from decimal import Decimal

    from patrimoine.models import Audit, Axe, Constat, Preconisation
    from tests.patrimoine import fabrique

    audit = Audit.objects.create(
        commune=commune,
        origine=Audit.Origine.PREALABLE,
        demande_le=date(2022, 6, 1),
        demande_reference="courrier du maire",
        commence_le=date(2022, 9, 1),
        livre_le=date(2022, 10, 14),
    )
    Constat.objects.create(audit=audit, axe=Axe.ORGANISATION, texte="Pas de charte informatique.")
    Preconisation.objects.create(
        audit=audit, axe=Axe.INFRASTRUCTURE, texte="Externaliser les sauvegardes.", priorite=1
    )
    fabrique.porter(
        fabrique.contrat(commune, debut=date(2023, 1, 1), fin=date(2099, 12, 31)),
        debut=date(2023, 1, 1),
        fin=date(2099, 12, 31),
        montant=Decimal("2400.00"),
    )
    fabrique.transferer(fabrique.bien(commune), valeur=Decimal("4800.00"))


def test_public_pages_have_no_serious_accessibility_violation(onglet, db):
    for nom, chemin in PUBLIQUES.items():
        onglet.goto(chemin)
        capturer(onglet, f"public-{nom}")
        assert verifier_accessibilite(onglet) == [], nom


def test_every_portal_page_has_no_serious_accessibility_violation(onglet, membre):
    connecter(onglet)
    violations = {}
    for nom, chemin in _pages(membre).items():
        reponse = onglet.goto(chemin)
        assert reponse.ok, (nom, reponse.status)
        capturer(onglet, f"portail-{nom}")
        trouvees = verifier_accessibilite(onglet)
        if trouvees:
            violations[nom] = trouvees
    assert violations == {}


def test_forms_with_errors_stay_accessible(onglet, monde):
    connecter(onglet)
    c = monde.commune.code_insee
    onglet.goto(f"/portail/{c}/contacts/nouveau/")
    onglet.get_by_label("Courriel").fill("pas-un-courriel")
    onglet.get_by_role("button", name="Enregistrer").click()
    assert onglet.get_by_label("Courriel").get_attribute("aria-invalid") == "true"
    capturer(onglet, "portail-contact-erreurs")
    assert verifier_accessibilite(onglet) == []


@pytest.mark.parametrize("largeur", [390])
def test_the_portal_is_usable_on_a_phone(navigateur, live_server, membre, largeur):
    contexte = navigateur.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": largeur, "height": 844}
    )
    onglet = contexte.new_page()
    try:
        connecter(onglet)
        for nom in ["accueil", "contribution", "titres", "groupement_besoins"]:
            onglet.goto(_pages(membre)[nom])
            capturer(onglet, f"mobile-{nom}")
            # Nothing wider than the screen but the tables' own scrolling boxes.
            deborde = onglet.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth + 1"
            )
            assert not deborde, nom
    finally:
        contexte.close()
