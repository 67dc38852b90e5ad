"""The demo's audits, inventories, register and exit (A1–A4): an audit in progress, one
delivered with its inventory and two transferred contracts, and the commune in préavis
(Théhillac, last day in 2027) with its état de sortie computed from the register; once
validated, it is issued as the frais de sortie titre, to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from membres.models import Commune
from patrimoine import actes, sortie
from patrimoine.models import (
    Audit,
    Bien,
    Contrat,
    EtatDeSortie,
    LigneEtatDeSortie,
    TransfertBien,
    TransfertContrat,
)
from tarification.models import Litige, TitreDeRecettes

D = Decimal
Nature = LigneEtatDeSortie.Nature


@pytest.fixture
def demo(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")


def _comptes():
    return (
        Audit.objects.count(),
        Bien.objects.count(),
        Contrat.objects.count(),
        TransfertBien.objects.count(),
        TransfertContrat.objects.count(),
        LigneEtatDeSortie.objects.count(),
        Litige.objects.count(),
    )


def test_A1_A3_an_audit_in_progress_and_one_delivered_with_its_inventory_and_transfers(demo):
    avessac = Audit.objects.get(commune__code_insee="44007")
    assert avessac.statut == Audit.Statut.EN_COURS and avessac.origine == "prealable"
    allaire = Audit.objects.get(commune__code_insee="56001")
    assert allaire.statut == Audit.Statut.CLOS and allaire.inventaire_valide_le == date(
        2022, 10, 14
    )
    assert allaire.biens.count() == 3 and allaire.contrats.count() == 5
    portes = TransfertContrat.objects.filter(
        contrat__commune__code_insee="56001", sort__in=["repris", "conclu"]
    )
    assert sorted(t.sort for t in portes) == ["conclu", "repris"]
    # The socle annexe audits delivered by the titres' demo have their records and titres.
    fougerets = Audit.objects.get(commune__code_insee="56060")
    assert fougerets.titre.nature == "audit" and fougerets.fin_fenetre_t5 == date(2027, 3, 30)


def test_A4_thehillac_s_etat_is_computed_from_the_register_then_issued_to_the_cent(
    demo, django_capture_on_commit_callbacks
):
    etat = EtatDeSortie.objects.get(adhesion__commune__code_insee="56250")
    assert etat.dernier_jour == date(2027, 3, 9) and etat.statut == EtatDeSortie.Statut.BROUILLON
    lignes = list(etat.lignes.order_by("ordre"))
    assert [(ligne.nature, ligne.montant) for ligne in lignes] == [
        (Nature.ECHU, D("0.00")),
        (Nature.REMBOURSEMENT, D("2264.60")),
        (Nature.REMBOURSEMENT, D("1952.88")),
        (Nature.REPRISE, D("0.00")),
        (Nature.RESTITUTION, D("0.00")),
        (Nature.RESTITUTION, D("0.00")),
        (Nature.PENALITE, D("350.00")),
    ]
    # Computed from the register: the same lines as a fresh computation at the last day.
    calculees = sortie.lignes_calculees(etat.adhesion.commune_id, etat.dernier_jour)
    assert [(c.base, c.montant) for c in calculees] == [
        (ligne.base, ligne.montant) for ligne in lignes[:6]
    ]
    assert etat.total == D("4567.48")
    from django.contrib.auth import get_user_model

    dsi = get_user_model().objects.get(username="dsi")
    finances = get_user_model().objects.get(username="finances")
    etat = actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=dsi)
    with django_capture_on_commit_callbacks(execute=True):
        titre = actes.emettre_etat_de_sortie(etat=etat, par=finances)
    assert titre.nature == TitreDeRecettes.Nature.FRAIS_SORTIE
    assert titre.total == etat.total == D("4567.48")
    assert titre.lignes.count() == 3


def test_A4_the_dsi_answer_for_allaire_leaving_on_31_december(demo, client):
    allaire = Commune.objects.get(code_insee="56001")
    simulation = sortie.simuler(allaire, date(2026, 12, 31))
    assert [ligne.montant for ligne in simulation.facturees] == [D("1798.77"), D("1547.18")]
    assert simulation.total == D("3345.95")
    client.post(reverse("login"), {"username": "dsi", "password": "demo-servicecommun"})
    page = client.get(
        reverse("patrimoine:membre", args=["56001"]), {"dernier_jour": "2026-12-31"}
    ).content.decode()
    assert "3\u00a0345,95\u00a0€" in page


def test_the_demo_loads_twice_without_change(demo):
    avant = _comptes()
    call_command("charger_demo")
    assert _comptes() == avant
