"""The contribution of real members, read from the database (tarification/contribution.py):
the facts handed to the calculator (P1, M6, T1–T8) and a query count that does not grow with
the number of members."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membres.actes import changer_formule
from membres.models import Commune, TarifDerogatoire
from missions.models import Intervention, Mission
from tarification.contribution import (
    contribution,
    contributions,
    prix_audit,
    prix_audit_retenu,
)
from tarification.models import VersionBareme
from tarification.textes import texte_base

D = Decimal


def montants(resultat) -> dict[str, Decimal]:
    return {ligne.code: ligne.montant for ligne in resultat.lignes}


def codes(resultat) -> list[str]:
    return [anomalie.code for anomalie in resultat.anomalies]


@pytest.fixture
def commune(commune_factory):
    return commune_factory(nom="Saint-Vincent-sur-Oust")


@pytest.fixture
def agent(django_user_model):
    return django_user_model.objects.create_user("agent-missions", password="x", is_staff=True)


def demi_journees(commune, agent, jours_et_nombres):
    """Record niveau 1 time: [(date, half-days)] on one mission of the commune."""
    mission = Mission.objects.create(
        commune=commune, objet="Accompagnement", debut=min(j for j, _ in jours_et_nombres)
    )
    for jour, nombre in jours_et_nombres:
        Intervention.objects.create(mission=mission, date=jour, agent=agent, demi_journees=nombre)


def audit_puis_socle(adhesion_factory, commune, livre_le, effet_socle):
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2024, 2, 1), audit_livre_le=livre_le
    )
    return changer_formule(
        adhesion=audit,
        formule="socle_complet",
        date_effet=effet_socle,
        decision_numero="D-2024-12",
        decision_date=effet_socle,
    )


# ---------------------------------------------------------------------------------------------
# T1, P1 — the worked example from real records
# ---------------------------------------------------------------------------------------------


def test_T1_socle_complet_2355_inhabitants_5532_50(commune, adhesion_factory, population_factory):
    population_factory(commune, 2024, 2355, millesime=2021)
    adhesion = adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))

    c = contribution(commune, 2024)

    assert c.commune == commune and c.annee == 2024
    assert c.adhesions == (adhesion,)
    assert c.resultat.anomalies == ()
    assert montants(c.resultat) == {"socle_complet": D("5532.50")}
    assert c.resultat.total == D("5532.50")
    base = c.resultat.lignes[0].base
    assert (base.population, base.millesime) == (2355, 2021)
    assert base.tranche == "de 1 500 à moins de 3 000"
    assert c.grille is not None and c.grille.debut == date(2022, 1, 1)


def test_P1_population_of_the_year_only(commune, adhesion_factory, population_factory):
    # Records for 2023 and 2025 exist, not for 2024: never borrowed from another year.
    population_factory(commune, 2023, 2300)
    population_factory(commune, 2025, 2400)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2023, 1, 1))

    c = contribution(commune, 2024)

    assert c.faits.population is None
    assert codes(c.resultat) == ["population_manquante"]
    assert c.resultat.bloque and c.resultat.total is None
    assert c.resultat.lignes == ()
    assert contribution(commune, 2025).resultat.total == D("2000") + D("1.50") * 2400


def test_P1_municipal_population_of_the_chosen_vintage(
    commune, adhesion_factory, population_factory
):
    population_factory(commune, 2026, 1499, millesime=2023)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))

    c = contribution(commune, 2026)

    assert c.faits.population.valeur == 1499
    assert c.faits.population.millesime == 2023
    assert "population municipale 1\u00a0499 hab. (millésime 2023)" in (
        texte_base(c.resultat.lignes[0].base)
    )
    assert c.resultat.total == D("1500") + D("1.50") * 1499


def test_P1_audit_priced_with_the_population_of_the_delivery_year(
    commune, adhesion_factory, population_factory
):
    population_factory(commune, 2024, 1400)  # < 1 500 → 990 €
    population_factory(commune, 2025, 2000)  # ≥ 1 500 → 3 500 €
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2024, 3, 1), audit_livre_le=date(2024, 12, 20)
    )

    resultat = prix_audit(audit)

    assert montants(resultat) == {"audit": D("990.00")}
    assert resultat.lignes[0].base.population == 1400
    assert prix_audit_retenu(audit) == D("990.00")


def test_P1_audit_without_population_in_the_delivery_year(
    commune, adhesion_factory, population_factory
):
    population_factory(commune, 2025, 2000)
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2024, 3, 1), audit_livre_le=date(2024, 12, 20)
    )
    assert codes(prix_audit(audit)) == ["population_manquante"]
    assert prix_audit_retenu(audit) is None


# ---------------------------------------------------------------------------------------------
# Grid versions: year N by the version in force on 1 January N, an audit on its delivery date
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def bareme_2025():
    """The Article 7 version closed on 31/12/2024 and a 2025 version with dearer audits."""
    article_7 = VersionBareme.objects.get()
    article_7.fin = date(2024, 12, 31)
    article_7.save()
    nouvelle = VersionBareme.objects.create(
        libelle="Barème 2025", reference="Délibération test", debut=date(2025, 1, 1)
    )
    for ligne in article_7.lignes.all():
        ligne.pk = None
        ligne.version = nouvelle
        if ligne.service == "audit" and ligne.part_fixe == D("3500"):
            ligne.part_fixe = D("4000")
        if ligne.service == "socle_complet" and ligne.part_fixe == D("2000"):
            ligne.part_fixe = D("2100")
        ligne.save()
    return nouvelle


def test_T2_audit_priced_by_the_bareme_in_force_at_delivery(
    commune, adhesion_factory, population_factory, bareme_2025
):
    population_factory(commune, 2024, 2355)
    population_factory(commune, 2025, 2355)
    avant = adhesion_factory(
        commune,
        formule="audit",
        date_effet=date(2024, 3, 1),
        audit_livre_le=date(2024, 12, 31),
        resiliation_date_convenue=date(2024, 12, 31),
        resiliation_notifiee_le=date(2024, 6, 1),
    )
    apres = adhesion_factory(
        commune, formule="audit", date_effet=date(2025, 1, 1), audit_livre_le=date(2025, 1, 1)
    )
    assert prix_audit(avant).total == D("3500.00")
    assert prix_audit(apres).total == D("4000.00")


def test_T1_year_priced_by_the_version_of_1_january(
    commune, adhesion_factory, population_factory, bareme_2025
):
    population_factory(commune, 2024, 2355)
    population_factory(commune, 2025, 2355)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))
    assert contribution(commune, 2024).resultat.total == D("5532.50")
    c = contribution(commune, 2025)
    assert c.grille.libelle == "Barème 2025"
    assert c.resultat.total == D("5632.50")


def test_T1_no_bareme_on_1_january_blocking_anomaly(commune, adhesion_factory, population_factory):
    population_factory(commune, 2021, 2355)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2021, 1, 1))

    c = contribution(commune, 2021)  # the Article 7 version starts on 1 January 2022

    assert c.grille is None
    assert codes(c.resultat) == ["bareme_manquant"]
    assert "01/01/2021" in c.resultat.anomalies[0].message
    assert c.resultat.total is None


def test_T2_undelivered_audit_has_no_price(commune, adhesion_factory, population_factory):
    population_factory(commune, 2024, 2355)
    audit = adhesion_factory(commune, formule="audit", date_effet=date(2024, 3, 1))
    assert codes(prix_audit(audit)) == ["audit_non_livre"]


def test_T2_audit_beyond_8000_with_its_tarif_derogatoire(
    commune, adhesion_factory, population_factory
):
    population_factory(commune, 2024, 9500)
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2024, 3, 1), audit_livre_le=date(2024, 6, 1)
    )
    assert codes(prix_audit(audit)) == ["tarif_derogatoire_manquant"]
    TarifDerogatoire.objects.create(
        adhesion=audit, service="audit", montant=D("9000"), base_legale="Délibération 2024-12"
    )
    assert prix_audit(audit).total == D("9000.00")


# ---------------------------------------------------------------------------------------------
# T5 — the audit deducted from the first socle complet year
# ---------------------------------------------------------------------------------------------


def test_T5_audit_then_socle_within_6_months_2032_50_then_5532_50(
    commune, adhesion_factory, population_factory
):
    for annee in (2024, 2025):
        population_factory(commune, annee, 2355)
    socle = audit_puis_socle(adhesion_factory, commune, date(2024, 4, 15), date(2024, 9, 1))

    premiere = contribution(commune, 2024)
    assert montants(premiere.resultat) == {
        "socle_complet": D("5532.50"),
        "deduction_audit": D("-3500.00"),
    }
    assert premiere.resultat.total == D("2032.50")
    assert premiere.faits.date_effet_socle == date(2024, 9, 1)
    assert premiere.faits.audit.livre_le == date(2024, 4, 15)
    assert [a.formule for a in premiere.adhesions] == ["audit", "socle_complet"]

    suivante = contribution(commune, 2025)
    assert suivante.adhesions == (socle,)
    assert suivante.resultat.total == D("5532.50")


@pytest.mark.parametrize(
    ("effet", "deduit"),
    [(date(2024, 10, 15), True), (date(2024, 10, 16), False)],
    ids=["dernier-jour-dans-la-fenetre", "premier-jour-hors-fenetre"],
)
def test_T5_6_month_window_from_the_delivery(
    commune, adhesion_factory, population_factory, effet, deduit
):
    population_factory(commune, 2024, 2355)
    audit_puis_socle(adhesion_factory, commune, date(2024, 4, 15), effet)
    total = contribution(commune, 2024).resultat.total
    assert total == (D("2032.50") if deduit else D("5532.50"))


def test_T5_audit_that_cannot_be_priced_blocks_the_first_year(
    commune, adhesion_factory, population_factory
):
    # The socle complet's year has its population, the audit's delivery year (2023) has none:
    # the deduction cannot be computed, so the first year cannot be billed.
    population_factory(commune, 2024, 2355)
    audit = adhesion_factory(
        commune, formule="audit", date_effet=date(2023, 6, 1), audit_livre_le=date(2023, 12, 20)
    )
    changer_formule(
        adhesion=audit,
        formule="socle_complet",
        date_effet=date(2024, 2, 1),
        decision_numero="D-1",
        decision_date=date(2024, 1, 15),
    )
    c = contribution(commune, 2024)
    assert "audit_non_tarife" in codes(c.resultat)
    assert c.resultat.total is None


# ---------------------------------------------------------------------------------------------
# T3, T4, T7, T8
# ---------------------------------------------------------------------------------------------


def test_T3_groupement_alone(commune, adhesion_factory, population_factory):
    population_factory(commune, 2024, 2355)
    adhesion_factory(commune, formule="groupement", date_effet=date(2024, 1, 1))
    c = contribution(commune, 2024)
    assert montants(c.resultat) == {"groupement": D("1838.75")}  # 1 250 + 0,25 × 2 355


def test_T4_change_from_groupement_to_socle_during_the_year(
    commune, adhesion_factory, population_factory
):
    population_factory(commune, 2024, 2355)
    groupement = adhesion_factory(commune, formule="groupement", date_effet=date(2024, 1, 1))
    changer_formule(
        adhesion=groupement,
        formule="socle_complet",
        date_effet=date(2024, 7, 1),
        decision_numero="D-7",
        decision_date=date(2024, 6, 1),
    )
    c = contribution(commune, 2024)
    assert c.faits.groupement and c.faits.socle_complet
    assert montants(c.resultat) == {"socle_complet": D("5532.50")}  # groupement exempted


def test_T7_socle_annexe_complet_yearly_groupement_only(
    commune, adhesion_factory, population_factory
):
    # The audit is billed at delivery (T2), the yearly contribution is the groupement (T3).
    population_factory(commune, 2025, 1200)
    adhesion_factory(
        commune,
        formule="annexe_complet",
        date_effet=date(2025, 3, 1),
        audit_livre_le=date(2025, 6, 20),
    )
    c = contribution(commune, 2025)
    assert montants(c.resultat) == {"groupement": D("1050.00")}


def test_T8_whole_year_without_pro_rata_and_nothing_after_the_last_day(
    commune, adhesion_factory, population_factory
):
    for annee in (2024, 2025):
        population_factory(commune, annee, 2355)
    adhesion_factory(
        commune,
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        deliberation_date=date(2022, 10, 1),
        resiliation_notifiee_le=date(2023, 4, 1),  # last day 31/03/2024
    )
    assert contribution(commune, 2024).resultat.total == D("5532.50")
    assert commune.pk not in contributions(2025)
    vide = contribution(commune, 2025)
    assert vide.adhesions == () and vide.resultat.lignes == ()


# ---------------------------------------------------------------------------------------------
# M6 — beyond 8 000 inhabitants; own IT department
# ---------------------------------------------------------------------------------------------


def test_M6_over_8000_without_tarif_derogatoire(commune, adhesion_factory, population_factory):
    population_factory(commune, 2024, 8001)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))
    c = contribution(commune, 2024)
    assert codes(c.resultat) == ["tarif_derogatoire_manquant"]
    assert c.resultat.total is None


def test_M6_over_8000_with_tarif_derogatoire(
    commune, adhesion_factory, population_factory, agent, dotation_individuelle
):
    population_factory(commune, 2024, 9200)
    adhesion = adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))
    TarifDerogatoire.objects.create(
        adhesion=adhesion, service="socle_complet", montant=D("16000"), base_legale="Avenant 1"
    )
    TarifDerogatoire.objects.create(
        adhesion=adhesion, service="niveau1", jours=D("8"), base_legale="Avenant 1"
    )
    demi_journees(commune, agent, [(date(2024, 3, d), 2) for d in range(1, 10)])  # 18

    c = contribution(commune, 2024)

    assert c.resultat.anomalies == ()
    assert montants(c.resultat) == {
        "socle_complet": D("16000.00"),
        "niveau1_demi_journees": D("400.00"),  # 18 − 16 = 2 × 200
    }
    assert "Avenant 1" in texte_base(c.resultat.lignes[0].base)


def test_M6_derogation_of_an_ended_adhesion_ignored(commune, adhesion_factory, population_factory):
    population_factory(commune, 2025, 9200)
    ancienne = adhesion_factory(commune, formule="socle_complet", date_effet=date(2023, 1, 1))
    TarifDerogatoire.objects.create(
        adhesion=ancienne, service="socle_complet", montant=D("16000"), base_legale="Avenant 1"
    )
    changer_formule(
        adhesion=ancienne,
        formule="groupement",
        date_effet=date(2024, 1, 1),
        decision_numero="D-2",
        decision_date=date(2023, 12, 1),
    )
    c = contribution(commune, 2025)
    assert c.faits.derogations == {}
    assert montants(c.resultat) == {"groupement": D("5800.00")}  # 3 500 + 0,25 × 9 200


def test_M6_service_informatique_without_review(
    commune_factory, adhesion_factory, population_factory
):
    commune = commune_factory(nom="Plessé", service_informatique=True)
    population_factory(commune, 2026, 5400)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2026, 1, 1))
    c = contribution(commune, 2026)
    assert codes(c.resultat) == ["revue_manquante"]
    assert c.resultat.total is None


def test_M6_service_informatique_with_review(commune_factory, adhesion_factory, population_factory):
    commune = commune_factory(
        nom="Guémené-Penfao",
        service_informatique=True,
        revue_date=date(2024, 11, 5),
        revue_conclusion="Le barème s'applique.",
    )
    population_factory(commune, 2025, 5400)
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2025, 1, 1))
    c = contribution(commune, 2025)
    assert c.resultat.total == D("2500") + D("1.50") * 5400
    assert "revue du 05/11/2024 : Le barème s'applique." in texte_base(c.resultat.lignes[0].base)


# ---------------------------------------------------------------------------------------------
# T6 — niveau 1 half-days from the missions
# ---------------------------------------------------------------------------------------------


def test_T6_dotation_individuelle_half_days_beyond_the_dotation_billed(
    commune, adhesion_factory, population_factory, agent, dotation_individuelle
):
    population_factory(commune, 2024, 2355)  # allowance 4,5 days = 9 half-days
    adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))
    demi_journees(
        commune,
        agent,
        [(date(2023, 12, 28), 2)]  # another year: not counted
        + [(date(2024, 2, d), 2) for d in range(1, 6)]  # 10
        + [(date(2024, 3, 4), 1), (date(2024, 12, 31), 1)],  # 12 in 2024
    )
    c = contribution(commune, 2024)
    assert c.faits.demi_journees == 12
    assert montants(c.resultat) == {
        "socle_complet": D("5532.50"),
        "niveau1_demi_journees": D("600.00"),
    }
    assert c.resultat.total == D("6132.50")


def test_T6_without_socle_complet_billed_from_the_first(
    commune, adhesion_factory, population_factory, agent
):
    population_factory(commune, 2024, 2355)
    adhesion_factory(commune, formule="groupement", date_effet=date(2024, 1, 1))
    demi_journees(commune, agent, [(date(2024, 5, 2), 2)])
    c = contribution(commune, 2024)
    assert montants(c.resultat)["niveau1_demi_journees"] == D("400.00")


# ---------------------------------------------------------------------------------------------
# contributions(): every member at once, constant query count
# ---------------------------------------------------------------------------------------------


def creer_membres(n, commune_factory, adhesion_factory, population_factory, agent):
    """n communes mixing every case: socle complet with extra half-days, groupement, audit then
    socle complet within 6 months (T5), more than 8 000 with a tarif dérogatoire (M6)."""
    for i in range(n):
        commune = commune_factory()
        habitants = 1000 + 300 * i % 6000
        population_factory(commune, 2024, habitants)
        match i % 4:
            case 0:
                adhesion_factory(commune, formule="socle_complet", date_effet=date(2023, 1, 1))
                demi_journees(commune, agent, [(date(2024, 1, d), 2) for d in range(1, 9)])
            case 1:
                adhesion_factory(commune, formule="groupement", date_effet=date(2024, 1, 1))
            case 2:
                population_factory(commune, 2023, habitants)
                audit = adhesion_factory(
                    commune,
                    formule="audit",
                    date_effet=date(2023, 9, 1),
                    audit_livre_le=date(2023, 12, 1),
                )
                changer_formule(
                    adhesion=audit,
                    formule="socle_complet",
                    date_effet=date(2024, 3, 1),
                    decision_numero=f"D-{i}",
                    decision_date=date(2024, 2, 1),
                )
            case 3:
                commune.populations.update(valeur=9000 + i)
                adhesion = adhesion_factory(
                    commune, formule="socle_complet", date_effet=date(2024, 1, 1)
                )
                TarifDerogatoire.objects.create(
                    adhesion=adhesion, service="socle_complet", montant=D("15000"), base_legale="A"
                )


def test_contributions_query_count_independent_of_the_number_of_members(
    commune_factory, adhesion_factory, population_factory, agent, django_assert_num_queries
):
    creer_membres(5, commune_factory, adhesion_factory, population_factory, agent)
    with CaptureQueriesContext(connection) as cinq:
        resultat = contributions(2024)
    assert len(resultat) == 5
    assert "deduction_audit" in montants(resultat[max(resultat) - 2].resultat)

    creer_membres(35, commune_factory, adhesion_factory, population_factory, agent)
    with django_assert_num_queries(len(cinq.captured_queries)):
        resultat = contributions(2024)
    assert len(resultat) == 40
    # Grid (2), then one stream each: communes, populations (of N and of audit deliveries),
    # adhésions, their derogations, audits, their derogations, half-days, entries of the shared
    # pool, issued audit titres.
    assert len(cinq.captured_queries) == 11
    assert all(not c.resultat.bloque for c in resultat.values())


def test_contributions_filter_by_communes(commune_factory, adhesion_factory, population_factory):
    a, b, sans = commune_factory(), commune_factory(), commune_factory()
    for commune in (a, b):
        population_factory(commune, 2024, 2355)
        adhesion_factory(commune, formule="socle_complet", date_effet=date(2024, 1, 1))

    assert set(contributions(2024)) == {a.pk, b.pk}  # default: adhesion in force in 2024
    assert set(contributions(2024, Commune.objects.filter(pk=a.pk))) == {a.pk}
    assert set(contributions(2024, [b])) == {b.pk}
    assert contributions(2024, [sans])[sans.pk].resultat.lignes == ()
