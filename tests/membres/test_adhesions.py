"""Rules M1–M7 on the models (SQLite and PostgreSQL)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from membres.actes import changer_formule, resilier
from membres.models import Adhesion, Commune, Contact, Etablissement, Formule, Population


def test_M1_two_exclusive_choices():
    assert {f.value for f in Formule} == {"socle_complet", "audit", "groupement", "annexe_complet"}
    assert Formule.ANNEXE_COMPLET in Formule.avec_groupement()
    assert Formule.ANNEXE_COMPLET in Formule.avec_audit()
    assert Formule.SOCLE_COMPLET not in Formule.avec_groupement()


def test_M1_one_adhesion_at_a_time_is_validated_with_a_french_message(commune_a, adhesion_factory):
    adhesion_factory(commune_a, date_effet=date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        adhesion_factory(commune_a, formule="groupement", date_effet=date(2025, 1, 1))
    assert "chevauche" in str(exc.value)


@pytest.mark.postgresql
def test_M1_no_overlap_is_held_by_postgresql_itself(commune_a, adhesion_factory):
    adhesion_factory(commune_a, date_effet=date(2024, 1, 1))
    autre = Adhesion(
        commune=commune_a,
        formule="groupement",
        date_effet=date(2025, 6, 1),
        deliberation_numero="x",
        deliberation_date=date(2025, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        autre.save()  # bypasses clean(): only the exclusion constraint stands in the way


@pytest.mark.postgresql
def test_M1_adjacent_adhesions_are_allowed_by_postgresql(commune_a, adhesion_factory):
    premiere = adhesion_factory(commune_a, formule="groupement", date_effet=date(2024, 1, 1))
    changer_formule(
        adhesion=premiere,
        formule="socle_complet",
        date_effet=date(2025, 1, 1),
        decision_numero="D-1",
        decision_date=date(2024, 11, 1),
    )
    assert Adhesion.objects.filter(commune=commune_a).count() == 2


def test_M2_change_of_choice_creates_a_new_record_and_keeps_history(commune_a, adhesion_factory):
    premiere = adhesion_factory(commune_a, formule="audit", date_effet=date(2024, 2, 1))
    nouvelle = changer_formule(
        adhesion=premiere,
        formule="socle_complet",
        date_effet=date(2024, 9, 1),
        decision_numero="D-2024-12",
        decision_date=date(2024, 7, 10),
    )
    premiere.refresh_from_db()
    assert premiere.formule == "audit"
    assert premiere.dernier_jour == date(2024, 8, 31)
    assert premiere.motif_fin == Adhesion.MotifFin.CHANGEMENT
    assert nouvelle.precedente == premiere
    assert nouvelle.decision_numero == "D-2024-12"
    assert list(Adhesion.objects.pour_annee(2024).filter(commune=commune_a)) == [nouvelle, premiere]
    assert list(Adhesion.objects.pour_annee(2025).filter(commune=commune_a)) == [nouvelle]
    assert premiere.history.count() == 2  # created, then ended


def test_M2_a_decision_must_be_dated(commune_a, adhesion_factory):
    with pytest.raises(ValidationError) as exc:
        adhesion_factory(commune_a, decision_numero="D-1")
    assert "daté" in str(exc.value)


def test_M3_next_tacit_renewal_is_the_next_anniversary_of_the_date_effet(
    commune_a, adhesion_factory
):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 7, 1))
    assert adhesion.prochaine_reconduction(date(2026, 6, 30)) == date(2026, 7, 1)
    assert adhesion.prochaine_reconduction(date(2026, 7, 1)) == date(2027, 7, 1)
    assert adhesion.prochaine_reconduction(date(2023, 3, 1)) == date(2024, 7, 1)


def test_M3_no_renewal_once_a_resiliation_is_notified(commune_a, adhesion_factory):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    resilier(adhesion=adhesion, notifiee_le=date(2026, 3, 10))
    adhesion.refresh_from_db()
    assert adhesion.prochaine_reconduction(date(2026, 6, 1)) is None


@pytest.mark.parametrize(
    ("notifiee", "dernier"),
    [
        (date(2024, 1, 1), date(2024, 12, 31)),  # the domain's own example
        (date(2026, 3, 10), date(2027, 3, 9)),
        (date(2024, 2, 29), date(2025, 2, 27)),  # + 12 months clamps to 28 Feb, − 1 day
    ],
)
def test_M4_last_day_is_notification_plus_twelve_months_minus_one_day(
    commune_a, adhesion_factory, notifiee, dernier
):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    resilier(adhesion=adhesion, notifiee_le=notifiee)
    adhesion.refresh_from_db()
    assert adhesion.dernier_jour == dernier
    assert adhesion.motif_fin == Adhesion.MotifFin.RESILIATION
    assert Adhesion.fin_apres_preavis(notifiee) == dernier


def test_M4_notified_on_1_january_nothing_is_due_the_next_year(commune_a, adhesion_factory):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    resilier(adhesion=adhesion, notifiee_le=date(2024, 1, 1))
    assert Adhesion.objects.pour_annee(2024).filter(pk=adhesion.pk).exists()
    assert not Adhesion.objects.pour_annee(2025).filter(pk=adhesion.pk).exists()


def test_M4_an_agreed_date_replaces_the_notice(commune_a, adhesion_factory):
    adhesion = adhesion_factory(commune_a, date_effet=date(2023, 1, 1))
    resilier(adhesion=adhesion, notifiee_le=date(2024, 3, 1), date_convenue=date(2024, 6, 30))
    adhesion.refresh_from_db()
    assert adhesion.dernier_jour == date(2024, 6, 30)


def test_M4_an_agreed_date_before_the_date_effet_is_refused(commune_a, adhesion_factory):
    adhesion = adhesion_factory(commune_a, date_effet=date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        resilier(adhesion=adhesion, notifiee_le=date(2024, 3, 1), date_convenue=date(2023, 6, 30))
    assert "précéder" in str(exc.value)
    adhesion.refresh_from_db()
    assert adhesion.dernier_jour is None  # nothing half-saved


def test_M4_status_follows_the_dates(commune_a, adhesion_factory):
    adhesion = adhesion_factory(commune_a, date_effet=date(2024, 1, 1))
    assert adhesion.statut(date(2023, 12, 31)) == Adhesion.Statut.A_VENIR
    assert adhesion.statut(date(2024, 1, 1)) == Adhesion.Statut.EN_COURS
    resilier(adhesion=adhesion, notifiee_le=date(2025, 5, 1))
    adhesion.refresh_from_db()
    assert adhesion.statut(date(2025, 5, 2)) == Adhesion.Statut.EN_PREAVIS
    assert adhesion.statut(date(2026, 4, 30)) == Adhesion.Statut.EN_PREAVIS
    assert adhesion.statut(date(2026, 5, 1)) == Adhesion.Statut.TERMINEE
    assert adhesion.get_statut_display(date(2026, 5, 1)) == "terminée"


def test_M4_last_day_before_date_effet_is_refused_by_the_database(commune_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Adhesion.objects.create(
            commune=commune_a,
            formule="groupement",
            date_effet=date(2024, 1, 1),
            deliberation_numero="x",
            deliberation_date=date(2023, 1, 1),
            motif_fin=Adhesion.MotifFin.CHANGEMENT,
            dernier_jour=date(2023, 1, 1),
        )


def test_M5_one_person_may_hold_both_roles(commune_a):
    contact = Contact.objects.create(commune=commune_a, nom="Durand", decideur=True, technique=True)
    assert contact.roles == "décideur et technique"


def test_M6_a_dated_review_needs_a_conclusion(commune_a):
    commune_a.service_informatique = True
    commune_a.revue_date = date(2024, 5, 1)
    with pytest.raises(ValidationError):
        commune_a.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        commune_a.save()


def test_M6_a_tarif_derogatoire_carries_an_amount_or_days(commune_a, adhesion_factory):
    from membres.models import TarifDerogatoire

    adhesion = adhesion_factory(commune_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TarifDerogatoire.objects.create(adhesion=adhesion, service="socle_complet", base_legale="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        TarifDerogatoire.objects.create(
            adhesion=adhesion, service="socle_complet", montant=-1, base_legale="x"
        )
    TarifDerogatoire.objects.create(adhesion=adhesion, service="niveau1", jours=8, base_legale="x")


def test_M7_an_etablissement_has_its_own_siret_and_contacts_stay_in_its_commune(
    commune_a, commune_b
):
    ccas = Etablissement.objects.create(commune=commune_a, type="ccas", nom="CCAS d'Allaire")
    ccas.siret = "123"
    with pytest.raises(ValidationError):
        ccas.full_clean()
    contact = Contact(commune=commune_b, etablissement=ccas, nom="X")
    with pytest.raises(ValidationError) as exc:
        contact.full_clean()
    assert "n'appartient pas" in str(exc.value)


def test_P1_one_population_per_commune_and_year(commune_a, population_factory):
    population_factory(commune_a, 2026, 3955)
    with pytest.raises(IntegrityError), transaction.atomic():
        population_factory(commune_a, 2026, 4000)


@pytest.mark.parametrize(("valeur", "millesime"), [(0, 2023), (3955, 2026), (3955, 2027)])
def test_P1_population_is_positive_and_its_vintage_precedes_the_year(commune_a, valeur, millesime):
    with pytest.raises(IntegrityError), transaction.atomic():
        Population.objects.create(commune=commune_a, annee=2026, valeur=valeur, millesime=millesime)


def test_history_is_kept_on_communes(commune_a):
    commune_a.siret = "21560001600095"
    commune_a.save()
    assert [h.history_type for h in commune_a.history.all()] == ["~", "+"]
    assert Commune.history.filter(code_insee="56001").count() == 2
