"""Fixtures for the titres de recettes: a complete issuer, the finance officer, members with
adhésions and populations, and PDF text read back with pypdf."""

import io
import re
from datetime import date

import pytest


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
        siret="24350074100017",
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
    """The finance officer: the demo's "Finances" group rights."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("finances", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="tarification", codename__startswith="view_"
        )
        | Permission.objects.filter(codename__in=["emettre_titres", "view_campagne"])
    )
    return user


@pytest.fixture
def membre(commune_factory, adhesion_factory, population_factory):
    """A commune with an adhesion and its populations for 2024–2026."""

    def creer(formule="socle_complet", population=2355, date_effet=date(2024, 1, 1), **kwargs):
        adhesion_kwargs = kwargs.pop("adhesion", {})
        commune_kwargs = {
            "siret": "21560001400010",
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
