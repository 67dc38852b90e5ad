"""R1 (bilan annuel) and R2 (staffing target): the pure target, the bilan's figures tied back
to the calculator and the titres, the "what if" simulation, and the charts."""

from datetime import date
from decimal import Decimal

import pytest

from outils.graphiques import Barre, Serie, Seuil, barres_groupees, barres_horizontales
from pilotage import bilan as module_bilan
from pilotage import cible
from pilotage.cible import MONTANT_ETP, Cible, cible_etp, prochain_palier
from tarification.contribution import contributions, prix_audit_retenu
from tarification.models import LigneTitre, TitreDeRecettes
from tests.pilotage.test_bilan_jeu import ANNEE, construire

D = Decimal


# =============================================================================================
# R2 — the staffing target, pure
# =============================================================================================


@pytest.mark.parametrize(
    ("nb_socle", "etp"),
    [(0, 0), (1, 1), (9, 1), (10, 2), (20, 2), (21, 3), (31, 3)],
)
def test_R2_tiers_by_the_communes_with_socle_complet(nb_socle, etp):
    assert cible_etp(nb_socle) == Cible(etp, MONTANT_ETP * etp)
    assert cible_etp(nb_socle).montant == D("40000.00") * etp


def test_R2_zero_commune_with_socle_complet_but_members_one_etp():
    # "1 ETP … dès la 1re commune adhérente": a member without the socle complet counts.
    assert cible_etp(0, nb_membres=1) == Cible(1, D("40000.00"))
    assert cible_etp(0, nb_membres=0) == Cible(0, D("0.00"))


@pytest.mark.parametrize(
    ("nb_socle", "nb_membres", "etp"),
    [(1, 31, 1), (9, 31, 1), (10, 10, 2), (10, 31, 2), (20, 31, 2), (21, 21, 3), (21, 31, 3)],
)
def test_R2_only_communes_with_socle_complet_move_up_the_tiers(nb_socle, nb_membres, etp):
    assert cible_etp(nb_socle, nb_membres=nb_membres).etp == etp


def test_R2_target_amount_per_tier():
    montants = [cible_etp(n).montant for n in (1, 9, 10, 20, 21)]
    assert montants == [D("40000.00")] * 2 + [D("80000.00")] * 2 + [D("120000.00")]


@pytest.mark.parametrize(
    ("nb_socle", "kwargs"),
    [(-1, {}), (True, {}), (1.0, {}), (5, {"nb_membres": 4}), (2, {"nb_membres": -1})],
)
def test_R2_invalid_numbers_refused(nb_socle, kwargs):
    with pytest.raises(ValueError):
        cible_etp(nb_socle, **kwargs)


@pytest.mark.parametrize(("nb_socle", "suivant"), [(0, 10), (9, 10), (10, 21), (20, 21)])
def test_R2_next_tier(nb_socle, suivant):
    assert prochain_palier(nb_socle).socle_min == suivant


def test_R2_no_tier_beyond_three_etp():
    assert prochain_palier(21) is None


def test_R2_coverage_gap_and_percentage():
    couverture = cible.Couverture("x", D("30000.00"), cible_etp(1))
    assert couverture.ecart == D("-10000.00")
    assert couverture.pourcentage == 75
    assert not couverture.atteinte
    assert cible.Couverture("x", D("1.00"), cible_etp(0)).pourcentage is None


# =============================================================================================
# Charts (servicecommun/graphiques.py): pure SVG with a text alternative
# =============================================================================================


def test_bar_chart_has_an_escaped_text_alternative():
    svg = barres_horizontales(
        "Contributions <2024>",
        [Barre("Allaire & co", D("5532.50")), Barre("Déduction", D("-3500.00"))],
        seuils=(Seuil("2 ETP", D("80000")),),
        ident="essai",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="essai-t essai-d"' in svg
    assert '<title id="essai-t">Contributions &lt;2024&gt;</title>' in svg
    assert "Allaire &amp; co : 5\u00a0532,50\u00a0€" in svg
    assert "Repères : 2 ETP : 80\u00a0000,00\u00a0€" in svg
    assert 'width="-' not in svg  # a negative bar is not drawn


def test_grouped_bar_chart_legend_and_missing_values():
    svg = barres_groupees(
        "Par prestation",
        ["Socle complet", "Audit"],
        [Serie("Estimé", (D("100.00"), D("50.00"))), Serie("Émis", (D("90.00"), None))],
    )
    assert "Socle complet : Estimé 100,00\u00a0€, Émis 90,00\u00a0€" in svg
    assert "Audit : Estimé 50,00\u00a0€, Émis —" in svg
    assert svg.count("<rect") == 2 + 4  # legend + one bar per value


def test_grouped_bar_chart_refuses_an_incomplete_series():
    with pytest.raises(ValueError, match="une valeur par catégorie"):
        barres_groupees("x", ["a", "b"], [Serie("s", (D(1),))])


# =============================================================================================
# R1 — the bilan's figures tie back to the calculator and the titres
# =============================================================================================


@pytest.fixture
def jeu(emetteur, agent_dsi, django_capture_on_commit_callbacks, dotation_individuelle):
    with django_capture_on_commit_callbacks(execute=False):
        return construire(2, par=agent_dsi)


def _net_des_titres(annee, **filtres):
    total = D("0.00")
    for titre in TitreDeRecettes.objects.emis().filter(annee=annee, **filtres):
        total += titre.total
    return total


@pytest.mark.django_db
def test_R1_estimated_equals_the_calculator_to_the_euro_and_to_the_cent(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    contribs = contributions(ANNEE)
    attendu = sum(
        (c.resultat.total for c in contribs.values() if c.resultat.total is not None), D("0")
    )
    audits = [b["D"].adhesions.get(formule="audit") for b in jeu["blocs"]]
    attendu += sum((prix_audit_retenu(a) for a in audits), D("0"))
    assert bilan.total_estime == attendu
    for membre in bilan.membres:
        contribution = contribs[membre.commune.pk]
        if membre.bloque:
            assert membre.estime is None
            assert contribution.resultat.bloque
        elif membre.audit_estime is None:
            assert membre.estime == contribution.resultat.total


@pytest.mark.django_db
def test_R1_issued_equals_titres_net_of_reductions_and_annulations(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    net = _net_des_titres(ANNEE, nature__in=["contribution", "audit"])
    net += _net_des_titres(ANNEE, nature__in=["reduction", "annulation"])
    assert bilan.total_emis == net
    assert jeu["reduction"].total == D("-100.00")
    a0 = next(m for m in bilan.membres if m.commune == jeu["blocs"][0]["A"])
    assert a0.emis == jeu["titre_a"].total - D("100.00")
    assert a0.estime == jeu["titre_a"].total  # the estimate does not see the réduction
    b0 = next(m for m in bilan.membres if m.commune == jeu["blocs"][0]["B"])
    assert b0.emis == D("0.00")  # annulled
    assert b0.exercices == [2025]
    # By service, the issued amounts are the titre lines' (corrections netted).
    par_code = {p.prestation.code: p.emis for p in bilan.prestations}
    for code, montant in par_code.items():
        attendu = sum(
            (
                ligne.montant
                for ligne in LigneTitre.objects.filter(
                    code=code, titre__statut="emis", titre__annee=ANNEE
                )
            ),
            D("0"),
        )
        assert montant == attendu, code
    assert sum(par_code.values()) == bilan.total_emis


@pytest.mark.django_db
def test_R1_per_member_formulas_exercices_niveau1_and_groupements(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    membres = {m.commune.pk: m for m in bilan.membres}
    bloc = jeu["blocs"][1]
    a, b, c, d, e = (membres[bloc[k].pk] for k in "ABCDE")
    assert a.formules == "socle complet" and a.socle_complet
    assert d.formules == "socle annexe — audit, puis socle complet"
    assert a.demi_journees == 12 and a.dotation == D("9")
    assert c.demi_journees == 2
    assert b.groupements == ["Téléphonie mobile (test)"] and a.groupements == []
    assert d.exercices == [2024, 2025]  # the audit titre (2024) and the campaign's (2025)
    assert [t.titre.nature for t in d.titres] == ["audit", "contribution"]
    assert d.lignes_estimees["deduction_audit"] == -d.audit_estime
    assert e.bloque and e.estime is None and e.emis is None
    assert "revue des moyens manquante" in e.anomalies[0]
    assert bilan.nb_membres == 10 and bilan.nb_socle_complet == 8
    assert [(f.formule, f.nb_membres) for f in bilan.membres_par_formule] == [
        ("socle_complet", 8),
        ("audit", 2),
        ("groupement", 2),
        ("annexe_complet", 0),
    ]
    assert sum(m.nb_membres for m in bilan.montants_par_formules) == 10
    assert sum(m.estime for m in bilan.montants_par_formules) == bilan.total_estime


@pytest.mark.django_db
def test_R1_niveau1_and_groupements_of_the_year(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    pool = bilan.niveau1.pool
    assert pool.consommees == D("22")  # (9 + 2) × 2 blocks within the allowances
    assert pool.au_dela == D("6")
    assert bilan.niveau1.montant_total == D("1200.00")
    (groupement,) = bilan.groupements
    assert len(groupement.membres) == 4
    assert groupement.montant_besoins == D("11000.00")
    assert bilan.montant_besoins_groupements == D("11000.00")


@pytest.mark.django_db
def test_R1_titres_issued_reduced_cancelled(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    lignes = {ligne.nature: ligne for ligne in bilan.titres_par_nature}
    contribution = lignes["contribution"]
    issued = TitreDeRecettes.objects.filter(bordereau=jeu["campagne"].bordereau)
    assert contribution.nb_emis == issued.count() == 8  # A, B, C, D; E is blocked (M6)
    assert contribution.montant_emis == sum(t.total for t in issued)
    assert (contribution.nb_reductions, contribution.montant_reductions) == (1, D("-100.00"))
    assert (contribution.nb_annulations, contribution.montant_annulations) == (
        1,
        jeu["annulation"].total,
    )
    assert lignes["audit"].nb_emis == 2
    assert bilan.total_titres.net == bilan.total_emis


@pytest.mark.django_db
def test_R1_year_with_nothing():
    bilan = module_bilan.bilan_annuel(2031)
    assert bilan.membres == [] and bilan.total_estime == D("0.00")
    assert bilan.total_emis is None
    assert bilan.cible == Cible(0, D("0.00"))
    assert "aucun titre de contribution" in bilan.source_montants


@pytest.mark.django_db
def test_R2_target_of_the_year_against_the_contributions(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    assert bilan.cible == Cible(1, D("40000.00"))  # 8 socle complet communes
    estimees, emises = bilan.couvertures
    assert estimees.montant == bilan.total_estime and emises.montant == bilan.total_emis
    assert emises.ecart == bilan.total_emis - D("40000.00")


@pytest.mark.django_db
def test_R2_member_counts_if_in_force_a_single_day(
    commune_factory, adhesion_factory, population_factory
):
    from membres.actes import resilier

    commune = commune_factory()
    population_factory(commune, 2025, 2355)
    adhesion = adhesion_factory(commune, date_effet=date(2024, 1, 1))
    resilier(adhesion=adhesion, notifiee_le=date(2023, 12, 1), date_convenue=date(2025, 1, 1))
    bilan = module_bilan.bilan_annuel(2025)
    assert (bilan.nb_membres, bilan.nb_socle_complet) == (1, 1)
    assert module_bilan.bilan_annuel(2026).nb_membres == 0


# =============================================================================================
# R2 — "what if"
# =============================================================================================


@pytest.mark.django_db
def test_R2_simulation_without_change_equals_the_bilan(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    simulation = bilan.simuler()
    assert simulation.total_avant == simulation.total_apres == bilan.total_estime
    assert simulation.nb_socle_avant == bilan.nb_socle_complet
    assert simulation.cible_avant == bilan.cible


@pytest.mark.django_db
def test_R2_simulation_one_commune_joins_another_leaves(jeu, commune_factory):
    from membres.models import Population

    bilan = module_bilan.bilan_annuel(ANNEE)
    b = jeu["blocs"][0]["B"]  # groupement 1 200 inhabitants
    a = jeu["blocs"][0]["A"]  # socle complet 2 355 inhabitants, 12 half-days
    nouvelle = commune_factory(nom="Nouvelle")  # not a member
    Population.objects.create(commune=nouvelle, annee=ANNEE, valeur=2355, millesime=2021)
    simulation = bilan.simuler(rejoignent=[b.pk, nouvelle.pk], quittent=[a.pk])
    changements = {c.commune.pk: c for c in simulation.changements}
    # B: socle complet 1 500 + 1,50 × 1 200 = 3 300,00, the groupement exempted (T4).
    assert changements[b.pk].apres == D("3300.00")
    assert changements[nouvelle.pk].avant == D("0.00")
    assert changements[nouvelle.pk].apres == D("5532.50")  # the convention's example (T1)
    # A leaves everything: out of the service, nothing due, not a member any more.
    assert changements[a.pk].apres == D("0.00")
    assert simulation.nb_membres_apres == simulation.nb_membres_avant + 1 - 1
    assert simulation.nb_socle_apres == simulation.nb_socle_avant + 2 - 1
    ecart = sum(c.apres - c.avant for c in simulation.changements)
    assert simulation.total_apres == simulation.total_avant + ecart


@pytest.mark.django_db
def test_R2_simulation_ten_communes_on_the_socle_make_two_etp(jeu, commune_factory):
    from membres.models import Population

    bilan = module_bilan.bilan_annuel(ANNEE)
    assert bilan.nb_socle_complet == 8
    autres = []
    for i in range(2):
        commune = commune_factory(nom=f"Candidate {i}")
        Population.objects.create(commune=commune, annee=ANNEE, valeur=900, millesime=2021)
        autres.append(commune.pk)
    simulation = bilan.simuler(rejoignent=autres[:1])
    assert (simulation.nb_socle_apres, simulation.cible_apres.etp) == (9, 1)
    simulation = bilan.simuler(rejoignent=autres)
    assert (simulation.nb_socle_apres, simulation.cible_apres.etp) == (10, 2)
    assert simulation.cible_apres.montant == D("80000.00")


@pytest.mark.django_db
def test_R2_simulation_keeps_the_blocking_anomalies(jeu, commune_factory):
    bilan = module_bilan.bilan_annuel(ANNEE)
    sans_population = commune_factory(nom="Sans population")
    simulation = bilan.simuler(rejoignent=[sans_population.pk])
    (changement,) = simulation.changements
    assert changement.apres is None
    assert "population" in changement.anomalies[0].lower()
    assert simulation.total_apres == simulation.total_avant
    assert simulation.bloques_apres == simulation.bloques_avant + 1


@pytest.mark.django_db
def test_R2_inconsistent_simulation_refused(jeu):
    bilan = module_bilan.bilan_annuel(ANNEE)
    a, b = jeu["blocs"][0]["A"], jeu["blocs"][0]["B"]
    with pytest.raises(ValueError, match="à la fois"):
        bilan.simuler(rejoignent=[a.pk], quittent=[a.pk])
    with pytest.raises(ValueError, match="déjà le socle complet"):
        bilan.simuler(rejoignent=[a.pk])
    with pytest.raises(ValueError, match="n'a pas le socle complet"):
        bilan.simuler(quittent=[b.pk])
