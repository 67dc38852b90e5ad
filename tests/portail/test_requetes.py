"""Every portal page runs a fixed number of queries, whatever the number of titres, fiches,
contacts, documents, missions or groupements of the member (no N+1)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PDF, emettre_titre

# page → exact number of queries (session, user, the user's communes, then the page's own).
ATTENDU = {
    # the « à faire »: 11 for this year's contribution and 11 for next year's (the campaign's
    # path), 4 for titres, needs, draft fiches and pending requests; one for the member's
    # payments (B11)
    "accueil": 32,
    # 4 years of adhesion: a fixed 11 per year (the campaign’s path), 2 for its niveau 1 pool
    "contribution": 57,
    "titres": 6,  # + one for the titres' states and remainders (B11)
    "groupements": 7,
    "niveau1": 20,
    "fiches": 4,
    "contacts": 7,
    "documents": 5,
    "groupement": 7,
    "fiche": 4,
    "choisir": 3,
}
N = 12


def grossir(monde, agent, utilisateur):
    """N more objects of every kind for the member."""
    from groupements.actes import adherer, declarer_besoins
    from groupements.models import Groupement
    from membres.models import Contact, Document, Etablissement
    from missions.models import Intervention, Mission
    from portail.models import DemandeModification, FicheProjet

    commune = monde.commune
    aujourdhui = timezone.localdate()
    for i in range(N):
        emettre_titre(commune, numero=100 + i, total=Decimal("10.00"))
        FicheProjet.objects.create(commune=commune, intitule=f"Projet {i}", cree_par=utilisateur)
        Contact.objects.create(commune=commune, nom=f"Contact {i}", email=f"c{i}@demo.invalid")
        Etablissement.objects.create(commune=commune, type="ecole", nom=f"École {i}")
        DemandeModification.objects.create(
            commune=commune, siret=f"{i:014d}", statut="remplacee", demandee_par=utilisateur
        )
        document = Document(
            commune=commune,
            adhesion=monde.adhesion,
            type="lettre_mission" if i % 2 else "deliberation",
            titre=f"Document {i}",
            fichier=SimpleUploadedFile(f"d{i}.pdf", PDF),
        )
        document.full_clean()
        document.save()
        mission = Mission.objects.create(
            commune=commune,
            objet=f"Mission {i}",
            debut=date(aujourdhui.year, 1, 1),
            statut="en_cours",
            signee_le=date(aujourdhui.year, 1, 1),
        )
        for jour in (10, 11):
            Intervention.objects.create(
                mission=mission, date=date(aujourdhui.year, 2, jour), agent=agent, demi_journees=1
            )
        groupement = Groupement.objects.create(
            objet=f"Groupement {i}", categorie="autre", constitue_le=aujourdhui - timedelta(days=3)
        )
        if i % 2:
            membre = adherer(groupement=groupement, commune=commune, par=agent)
            declarer_besoins(
                adhesion_groupement=membre,
                lignes=[{"designation": "Poste", "unite": "u", "quantite": 1, "montant_estime": 5}],
                par=agent,
            )


def _url(nom, monde):
    if nom == "choisir":
        return reverse("portail:choisir")
    kwargs = {"code_insee": monde.commune.code_insee}
    if nom == "groupement":
        kwargs["pk"] = monde.groupement.pk
    if nom == "fiche":
        kwargs["pk"] = monde.fiche.pk
    return reverse(f"portail:{nom}", kwargs=kwargs)


def _compter(client, url) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code in (200, 302)
    return len(requetes)


@pytest.mark.parametrize("nom", sorted(ATTENDU))
def test_portal_page_query_count_is_constant(
    client_a, monde_a, monde_b, agent_dsi, secretaire_a, nom, django_assert_num_queries
):
    url = _url(nom, monde_a)
    petit = _compter(client_a, url)
    grossir(monde_a, agent_dsi, secretaire_a)
    with django_assert_num_queries(ATTENDU[nom]):
        client_a.get(url)
    assert petit == ATTENDU[nom]
