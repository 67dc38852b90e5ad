"""The member's pages of its audit, inventory and exit (A1–A4): what the secretary of commune A
sees, never commune B's, in a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from membres.models import Adhesion
from outils.formats import de_commune
from patrimoine import actes
from patrimoine.models import Audit, Axe, Constat, Preconisation
from tests.conftest import PDF
from tests.patrimoine import fabrique

pytestmark = pytest.mark.django_db
D = Decimal


def _url(nom, commune):
    return reverse(f"portail:{nom}", kwargs={"code_insee": commune.code_insee})


def _audit(commune, *, texte, livre_le=None, adhesion=None, origine=Audit.Origine.PREALABLE):
    audit = Audit.objects.create(
        commune=commune,
        adhesion=adhesion,
        origine=origine,
        demande_le=date(2022, 6, 1),
        demande_reference=f"courrier {de_commune(commune.nom)}",
        commence_le=date(2022, 9, 1) if livre_le else None,
        livre_le=livre_le,
    )
    Constat.objects.create(audit=audit, axe=Axe.ORGANISATION, texte=f"Constat {texte}")
    Preconisation.objects.create(
        audit=audit, axe=Axe.INFRASTRUCTURE, texte=f"Préconisation {texte}", priorite=1
    )
    return audit


def test_A1_the_member_sees_its_audits_state_findings_and_report(client_a, monde_a, monde_b):
    audit = _audit(monde_a.commune, texte="d'Allaire", livre_le=date(2022, 10, 14))
    actes_rapport = SimpleUploadedFile("rapport.pdf", PDF)
    from membres.models import Document

    document = Document(
        commune=monde_a.commune, type="rapport_audit", titre="Rapport", fichier=actes_rapport
    )
    document.full_clean()
    document.save()
    Audit.objects.filter(pk=audit.pk).update(rapport=document)
    _audit(monde_b.commune, texte="de Redon")
    fabrique.contrat(monde_b.commune, fournisseur="Fournisseur de Redon")
    contenu = client_a.get(_url("audit", monde_a.commune)).content.decode()
    assert "rapport remis" in contenu and "Constat d&#x27;Allaire" in contenu
    assert "Préconisation d&#x27;Allaire" in contenu and "Priorité 1 — haute" in contenu
    assert (
        reverse(
            "portail:document", kwargs={"code_insee": monde_a.commune.code_insee, "pk": document.pk}
        )
        in contenu
    )
    assert "de Redon" not in contenu and "Fournisseur de Redon" not in contenu
    # A préalable audit is part of the socle complet: no price, no T5 window.
    assert "déduit" not in contenu


def test_T5_the_member_sees_until_when_the_socle_complet_deducts_its_audit(
    client, django_user_model, membre, bareme_article_7
):
    from membres.models import Rattachement

    commune = membre(
        formule="audit", date_effet=date(2026, 5, 1), adhesion={"audit_livre_le": date(2026, 9, 30)}
    )
    _audit(
        commune,
        texte="des Fougerêts",
        livre_le=date(2026, 9, 30),
        adhesion=commune.adhesions.get(),
        origine=Audit.Origine.ANNEXE,
    )
    user = django_user_model.objects.create_user("mairie")
    Rattachement.objects.create(utilisateur=user, commune=commune)
    client.force_login(user)
    contenu = client.get(_url("audit", commune)).content.decode()
    assert "au plus tard le <strong>30/03/2027</strong>" in contenu
    assert "3\u00a0500,00\u00a0€" in contenu


def test_A4_before_a_resiliation_the_member_sees_an_estimate_at_the_M4_last_day(client_a, monde_a):
    fabrique.porter(
        fabrique.contrat(monde_a.commune),
        debut=date(2023, 1, 1),
        fin=date(2099, 12, 31),
        montant=D("2400.00"),
    )
    contenu = client_a.get(_url("sortie", monde_a.commune)).content.decode()
    fin = Adhesion.fin_apres_preavis(timezone.localdate())
    assert "Si nous notifiions notre résiliation aujourd'hui" in contenu
    assert f"<strong>{fin:%d/%m/%Y}</strong>" in contenu
    assert "Remboursement du contrat Éditeur SA" in contenu


def test_A4_the_member_sees_its_etat_de_sortie_once_validated(
    client, django_user_model, membre, agent_dsi, emetteur
):
    from membres.models import Rattachement

    commune = membre(
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
    )
    user = django_user_model.objects.create_user("mairie")
    Rattachement.objects.create(utilisateur=user, commune=commune)
    client.force_login(user)
    adhesion = commune.adhesions.get()
    fabrique.porter(
        fabrique.contrat(commune),
        debut=date(2027, 1, 1),
        fin=date(2027, 12, 31),
        montant=D("2400.00"),
    )
    etat = actes.calculer_etat_de_sortie(adhesion=adhesion, par=agent_dsi)
    actes.ajouter_ligne(
        etat=etat,
        nature="penalite",
        libelle="Pénalité de résiliation anticipée",
        montant=D("350.00"),
        base="art. 12",
        par=agent_dsi,
    )
    brouillon = client.get(_url("sortie", commune)).content.decode()
    assert "La DSI établit notre état de sortie" in brouillon
    assert "Pénalité de résiliation anticipée" not in brouillon  # a draft is the DSI's work
    assert "1 952,88 €" in brouillon  # the register's estimate at the last day
    etat.refresh_from_db()
    actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    valide = client.get(_url("sortie", commune)).content.decode()
    assert "Notre état de sortie au 09/03/2027" in valide
    assert "Pénalité de résiliation anticipée" in valide and "2 302,88 €" in valide
    titre = actes.emettre_etat_de_sortie(etat=etat, par=agent_dsi)
    emis = client.get(_url("sortie", commune)).content.decode()
    assert f"titre de recettes n° {titre.numero} (exercice {titre.exercice})" in emis


@pytest.mark.parametrize(("nom", "requetes"), [("audit", 9), ("sortie", 6)])
def test_the_pages_run_a_fixed_number_of_queries(
    client_a, monde_a, django_assert_num_queries, nom, requetes
):
    compteur = iter(range(1000))

    def grossir(n):
        for _ in range(n):
            i = next(compteur)
            _audit(monde_a.commune, texte=f"{nom} {i}", livre_le=date(2022, 10, 1))
            objet = fabrique.contrat(monde_a.commune, objet=f"Contrat {i}")
            fabrique.porter(
                objet, debut=date(2027, 1, 1), fin=date(2027, 12, 31), montant=D("100.00")
            )
            fabrique.transferer(
                fabrique.bien(monde_a.commune, reference=f"B{i}"), valeur=D("1000.00")
            )

    grossir(2)
    with django_assert_num_queries(requetes):
        client_a.get(_url(nom, monde_a.commune))
    grossir(10)
    with django_assert_num_queries(requetes):
        assert client_a.get(_url(nom, monde_a.commune)).status_code == 200
