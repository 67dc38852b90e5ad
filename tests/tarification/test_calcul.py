"""Tests du calcul des contributions (tarification/calcul.py), nommés d'après les règles de
docs/domain.md (P1, P2, M6, T1–T10). Purs : ni Django, ni base de données."""

import calendar
import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outils.formats import formater_euros, formater_nombre
from tarification.calcul import (
    AuditFacture,
    Faits,
    LigneGrille,
    ModeNiveau1,
    PopulationRetenue,
    Resultat,
    Revue,
    SaisieVolume,
    Service,
    TarifDerogatoire,
    Tranche,
    arrondir,
    calculer_audit,
    calculer_contribution,
    fin_fenetre_t5,
    grille_article_7,
    tranche_de,
    verifier_tranches,
)
from tarification.textes import texte_base

D = Decimal
NB = "\u00a0"  # espace insécable
G = grille_article_7()  # T6 : volume partagé, le mode par défaut
# T6 : la même grille en dotation individuelle (la lecture des titres 2024–2025 de la démo).
GD = dataclasses.replace(
    G,
    mode_niveau1=ModeNiveau1.DOTATION_INDIVIDUELLE,
    fondement_mode="délibération n° 2022-050 du 12/05/2022",
)

FRONTIERES = [0, 1, 1499, 1500, 2999, 3000, 8000, 8001, 20000]


def pop(valeur: int, millesime: int = 2021) -> PopulationRetenue:
    return PopulationRetenue(valeur, millesime)


def faits(population: int | None = 2355, annee: int = 2024, **kwargs) -> Faits:
    return Faits(annee=annee, population=None if population is None else pop(population), **kwargs)


def montants(resultat: Resultat) -> dict[str, Decimal]:
    codes = [ligne.code for ligne in resultat.lignes]
    assert len(codes) == len(set(codes)), codes
    return {ligne.code: ligne.montant for ligne in resultat.lignes}


def codes_anomalies(resultat: Resultat) -> list[str]:
    return [anomalie.code for anomalie in resultat.anomalies]


# ---------------------------------------------------------------------------------------------
# P2 — tranches
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "libelle"),
    [
        (0, "moins de 1 500"),
        (1499, "moins de 1 500"),
        (1500, "de 1 500 à moins de 3 000"),
        (2999, "de 1 500 à moins de 3 000"),
        (3000, "de 3 000 à 8 000"),
        (8000, "de 3 000 à 8 000"),
        (8001, "plus de 8 000"),
        (250000, "plus de 8 000"),
    ],
)
@pytest.mark.parametrize("service", list(Service))
def test_P2_bracket_at_the_boundaries_for_each_service(service, population, libelle):
    assert tranche_de(G, service, population).libelle == libelle


def test_P2_bounds_written_as_in_the_table():
    tranches = {ligne.tranche.libelle: ligne.tranche for ligne in G.lignes}
    assert tranches["moins de 1 500"] == Tranche("moins de 1 500", None, False, 1500, False)
    assert tranches["de 1 500 à moins de 3 000"] == Tranche(
        "de 1 500 à moins de 3 000", 1500, True, 3000, False
    )
    assert tranches["de 3 000 à 8 000"] == Tranche("de 3 000 à 8 000", 3000, True, 8000, True)
    assert tranches["plus de 8 000"] == Tranche("plus de 8 000", 8000, False, None, False)


@given(st.integers(min_value=0, max_value=10**7))
def test_P2_exactly_one_bracket_contains_each_population(p):
    tranches = {ligne.tranche for ligne in G.lignes}
    contenantes = [t.libelle for t in tranches if t.contient(p)]
    attendu = (
        "moins de 1 500"
        if p < 1500
        else "de 1 500 à moins de 3 000"
        if p < 3000
        else "de 3 000 à 8 000"
        if p <= 8000
        else "plus de 8 000"
    )
    assert contenantes == [attendu]


def test_P2_negative_population_refused():
    with pytest.raises(ValueError, match="Population invalide"):
        G.ligne(Service.SOCLE_COMPLET, -1)
    with pytest.raises(ValueError, match="Population invalide"):
        PopulationRetenue(-5, 2021)


def test_P2_service_missing_from_the_bareme_error_in_french():
    grille = dataclasses.replace(
        G, lignes=tuple(ligne for ligne in G.lignes if ligne.service != Service.GROUPEMENT)
    )
    with pytest.raises(ValueError, match="aucune tranche du service Groupement d'achats"):
        grille.ligne(Service.GROUPEMENT, 2355)


def test_P2_verifier_tranches_article_7_is_correct():
    assert verifier_tranches(G.lignes) == []


def test_P2_verifier_tranches_detects_a_gap():
    lignes = [
        LigneGrille(Service.SOCLE_COMPLET, Tranche("moins de 1 500", None, False, 1500, False)),
        LigneGrille(Service.SOCLE_COMPLET, Tranche("plus de 1 500", 1500, False, None, False)),
        LigneGrille(Service.AUDIT, Tranche("tout", None, False, None, False)),
    ]
    erreurs = verifier_tranches(lignes)
    assert len(erreurs) == 1
    assert erreurs[0].startswith("Socle complet : trou entre 1499 et 1501 habitants")
    assert "1500" in erreurs[0]


def test_P2_verifier_tranches_detects_an_overlap():
    lignes = [
        LigneGrille(Service.GROUPEMENT, Tranche("a", None, False, 3000, True)),
        LigneGrille(Service.GROUPEMENT, Tranche("b", 3000, True, None, False)),
    ]
    erreurs = verifier_tranches(lignes)
    assert len(erreurs) == 1
    assert "Groupement d'achats : chevauchement" in erreurs[0]
    assert "de 3000 à 3000 habitants" in erreurs[0]


def test_P2_verifier_tranches_detects_uncovered_ends():
    lignes = [LigneGrille(Service.AUDIT, Tranche("milieu", 10, True, 8000, True))]
    erreurs = verifier_tranches(lignes)
    assert erreurs == [
        "Audit : aucune tranche de 0 à 9 habitants.",
        "Audit : aucune tranche au-delà de 8000 habitants.",
    ]


def test_P2_verifier_tranches_detects_a_duplicate_bracket_and_an_empty_bracket():
    lignes = [
        *G.lignes,
        LigneGrille(Service.NIVEAU1, G.ligne(Service.NIVEAU1, 2000).tranche),
        LigneGrille(Service.AUDIT, Tranche("vide", 5, False, 6, False)),
    ]
    erreurs = verifier_tranches(lignes)
    assert any(e.startswith("Niveau 1 : chevauchement") for e in erreurs)
    assert "Audit : la tranche « vide » est vide." in erreurs
    assert len(erreurs) == 2


# ---------------------------------------------------------------------------------------------
# P1 — population manquante
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "formules",
    [{"socle_complet": True}, {"groupement": True}, {"socle_complet": True, "groupement": True}],
)
def test_P1_missing_population_blocks_without_a_line(formules):
    resultat = calculer_contribution(GD, faits(None, demi_journees=20, **formules))
    assert codes_anomalies(resultat) == ["population_manquante"]
    assert resultat.anomalies[0].bloquante
    assert resultat.anomalies[0].message.startswith("Population manquante")
    assert resultat.bloque
    assert resultat.total is None
    assert all(ligne.base.population is None for ligne in resultat.lignes)
    assert "socle_complet" not in montants(resultat)
    assert "groupement" not in montants(resultat)


def test_P1_missing_population_audit_blocked():
    resultat = calculer_audit(G, None)
    assert codes_anomalies(resultat) == ["population_manquante"]
    assert resultat.lignes == ()
    assert resultat.total is None


def test_P1_basis_cites_population_and_vintage():
    ligne = calculer_contribution(G, faits(2355, socle_complet=True)).lignes[0]
    assert ligne.base.population == 2355
    assert ligne.base.millesime == 2021
    assert ligne.base.tranche == "de 1 500 à moins de 3 000"


# ---------------------------------------------------------------------------------------------
# T1 — socle complet
# ---------------------------------------------------------------------------------------------


def test_T1_convention_example_2355_inhabitants():
    resultat = calculer_contribution(G, faits(2355, annee=2026, socle_complet=True))
    assert montants(resultat) == {"socle_complet": D("5532.50")}
    assert resultat.total == D("5532.50")
    (ligne,) = resultat.lignes
    assert ligne.libelle == "Socle complet — contribution annuelle 2026"
    assert ligne.base.article == "art. 7.1"
    assert (ligne.base.part_fixe, ligne.base.taux, ligne.base.quantite) == (
        D("2000"),
        D("1.50"),
        D("2355"),
    )
    assert texte_base(ligne.base) == (
        f"art. 7.1 — population municipale 2{NB}355 hab. (millésime 2021), "
        f"tranche « de 1 500 à moins de 3 000 » : "
        f"part fixe 2{NB}000,00{NB}€ + 1,50{NB}€ × 2{NB}355 hab."
    )


@pytest.mark.parametrize(
    ("population", "attendu"),
    [
        (0, "1500.00"),
        (1, "1501.50"),
        (1499, "3748.50"),
        (1500, "4250.00"),
        (2999, "6498.50"),
        (3000, "7000.00"),
        (8000, "14500.00"),
    ],
)
def test_T1_socle_complet_at_the_boundaries(population, attendu):
    resultat = calculer_contribution(G, faits(population, socle_complet=True))
    assert montants(resultat) == {"socle_complet": D(attendu)}
    assert resultat.total == D(attendu)


def test_T1_beyond_8000_no_price_in_the_bareme():
    resultat = calculer_contribution(G, faits(8001, socle_complet=True))
    assert resultat.lignes == ()
    assert codes_anomalies(resultat) == ["tarif_derogatoire_manquant"]
    assert "Socle complet" in resultat.anomalies[0].message
    assert resultat.total is None


def test_T1_rounded_once_per_line_half_cent_up():
    grille = dataclasses.replace(
        G,
        lignes=tuple(
            dataclasses.replace(ligne, taux=D("0.005"))
            if ligne.service == Service.SOCLE_COMPLET
            else ligne
            for ligne in G.lignes
        ),
    )
    # 1 500 + 0,005 × 1 = 1 500,005 → 1 500,01 (ROUND_HALF_UP)
    assert montants(calculer_contribution(grille, faits(1, socle_complet=True))) == {
        "socle_complet": D("1500.01")
    }


# ---------------------------------------------------------------------------------------------
# T2 — audit
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "attendu"),
    [
        (0, "990.00"),
        (1499, "990.00"),
        (1500, "3500.00"),
        (2999, "3500.00"),
        (3000, "7000.00"),
        (8000, "7000.00"),
    ],
)
def test_T2_audit_at_the_boundaries(population, attendu):
    resultat = calculer_audit(G, pop(population))
    (ligne,) = resultat.lignes
    assert ligne.code == "audit"
    assert ligne.libelle == "Audit (niveau 1 du socle annexe)"
    assert ligne.base.article == "art. 7.2.1"
    assert ligne.montant == D(attendu)
    assert resultat.total == D(attendu)


def test_T2_audit_beyond_8000_requires_a_tarif_derogatoire():
    resultat = calculer_audit(G, pop(8001))
    assert resultat.lignes == ()
    assert codes_anomalies(resultat) == ["tarif_derogatoire_manquant"]
    assert "Audit" in resultat.anomalies[0].message
    assert resultat.total is None

    derogation = TarifDerogatoire(montant=D("9500"), base_legale="délibération 2024-12")
    resultat = calculer_audit(G, pop(8001), derogation)
    assert resultat.total == D("9500.00")
    texte = texte_base(resultat.lignes[0].base)
    assert "tarif dérogatoire 9" in texte
    assert "délibération 2024-12" in texte


def test_T2_audit_not_in_the_yearly_contribution():
    resultat = calculer_contribution(G, faits(2355, groupement=True))
    assert "audit" not in montants(resultat)


# ---------------------------------------------------------------------------------------------
# T3 / T4 — groupement d'achats
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "attendu"),
    [
        (0, "750.00"),
        (1499, "1124.75"),
        (1500, "1625.00"),
        (2355, "1838.75"),
        (2999, "1999.75"),
        (3000, "2750.00"),
        (8000, "4000.00"),
        (8001, "5500.25"),
        (10000, "6000.00"),  # la délibération : Redon ≈ 6 000 €
    ],
)
def test_T3_groupement_at_the_boundaries_rate_0_25_everywhere(population, attendu):
    resultat = calculer_contribution(G, faits(population, annee=2026, groupement=True))
    assert montants(resultat) == {"groupement": D(attendu)}
    assert resultat.anomalies == ()
    ligne = resultat.lignes[0]
    assert ligne.libelle == "Groupement d'achats — contribution annuelle 2026"
    assert ligne.base.article == "art. 7.2.2"
    assert ligne.base.taux == D("0.25")


@pytest.mark.parametrize("population", [1000, 2355, 8000])
def test_T4_socle_complet_exempt_from_the_groupement(population):
    seul = calculer_contribution(G, faits(population, socle_complet=True))
    les_deux = calculer_contribution(G, faits(population, socle_complet=True, groupement=True))
    assert "groupement" not in montants(les_deux)
    assert les_deux.total == seul.total
    assert les_deux.anomalies == ()


# ---------------------------------------------------------------------------------------------
# T5 — déduction de l'audit
# ---------------------------------------------------------------------------------------------

AUDIT_2355 = AuditFacture(livre_le=date(2024, 3, 15), montant=D("3500"))


def test_T5_convention_example_then_the_following_year():
    kwargs = {"socle_complet": True, "date_effet_socle": date(2024, 6, 1), "audit": AUDIT_2355}
    premiere = calculer_contribution(G, faits(2355, annee=2024, **kwargs))
    assert montants(premiere) == {
        "socle_complet": D("5532.50"),
        "deduction_audit": D("-3500.00"),
    }
    assert premiere.total == D("2032.50")
    deduction = premiere.lignes[1]
    assert deduction.libelle == "Déduction du prix de l'audit (art. 7.2.1)"
    assert "15/03/2024" in texte_base(deduction.base)

    suivante = calculer_contribution(G, faits(2355, annee=2025, **kwargs))
    assert montants(suivante) == {"socle_complet": D("5532.50")}
    assert suivante.total == D("5532.50")


@pytest.mark.parametrize(
    ("livre_le", "fin"),
    [
        (date(2024, 3, 15), date(2024, 9, 15)),
        (date(2024, 8, 31), date(2025, 2, 28)),
        (date(2023, 8, 31), date(2024, 2, 29)),
        (date(2024, 7, 15), date(2025, 1, 15)),
        (date(2024, 12, 31), date(2025, 6, 30)),
        (date(2024, 6, 30), date(2024, 12, 30)),
        (date(2024, 1, 1), date(2024, 7, 1)),
    ],
)
def test_T5_end_of_the_window(livre_le, fin):
    assert fin_fenetre_t5(livre_le) == fin


@pytest.mark.parametrize(
    ("livre_le", "dernier_jour", "premier_jour_dehors"),
    [
        (date(2024, 3, 15), date(2024, 9, 15), date(2024, 9, 16)),
        (date(2024, 8, 31), date(2025, 2, 28), date(2025, 3, 1)),  # livré un 31
        (date(2023, 8, 31), date(2024, 2, 29), date(2024, 3, 1)),  # année bissextile
        (date(2024, 7, 15), date(2025, 1, 15), date(2025, 1, 16)),  # changement d'année
    ],
)
def test_T5_window_edges(livre_le, dernier_jour, premier_jour_dehors):
    audit = AuditFacture(livre_le=livre_le, montant=D("3500"))
    dedans = calculer_contribution(
        G,
        faits(
            2355,
            annee=dernier_jour.year,
            socle_complet=True,
            date_effet_socle=dernier_jour,
            audit=audit,
        ),
    )
    assert dedans.total == D("2032.50")
    dehors = calculer_contribution(
        G,
        faits(
            2355,
            annee=premier_jour_dehors.year,
            socle_complet=True,
            date_effet_socle=premier_jour_dehors,
            audit=audit,
        ),
    )
    assert "deduction_audit" not in montants(dehors)
    assert dehors.total == D("5532.50")


def test_T5_date_effet_before_the_delivery_qualifies():
    audit = AuditFacture(livre_le=date(2024, 5, 10), montant=D("3500"))
    resultat = calculer_contribution(
        G,
        faits(2355, annee=2024, socle_complet=True, date_effet_socle=date(2024, 1, 1), audit=audit),
    )
    assert montants(resultat)["deduction_audit"] == D("-3500.00")
    assert resultat.total == D("2032.50")


def test_T5_deduction_capped_at_the_socle_complet():
    # Un audit payé plus cher que le socle (ici par un tarif dérogatoire) : pas d'excédent.
    audit = calculer_audit(G, pop(1000), TarifDerogatoire(montant=D("9000"), base_legale="x"))
    assert audit.total == D("9000.00")
    facture = AuditFacture(livre_le=date(2024, 2, 1), montant=audit.total)
    resultat = calculer_contribution(
        G,
        faits(
            1000, annee=2024, socle_complet=True, date_effet_socle=date(2024, 3, 1), audit=facture
        ),
    )
    assert montants(resultat) == {"socle_complet": D("3000.00"), "deduction_audit": D("-3000.00")}
    assert resultat.total == D("0.00")
    assert "limitée" in texte_base(resultat.lignes[1].base)


def test_T5_audit_net_of_reduction():
    audit = AuditFacture(livre_le=date(2024, 3, 15), montant=D("3000.00"))
    resultat = calculer_contribution(
        G,
        faits(2355, annee=2024, socle_complet=True, date_effet_socle=date(2024, 4, 1), audit=audit),
    )
    assert resultat.total == D("2532.50")


def test_T5_no_deduction_without_a_socle_line():
    derog = {Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("20000"))}
    base = {"socle_complet": True, "date_effet_socle": date(2024, 4, 1), "audit": AUDIT_2355}
    # > 8 000 sans tarif dérogatoire : socle non tarifé, donc pas de déduction
    bloque = calculer_contribution(G, faits(9000, annee=2024, **base))
    assert bloque.lignes == ()
    assert bloque.total is None
    # avec tarif dérogatoire : la déduction s'applique à la ligne dérogatoire
    ok = calculer_contribution(G, faits(9000, annee=2024, derogations=derog, **base))
    assert montants(ok) == {"socle_complet": D("20000.00"), "deduction_audit": D("-3500.00")}
    # revue manquante : pas de ligne de socle, pas de déduction
    sans_revue = calculer_contribution(G, faits(2355, service_informatique=True, **base))
    assert sans_revue.lignes == ()


def test_T5_no_deduction_without_socle_or_without_date_effet():
    groupement = calculer_contribution(
        G, faits(2355, groupement=True, date_effet_socle=date(2024, 4, 1), audit=AUDIT_2355)
    )
    assert montants(groupement) == {"groupement": D("1838.75")}
    sans_date = calculer_contribution(G, faits(2355, socle_complet=True, audit=AUDIT_2355))
    assert montants(sans_date) == {"socle_complet": D("5532.50")}


# ---------------------------------------------------------------------------------------------
# T7 / T8 / T9 / T10
# ---------------------------------------------------------------------------------------------


def test_T7_socle_annexe_complet_audit_then_yearly_groupement():
    audit = calculer_audit(G, pop(2355))
    premiere_annee = calculer_contribution(G, faits(2355, annee=2024, groupement=True))
    annee_suivante = calculer_contribution(G, faits(2355, annee=2025, groupement=True))
    assert audit.total + premiere_annee.total == D("5338.75")
    assert annee_suivante.total == D("1838.75")


def test_T8_no_pro_rata():
    fin_decembre = calculer_contribution(
        G, faits(2355, socle_complet=True, date_effet_socle=date(2024, 12, 31))
    )
    assert fin_decembre.total == D("5532.50")


def test_T9_rounding_half_up():
    assert arrondir(D("0.005")) == D("0.01")
    assert arrondir(D("0.015")) == D("0.02")
    assert arrondir(D("2.675")) == D("2.68")
    assert arrondir(D("2.674999")) == D("2.67")
    assert arrondir(D("-0.005")) == D("-0.01")
    assert arrondir(D("5532.5")).as_tuple().exponent == -2


def test_T9_no_float():
    with pytest.raises(TypeError):
        arrondir(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LigneGrille(Service.AUDIT, G.lignes[0].tranche, part_fixe=990.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AuditFacture(date(2024, 1, 1), 3500.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        formater_euros(1.5)  # type: ignore[arg-type]


def test_T9_total_is_the_sum_of_the_lines_without_formula_zero():
    vide = calculer_contribution(G, faits(2355))
    assert vide.lignes == ()
    assert vide.anomalies == ()
    assert vide.total == D("0.00")
    assert vide.total.as_tuple().exponent == -2
    assert not vide.bloque


def test_T10_amounts_excluding_tax():
    # Aucune TVA ajoutée : le montant est celui du barème, HT.
    resultat = calculer_contribution(G, faits(2355, socle_complet=True))
    assert resultat.total == D("2000") + D("1.5") * 2355
    assert all("TVA" not in texte_base(ligne.base) for ligne in resultat.lignes)


# ---------------------------------------------------------------------------------------------
# M6 — tarifs dérogatoires et revue
# ---------------------------------------------------------------------------------------------


def test_M6_socle_beyond_8000_tarif_derogatoire_replaces_everything():
    derog = TarifDerogatoire(montant=D("20000"), base_legale="délibération n° 2024-40")
    resultat = calculer_contribution(
        G, faits(12000, socle_complet=True, derogations={Service.SOCLE_COMPLET: derog})
    )
    assert montants(resultat) == {"socle_complet": D("20000.00")}
    base = resultat.lignes[0].base
    assert base.part_fixe is None and base.taux is None
    texte = texte_base(base)
    assert f"tarif dérogatoire 20{NB}000,00{NB}€" in texte
    assert "délibération n° 2024-40" in texte


def test_M6_tarif_derogatoire_without_amount_is_not_enough():
    derog = TarifDerogatoire(jours=D("10"))
    resultat = calculer_contribution(
        G, faits(12000, socle_complet=True, derogations={Service.SOCLE_COMPLET: derog})
    )
    assert codes_anomalies(resultat) == ["tarif_derogatoire_manquant"]


def test_M6_service_informatique_without_review_blocks_the_socle():
    resultat = calculer_contribution(G, faits(2355, socle_complet=True, service_informatique=True))
    assert resultat.lignes == ()
    assert codes_anomalies(resultat) == ["revue_manquante"]
    assert resultat.anomalies[0].bloquante
    assert resultat.total is None


def test_M6_service_informatique_with_review_applies_the_bareme():
    revue = Revue(date(2024, 2, 12), "intégration possible")
    resultat = calculer_contribution(
        G, faits(2355, socle_complet=True, service_informatique=True, revue=revue)
    )
    assert resultat.total == D("5532.50")
    assert "revue du 12/02/2024 : intégration possible" in texte_base(resultat.lignes[0].base)


def test_M6_service_informatique_with_review_and_tarif_derogatoire():
    revue = Revue(date(2024, 2, 12), "moyens propres importants")
    derog = {Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("4000"), base_legale="décision")}
    resultat = calculer_contribution(
        G,
        faits(2355, socle_complet=True, service_informatique=True, revue=revue, derogations=derog),
    )
    assert montants(resultat) == {"socle_complet": D("4000.00")}


def test_M6_tarif_derogatoire_under_8000_replaces_the_bareme():
    derog = {Service.SOCLE_COMPLET: TarifDerogatoire(montant=D("4000.456"))}
    resultat = calculer_contribution(G, faits(2355, socle_complet=True, derogations=derog))
    assert resultat.total == D("4000.46")


def test_M6_review_concerns_only_the_socle_complet():
    groupement = calculer_contribution(G, faits(2355, groupement=True, service_informatique=True))
    assert groupement.anomalies == ()
    assert groupement.total == D("1838.75")
    # au-delà de 8 000, c'est le tarif dérogatoire qui est exigé, pas la revue
    grande = calculer_contribution(G, faits(9000, socle_complet=True, service_informatique=True))
    assert codes_anomalies(grande) == ["tarif_derogatoire_manquant"]


def test_M6_article_7_lines_derogation_required_beyond_8000():
    for ligne in G.lignes:
        attendu = ligne.tranche.libelle == "plus de 8 000" and ligne.service != Service.GROUPEMENT
        assert ligne.derogation_requise is attendu, ligne
    articles = {ligne.service: ligne.article for ligne in G.lignes}
    assert articles == {
        Service.SOCLE_COMPLET: "art. 7.1",
        Service.AUDIT: "art. 7.2.1",
        Service.GROUPEMENT: "art. 7.2.2",
        Service.NIVEAU1: "art. 3.2.2 et 7.1.1",
    }


def test_M6_negative_tarif_derogatoire_refused():
    with pytest.raises(ValueError):
        TarifDerogatoire(montant=D("-1"))


# ---------------------------------------------------------------------------------------------
# Formatage
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("montant", "texte"),
    [
        (D("5532.5"), f"5{NB}532,50{NB}€"),
        (D("-3500"), f"-3{NB}500,00{NB}€"),
        (D("0"), f"0,00{NB}€"),
        (D("-0.001"), f"0,00{NB}€"),
        (D("999.999"), f"1{NB}000,00{NB}€"),
        (D("1234567.891"), f"1{NB}234{NB}567,89{NB}€"),
        (D("0.25"), f"0,25{NB}€"),
    ],
)
def test_T9_formater_euros(montant, texte):
    assert formater_euros(montant) == texte


@pytest.mark.parametrize(
    ("nombre", "decimales", "texte"),
    [
        (2355, None, f"2{NB}355"),
        (999, None, "999"),
        (1000, None, f"1{NB}000"),
        (D("1.50"), None, "1,50"),
        (D("2.5"), None, "2,5"),
        (D("2.5"), 2, "2,50"),
        (D("1234.5"), 0, f"1{NB}235"),
        (-1234567, None, f"-1{NB}234{NB}567"),
    ],
)
def test_T9_formater_nombre(nombre, decimales, texte):
    assert formater_nombre(nombre, decimales) == texte


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_T9_formater_euros_reads_back(montant):
    texte = formater_euros(montant)
    assert texte.endswith(f"{NB}€")
    relu = D(texte.removesuffix(f"{NB}€").replace(NB, "").replace(",", "."))
    assert relu == arrondir(montant)


# ---------------------------------------------------------------------------------------------
# Propriétés (hypothesis)
# ---------------------------------------------------------------------------------------------

montants_st = st.decimals(min_value=0, max_value=50000, places=2, allow_nan=False)
dates_st = st.dates(min_value=date(2021, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def derogations_st(draw):
    resultat = {}
    for service in draw(st.sets(st.sampled_from(list(Service)))):
        resultat[service] = TarifDerogatoire(
            montant=draw(st.none() | montants_st),
            jours=draw(st.none() | st.decimals(min_value=0, max_value=30, places=1)),
            base_legale=draw(st.sampled_from(["", "délibération 2024-01"])),
        )
    return resultat


@st.composite
def faits_st(draw):
    socle_complet = draw(st.booleans())
    entrees = draw(st.lists(st.tuples(st.integers(1, 2), st.integers(0, 300)), max_size=30))
    lot = tuple(SaisieVolume(n, avant) for n, avant in entrees)
    return Faits(
        annee=draw(st.integers(2022, 2027)),
        population=draw(
            st.none() | st.builds(PopulationRetenue, st.integers(0, 30000), st.integers(2018, 2025))
        ),
        socle_complet=socle_complet,
        groupement=draw(st.booleans()),
        date_effet_socle=draw(st.none() | dates_st),
        audit=draw(st.none() | st.builds(AuditFacture, dates_st, montants_st)),
        demi_journees=sum(n for n, _ in entrees),
        demi_journees_diagnostic=draw(st.integers(0, 10)),
        saisies_volume=lot,
        service_informatique=draw(st.booleans()),
        revue=draw(st.none() | st.builds(Revue, dates_st, st.just("favorable"))),
        derogations=draw(derogations_st()),
    )


@settings(max_examples=300, deadline=None)
@given(faits_st(), st.sampled_from([G, GD]))
def test_T9_property_total_is_the_sum_of_the_lines_with_two_decimals(f, grille):
    resultat = calculer_contribution(grille, f)
    assert resultat.bloque == any(a.bloquante for a in resultat.anomalies)
    for ligne in resultat.lignes:
        assert isinstance(ligne.montant, Decimal)
        assert ligne.montant.as_tuple().exponent == -2
        assert texte_base(ligne.base)
    if resultat.bloque:
        assert resultat.total is None
    else:
        assert resultat.total == sum((ligne.montant for ligne in resultat.lignes), D("0"))
        assert resultat.total.as_tuple().exponent == -2


@settings(max_examples=300, deadline=None)
@given(faits_st(), st.sampled_from([G, GD]))
def test_T9_property_signs_of_the_lines(f, grille):
    resultat = calculer_contribution(grille, f)
    lignes = montants(resultat)
    for code, montant in lignes.items():
        if code == "deduction_audit":
            assert montant <= 0
        else:
            assert montant >= 0, code
    if "deduction_audit" in lignes:
        assert "socle_complet" in lignes
        assert lignes["socle_complet"] + lignes["deduction_audit"] >= 0
        assert -lignes["deduction_audit"] <= arrondir(f.audit.montant)
    if not resultat.bloque:
        assert resultat.total >= 0


@settings(max_examples=300, deadline=None)
@given(faits_st(), st.sampled_from([G, GD]))
def test_T4_property_never_groupement_with_the_socle(f, grille):
    resultat = calculer_contribution(grille, f)
    if f.socle_complet:
        assert "groupement" not in montants(resultat)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_T5_property_six_month_window(livre_le):
    fin = fin_fenetre_t5(livre_le)
    assert fin > livre_le
    assert (fin.year * 12 + fin.month) - (livre_le.year * 12 + livre_le.month) == 6
    assert fin.day <= livre_le.day
    if fin.day < livre_le.day:  # jour ramené à la fin du mois
        assert fin.day == calendar.monthrange(fin.year, fin.month)[1]


def _total_formule(formule: str, p: int) -> Decimal:
    population = pop(p)
    if formule == "audit":
        return calculer_audit(G, population).total
    if formule == "socle annexe complet":  # T7 : audit + groupement de la première année
        audit = calculer_audit(G, population).total
        return audit + calculer_contribution(G, Faits(2024, population, groupement=True)).total
    kwargs = {
        "socle": {"socle_complet": True},
        "groupement": {"groupement": True},
        "socle et groupement": {"socle_complet": True, "groupement": True},
    }[formule]
    return calculer_contribution(G, Faits(2024, population, **kwargs)).total


PLAFOND_TARIFE = {
    "socle": 8000,
    "audit": 8000,
    "socle et groupement": 8000,
    "socle annexe complet": 8000,
    "groupement": 10**6,
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PLAFOND_TARIFE)), st.data())
def test_T1_T2_T3_property_total_increases_with_the_population(formule, data):
    plafond = PLAFOND_TARIFE[formule]
    p1 = data.draw(st.integers(0, plafond))
    p2 = data.draw(st.integers(p1, plafond))
    t1, t2 = _total_formule(formule, p1), _total_formule(formule, p2)
    assert t1 is not None and t2 is not None
    assert t1 <= t2


@pytest.mark.parametrize("formule", sorted(PLAFOND_TARIFE))
def test_T1_T2_T3_total_increases_at_the_boundaries(formule):
    points = [p for p in FRONTIERES if p <= PLAFOND_TARIFE[formule]]
    totaux = [_total_formule(formule, p) for p in points]
    assert totaux == sorted(totaux)
