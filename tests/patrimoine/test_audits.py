"""A1 — the audit's life cycle: requested → scheduled → in progress → report delivered → closed,
its findings and recommendations; T2 at delivery (socle annexe only), T5's window from it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from membres.models import Adhesion, Document
from patrimoine import actes
from patrimoine.models import Audit, Axe, Constat, Preconisation
from tarification.calcul import fin_fenetre_t5
from tarification.models import TitreDeRecettes
from tarification.titres.actes import emettre_titre_audit
from tests.conftest import PDF

pytestmark = pytest.mark.django_db


def _jour(n):
    return timezone.localdate() - timedelta(days=n)


@pytest.fixture
def audit_annexe(membre, bareme_article_7, emetteur):
    commune = membre(formule="audit", population=2355, date_effet=date(2026, 1, 1))
    adhesion = commune.adhesions.get()
    return actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.ANNEXE,
        adhesion=adhesion,
        demande_le=date(2025, 12, 1),
        demande_reference="délibération n° 2025-12 du 01/12/2025",
        par=None,
    )


def test_A1_the_life_cycle_goes_forward_step_by_step(audit_annexe, agent_dsi):
    audit = audit_annexe
    assert audit.statut == Audit.Statut.DEMANDE
    audit = actes.planifier_audit(audit=audit, du=_jour(60), au=_jour(30), par=agent_dsi)
    assert audit.statut == Audit.Statut.PLANIFIE
    audit = actes.commencer_audit(audit=audit, le=_jour(55), par=agent_dsi)
    assert audit.statut == Audit.Statut.EN_COURS
    # A step backwards or twice is refused, with the state in the message.
    with pytest.raises(ValidationError, match="l'audit est « en cours »"):
        actes.planifier_audit(audit=audit, du=_jour(10), par=agent_dsi)
    with pytest.raises(ValidationError, match="Seul un audit dont le rapport est remis se clôt"):
        actes.clore_audit(audit=audit, le=_jour(1), par=agent_dsi)
    actes.livrer_rapport(audit=audit, le=_jour(20), par=agent_dsi)
    audit.refresh_from_db()
    assert audit.statut == Audit.Statut.LIVRE
    with pytest.raises(ValidationError, match="après la remise"):
        actes.clore_audit(audit=audit, le=_jour(21), par=agent_dsi)
    audit = actes.clore_audit(audit=audit, le=_jour(5), par=agent_dsi)
    assert audit.statut == Audit.Statut.CLOS
    assert [d for _, d in audit.etapes] == [
        date(2025, 12, 1),
        _jour(60),
        _jour(55),
        _jour(20),
        _jour(5),
    ]


def test_A1_T2_delivering_a_socle_annexe_audit_opens_the_T5_window_and_finance_bills_it(
    audit_annexe, agent_dsi, responsable_financier
):
    audit = actes.commencer_audit(audit=audit_annexe, le=_jour(40), par=agent_dsi)
    actes.livrer_rapport(
        audit=audit,
        le=_jour(10),
        rapport=SimpleUploadedFile("rapport.pdf", PDF),
        par=agent_dsi,
    )
    audit.refresh_from_db()
    adhesion = Adhesion.objects.get(pk=audit.adhesion_id)
    # The DSI records; the finance officer bills (separation of duties).
    assert audit.titre is None and not TitreDeRecettes.objects.exists()
    titre = emettre_titre_audit(adhesion=adhesion, par=responsable_financier)
    # T2 through billing's act: priced on the delivery date (2 355 inhabitants → 3 500 €).
    assert titre.nature == TitreDeRecettes.Nature.AUDIT and titre.total == Decimal("3500.00")
    assert audit.titre == titre
    # The adhesion keeps the date that prices it and from which T5 counts: one date, two views.
    assert adhesion.audit_livre_le == audit.livre_le == _jour(10)
    assert audit.rapport.type == Document.Type.RAPPORT_AUDIT
    assert audit.rapport.fichier.read() == PDF
    assert audit.fin_fenetre_t5 == fin_fenetre_t5(_jour(10))


def test_A1_T5_window_and_reminder_start_from_the_delivery(audit_annexe, agent_dsi):
    audit = audit_annexe
    audit.commence_le, audit.livre_le = date(2026, 8, 1), date(2026, 8, 31)
    assert audit.fin_fenetre_t5 == date(2027, 2, 28)  # T5's decision: day clamped
    assert audit.debut_rappel_t5 == date(2027, 1, 28)
    audit.livre_le = date(2026, 9, 30)
    assert (audit.fin_fenetre_t5, audit.debut_rappel_t5) == (date(2027, 3, 30), date(2027, 2, 28))


def test_A1_T2_a_prealable_audit_is_not_billed_and_has_no_T5_window(commune_a, agent_dsi, emetteur):
    audit = actes.demander_audit(
        commune=commune_a,
        origine=Audit.Origine.PREALABLE,
        demande_le=_jour(90),
        demande_reference="courrier du maire demandant le socle complet",
        par=agent_dsi,
    )
    actes.commencer_audit(audit=audit, le=_jour(80), par=agent_dsi)
    actes.livrer_rapport(
        audit=audit, le=_jour(30), rapport=SimpleUploadedFile("r.pdf", PDF), par=agent_dsi
    )
    audit.refresh_from_db()
    assert audit.titre is None and not TitreDeRecettes.objects.exists()
    assert audit.fin_fenetre_t5 is None
    assert audit.rapport.commune == commune_a and audit.rapport.adhesion is None


def test_A1_an_annexe_audit_belongs_to_an_adhesion_with_the_audit(membre, agent_dsi):
    commune = membre(formule="socle_complet")
    with pytest.raises(ValidationError, match="ne comprend pas l'audit"):
        actes.demander_audit(
            commune=commune,
            origine=Audit.Origine.ANNEXE,
            adhesion=commune.adhesions.get(),
            demande_le=date(2024, 1, 1),
            demande_reference="délibération",
            par=agent_dsi,
        )
    with pytest.raises(ValidationError, match="se rattache à son adhésion"):
        actes.demander_audit(
            commune=commune,
            origine=Audit.Origine.ANNEXE,
            demande_le=date(2024, 1, 1),
            demande_reference="délibération",
            par=agent_dsi,
        )
    assert not Audit.objects.exists()


def test_A1_one_audit_per_socle_annexe_adhesion(audit_annexe, agent_dsi):
    with pytest.raises(ValidationError, match="a déjà son audit"):
        actes.demander_audit(
            commune=audit_annexe.commune,
            origine=Audit.Origine.ANNEXE,
            adhesion=audit_annexe.adhesion,
            demande_le=date(2025, 12, 2),
            demande_reference="seconde délibération",
            par=agent_dsi,
        )


def test_A1_dates_in_the_future_or_before_the_request_are_refused(audit_annexe, agent_dsi):
    with pytest.raises(ValidationError, match="dans le futur"):
        actes.commencer_audit(
            audit=audit_annexe, le=timezone.localdate() + timedelta(days=1), par=agent_dsi
        )
    with pytest.raises(ValidationError, match="avant d'être demandé"):
        actes.commencer_audit(audit=audit_annexe, le=date(2025, 11, 30), par=agent_dsi)
    audit = actes.commencer_audit(audit=audit_annexe, le=_jour(30), par=agent_dsi)
    with pytest.raises(ValidationError, match="avant le début de l'audit"):
        actes.livrer_rapport(audit=audit, le=_jour(31), par=agent_dsi)
    audit.refresh_from_db()
    assert audit.livre_le is None and not TitreDeRecettes.objects.exists()


def test_A1_T2_an_audit_that_cannot_be_priced_is_recorded_and_its_titre_refused(
    membre, agent_dsi, emetteur, responsable_financier
):
    """Above 8 000 inhabitants without a tarif dérogatoire (M6), T2 cannot price the audit:
    the delivery is recorded (the report exists), the titre is refused until it is fixed."""
    commune = membre(formule="audit", population=9500, date_effet=date(2026, 1, 1))
    audit = actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.ANNEXE,
        adhesion=commune.adhesions.get(),
        demande_le=date(2026, 1, 5),
        demande_reference="délibération",
        par=agent_dsi,
    )
    actes.commencer_audit(audit=audit, le=date(2026, 2, 1), par=agent_dsi)
    actes.livrer_rapport(
        audit=audit,
        le=date(2026, 3, 1),
        rapport=SimpleUploadedFile("r.pdf", PDF),
        par=agent_dsi,
    )
    audit.refresh_from_db()
    assert audit.livre_le == commune.adhesions.get().audit_livre_le == date(2026, 3, 1)
    with pytest.raises(ValidationError, match="ne peut être tarifé"):
        emettre_titre_audit(adhesion=audit.adhesion, par=responsable_financier)
    assert not TitreDeRecettes.objects.exists()


def test_A1_findings_by_axe_and_recommendations_by_priority(audit_annexe):
    Constat.objects.create(audit=audit_annexe, axe=Axe.RESSOURCES, texte="Contrats épars.")
    Constat.objects.create(audit=audit_annexe, axe=Axe.ORGANISATION, texte="Pas de RSSI.")
    Preconisation.objects.create(
        audit=audit_annexe, axe=Axe.INFRASTRUCTURE, texte="Sauvegarde externalisée", priorite=1
    )
    Preconisation.objects.create(
        audit=audit_annexe, axe=Axe.ORGANISATION, texte="Charte informatique", priorite=3
    )
    assert [c.get_axe_display() for c in audit_annexe.constats.all()] == [
        "axe 1 — organisation et management de l'information",
        "axe 3 — gestion des ressources et des moyens financiers",
    ]
    assert [p.texte for p in audit_annexe.preconisations.all()] == [
        "Sauvegarde externalisée",
        "Charte informatique",
    ]


def test_A2_the_inventory_is_validated_by_a_delivered_audit(audit_annexe, agent_dsi):
    with pytest.raises(ValidationError, match="avec le rapport remis"):
        actes.valider_inventaire(audit=audit_annexe, le=_jour(1), par=agent_dsi)
    actes.commencer_audit(audit=audit_annexe, le=_jour(30), par=agent_dsi)
    actes.livrer_rapport(audit=audit_annexe, le=_jour(20), par=agent_dsi)
    audit = actes.valider_inventaire(audit=audit_annexe, le=_jour(19), par=agent_dsi)
    assert audit.inventaire_valide_le == _jour(19)


def test_A1_audits_delivered_before_the_register_are_taken_over(membre, emetteur):
    """The data migration: each adhesion's delivered audit becomes an audit record."""
    from importlib import import_module

    migration = import_module("patrimoine.migrations.0002_audits_deja_livres")
    commune = membre(
        formule="audit", date_effet=date(2024, 2, 1), adhesion={"audit_livre_le": date(2024, 4, 15)}
    )
    membre(formule="socle_complet")
    migration.creer(apps, None)
    migration.creer(apps, None)  # twice: still one audit
    audit = Audit.objects.get()
    assert (audit.commune, audit.origine, audit.livre_le) == (
        commune,
        Audit.Origine.ANNEXE,
        date(2024, 4, 15),
    )
    assert audit.statut == Audit.Statut.LIVRE and audit.demande_le == date(2023, 10, 1)
    migration.supprimer(apps, None)
    assert not Audit.objects.exists()
