"""B4 (revised) — no euro lost: a campaign run after a change bills the difference between what
the calculator gives now and what is billed net of corrections, per (member, year, service):
an increase by a titre complémentaire, a decrease by a réduction of the titre concerned (same
exercice) or, once that exercice is closed, a mandat request at account 673 that counts as a
correction. Complements and réductions travel in bordereaux of their own. And the property:
after any sequence of changes and campaigns, billed net equals computed, to the cent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membres.models import Adhesion, Commune, Population
from missions.models import Intervention, Mission
from outils.historique import autoriser_correction
from tarification.campagne import actes as actes_campagne
from tarification.campagne import apercu as module_apercu
from tarification.campagne.apercu_json import membre_en_json
from tarification.contribution import contributions
from tarification.deja_facture import lignes_de_l_annee, reste
from tarification.models import Bordereau, DemandeMandat, TitreDeRecettes, VersionBareme
from tarification.titres import corrections

pytestmark = pytest.mark.django_db
D = Decimal
Nature = TitreDeRecettes.Nature

FEVRIER = date(2026, 2, 10)  # the 2025 campaign, exercice 2026
MARS = date(2026, 3, 16)
NOVEMBRE = date(2026, 11, 2)
MARS_2027 = date(2027, 3, 1)  # exercice 2026 closed (journée complémentaire: 31/01/2027)


@pytest.fixture
def saisir(agent_dsi):
    """Half-days of 2025 on a signed mission of the member (entries bypass the daily checks:
    the campaign, not the entry form, is what is tested)."""

    def creer(commune, jour, demi_journees=2, diagnostic=False):
        mission, _ = Mission.objects.get_or_create(
            commune=commune,
            diagnostic=diagnostic,
            defaults={
                "objet": "Accompagnement",
                "debut": date(2025, 1, 1),
                "fin": date(2025, 12, 31),
                "statut": Mission.Statut.SIGNEE,
                "signee_le": date(2024, 12, 1),
            },
        )
        return Intervention.objects.create(
            mission=mission, date=jour, agent=agent_dsi, demi_journees=demi_journees
        )

    return creer


def corriger(queryset, **valeurs):
    """A correction of rows that priced titres (P1 revised), as the correction act makes it:
    the PostgreSQL triggers let it pass for this transaction only."""
    with transaction.atomic(), autoriser_correction():
        queryset.update(**valeurs)


def campagne(jour, **kwargs):
    return actes_campagne.emettre_campagne(
        annee=2025, par=None, date_emission=jour, aujourd_hui=jour, **kwargs
    )


def _membre(apercu, commune):
    return next(m for m in apercu.membres if m.commune.pk == commune.pk)


def apercu(jour):
    return module_apercu.apercu(annee=2025, aujourd_hui=jour)


def net_facture(annee=2025) -> dict:
    """What is billed net of corrections, per (member, service)."""
    net: dict = {}
    for ligne in lignes_de_l_annee(annee=annee, communes=Commune.objects.all()):
        cle = (ligne.commune_id, ligne.service)
        net[cle] = net.get(cle, D("0.00")) + reste(ligne)
    return {cle: montant for cle, montant in net.items() if montant != 0}


def calcule(annee=2025) -> dict:
    return {
        (pk, ligne.code): ligne.montant
        for pk, c in contributions(annee).items()
        for ligne in c.resultat.lignes
        if ligne.montant != 0
    }


@pytest.fixture
def petit_volume(db):
    """A pool of 3 days (6 half-days) so that a test exhausts it with a few entries."""
    VersionBareme.objects.update(pool_jours=D("3"))


# --- Complements ------------------------------------------------------------------------------


def test_B4_a_late_half_day_is_billed_by_a_complement(emetteur, membre, saisir, petit_volume):
    commune = membre(nom="Allaire")
    for jour in range(3):
        saisir(commune, date(2025, 3, 3 + jour))  # 6 half-days: the pool, used up
    saisir(commune, date(2025, 4, 1), demi_journees=1)  # the first one past it
    premiere = campagne(FEVRIER)
    (titre,) = premiere.bordereau.titres.all()
    assert titre.total == D("5732.50")  # 5 532,50 + one half-day past the pool

    # Two more half-days recorded after the campaign (time entered late).
    saisir(commune, date(2025, 12, 15))
    membre_apercu = _membre(apercu(MARS), commune)
    assert membre_apercu.statut == module_apercu.A_EMETTRE
    assert (membre_apercu.calcule, membre_apercu.deja_facture, membre_apercu.a_emettre) == (
        D("6132.50"),
        D("5732.50"),
        D("400.00"),
    )
    niveau1 = membre_en_json(membre_apercu)["lignes"][1]
    assert (niveau1["montant"], niveau1["deja_facture"], niveau1["ecart"]) == (
        "600.00",
        "200.00",
        "400.00",
    )
    assert niveau1["motif"] == (
        "facturé 200,00\u00a0€, calculé 600,00\u00a0€, écart 400,00\u00a0€ : demi-journées "
        "facturables ajoutées : 1 → 3 ; titre complémentaire"
    )

    seconde = campagne(MARS)
    assert seconde.bordereau is None  # no ordinary titre in this run
    (bordereau,) = seconde.bordereaux.all()
    assert bordereau.genre == Bordereau.Genre.COMPLEMENTS
    (complement,) = bordereau.titres.all()
    assert complement.nature == Nature.COMPLEMENT and complement.total == D("400.00")
    assert complement.imputation == "70875"  # the contribution's (B6)
    assert complement.exercice == 2026 and complement.numero == titre.numero + 1
    (ligne,) = complement.lignes.all()
    assert (ligne.code, ligne.service, ligne.annee) == ("niveau1_demi_journees",) * 2 + (2025,)
    assert ligne.base_texte.startswith("Complément de « Niveau 1 — demi-journées au-delà du ")
    assert f"déjà facturé par le titre n° {titre.numero} (exercice 2026)" in ligne.base_texte
    assert "base : art. 3.2.2 et 7.1.1 : 1 demi-journées × 200,00" in ligne.base_texte
    assert "dû 600,00\u00a0€ (base : art. 3.2.2 et 7.1.1 : 3 demi-journées" in ligne.base_texte
    # The original never changed; a third run bills nothing.
    titre.refresh_from_db()
    assert titre.total == D("5732.50")
    assert campagne(MARS) is None
    assert _membre(apercu(MARS), commune).statut == module_apercu.A_JOUR


def test_P1_B4_a_population_corrected_after_issue_is_billed_with_its_reason(emetteur, membre):
    commune = membre(nom="Allaire")  # 2 355 inhabitants
    campagne(FEVRIER)
    corriger(Population.objects.filter(commune=commune, annee=2025), valeur=2400)
    socle = _membre(apercu(MARS), commune).elements[0]
    assert socle.ecart == D("67.50")  # 1,50 € × 45
    assert socle.raison() == "population corrigée : 2\u00a0355 → 2\u00a0400 hab."
    complement = campagne(MARS).bordereaux.get().titres.get()
    ligne = complement.lignes.get()
    # The structured base is the base now; the text says then and now.
    assert (ligne.population, ligne.millesime, ligne.montant) == (2400, 2022, D("67.50"))
    assert "2\u00a0355 hab." in ligne.base_texte and "2\u00a0400 hab." in ligne.base_texte
    # Corrected back: a réduction of the complement, the latest line billing the item.
    corriger(Population.objects.filter(commune=commune, annee=2025), valeur=2355)
    reduction = campagne(MARS).bordereaux.get().titres.get()
    assert reduction.nature == Nature.REDUCTION and reduction.corrige == complement
    assert reduction.total == D("-67.50")
    assert net_facture() == calcule()


# --- Decreases: réduction in the same exercice, mandat once it is closed ----------------------


def test_B4_an_intervention_deleted_after_billing_is_reduced_in_its_exercice(
    emetteur, membre, saisir, petit_volume
):
    commune = membre(nom="Allaire")
    entrees = [saisir(commune, date(2025, 3, 3 + i)) for i in range(4)]  # 8: 2 past the pool
    (titre,) = campagne(FEVRIER).bordereau.titres.all()
    assert titre.total == D("5932.50")
    entrees[-1].delete()  # recorded by mistake: the member was over-billed

    membre_apercu = _membre(apercu(NOVEMBRE), commune)
    assert membre_apercu.a_emettre == D("-400.00")
    assert membre_en_json(membre_apercu)["lignes"][1]["motif"].endswith(
        "demi-journées facturables retirées : 2 → 0 ; réduction de 400,00\u00a0€ du titre "
        f"n° {titre.numero} (exercice 2026) du 10/02/2026"
    )
    run = campagne(NOVEMBRE)
    (bordereau,) = run.bordereaux.all()
    assert bordereau.genre == Bordereau.Genre.REDUCTIONS and bordereau.exercice == 2026
    (reduction,) = bordereau.titres.all()
    assert reduction.nature == Nature.REDUCTION and reduction.corrige == titre
    assert reduction.total == D("-400.00") and reduction.exercice == titre.exercice
    assert reduction.motif.startswith("Régularisation de la contribution 2025 par la campagne")
    (ligne,) = reduction.lignes.all()
    assert ligne.ligne_corrigee == titre.lignes.get(code="niveau1_demi_journees")
    assert "n'est plus dû" in ligne.base_texte
    assert not DemandeMandat.objects.exists()
    assert _membre(apercu(NOVEMBRE), commune).statut == module_apercu.A_JOUR


def test_B4_a_decrease_on_a_closed_exercice_is_a_mandat_request_that_counts(
    emetteur, membre, saisir, petit_volume
):
    commune = membre(nom="Allaire")
    entrees = [saisir(commune, date(2025, 3, 3 + i)) for i in range(4)]
    (titre,) = campagne(FEVRIER).bordereau.titres.all()
    entrees[-1].delete()

    # 1 March 2027: exercice 2026 is closed; the decrease cannot be a negative titre.
    with pytest.raises(ValidationError, match="exercice 2026, clos le 31/01/2027"):
        corrections.reduire_titre(
            titre=titre, motif="essai", montant=D("1"), par=None, aujourd_hui=MARS_2027
        )
    motif = membre_en_json(_membre(apercu(MARS_2027), commune))["lignes"][1]["motif"]
    assert motif.endswith(
        "demande de mandat au compte 673 de 400,00\u00a0€ sur le titre n° "
        f"{titre.numero} (exercice 2026) du 10/02/2026 (exercice clos)"
    )
    run = campagne(MARS_2027)
    assert (
        not run.bordereaux.exists()
        and not TitreDeRecettes.objects.filter(nature=Nature.REDUCTION).exists()
    )
    (demande,) = run.demandes_mandat.all()
    assert (demande.titre, demande.montant, demande.compte, demande.etat) == (
        titre,
        D("400.00"),
        "673",
        DemandeMandat.Etat.DEMANDEE,
    )
    assert demande.ligne.code == "niveau1_demi_journees" and demande.demandee_le == MARS_2027
    # Requested, it counts as a correction: nothing more to do.
    assert net_facture() == calcule()
    assert _membre(apercu(MARS_2027), commune).statut == module_apercu.A_JOUR
    assert campagne(MARS_2027) is None
    # Refused, it no longer counts: the difference is shown again.
    corrections.refuser_mandat(demande=demande, motif="pièce manquante", le=MARS_2027, par=None)
    assert _membre(apercu(MARS_2027), commune).a_emettre == D("-400.00")
    corrections.enregistrer_mandat(
        demande=campagne(MARS_2027).demandes_mandat.get(),
        numero_mandat="M-2027-12",
        le=MARS_2027,
        par=None,
    )
    assert DemandeMandat.objects.en_vigueur().get().etat == DemandeMandat.Etat.EMISE
    assert net_facture() == calcule()


def test_B4_a_formula_changed_after_issue_reduces_one_item_and_completes_another(emetteur, membre):
    commune = membre(nom="Redon", formule="groupement")
    (titre,) = campagne(FEVRIER).bordereau.titres.all()
    assert [ligne.code for ligne in titre.lignes.all()] == ["groupement"]
    # The adhesion was recorded with the wrong formula: it is the socle complet.
    corriger(Adhesion.objects.filter(commune=commune), formule="socle_complet")
    membre_apercu = _membre(apercu(MARS), commune)
    motifs = {e.code: membre_apercu.motif_element(e) for e in membre_apercu.elements}
    assert (
        "nouvel élément (formule ou adhésion modifiée) ; titre complémentaire"
        in (motifs["socle_complet"])
    )
    assert "n'est plus dû (formule ou adhésion modifiée) ; réduction" in motifs["groupement"]
    run = campagne(MARS)
    genres = sorted(b.genre for b in run.bordereaux.all())
    assert genres == [Bordereau.Genre.COMPLEMENTS, Bordereau.Genre.REDUCTIONS]
    assert net_facture() == calcule() == {(commune.pk, "socle_complet"): D("5532.50")}


def test_B4_a_member_billed_whose_adhesion_no_longer_covers_the_year_is_reduced(emetteur, membre):
    commune = membre(nom="Allaire", date_effet=date(2025, 1, 1))
    campagne(FEVRIER)
    corriger(Adhesion.objects.filter(commune=commune), date_effet=date(2026, 1, 1))
    assert _membre(apercu(MARS), commune).a_emettre == D("-5532.50")
    campagne(MARS)
    assert net_facture() == {} and calcule() == {}


def test_B4_complements_and_reductions_of_one_run_go_in_bordereaux_of_their_own(
    emetteur, membre, saisir, petit_volume
):
    a, b, c = membre(nom="A"), membre(nom="B"), membre(nom="C")
    for i in range(4):
        saisir(a, date(2025, 3, 3 + i))  # 8 half-days: 2 past the pool, billed to A
    campagne(FEVRIER, communes=[a, b])
    corriger(Population.objects.filter(commune=b, annee=2025), valeur=2500)  # B: +217,50
    Intervention.objects.filter(mission__commune=a, date=date(2025, 3, 6)).delete()  # A: −400
    run = campagne(MARS)  # C billed for the first time; B completed; A reduced
    par_genre = {b.genre: list(b.titres.all()) for b in run.bordereaux.all()}
    assert [t.commune for t in par_genre[Bordereau.Genre.TITRES]] == [c]
    assert run.bordereau.genre == Bordereau.Genre.TITRES
    assert [(t.commune, t.total) for t in par_genre[Bordereau.Genre.COMPLEMENTS]] == [
        (b, D("217.50"))
    ]
    assert [(t.commune, t.total) for t in par_genre[Bordereau.Genre.REDUCTIONS]] == [
        (a, D("-400.00"))
    ]
    numeros = sorted(b.numero for b in run.bordereaux.all())
    assert numeros == [2, 3, 4]  # the bordereaux' series (1: the first run)
    titres = TitreDeRecettes.objects.filter(exercice=2026).order_by("numero")
    assert list(titres.values_list("numero", flat=True)) == [1, 2, 3, 4, 5]
    assert net_facture() == calcule()


def test_B4_the_engine_never_mixes_kinds_in_a_bordereau(emetteur, membre):
    from tarification.titres.emission import Emission, LigneAFacturer, Projet

    commune = membre()
    with transaction.atomic():
        emission = Emission(exercice=2026, date_emission=FEVRIER, par=None, libelle="x")
        ligne = LigneAFacturer(code="x", libelle="x", montant=D("1.00"), base_texte="x")
        emission.preparer(
            Projet(nature=Nature.CONTRIBUTION, commune=commune, objet="x", lignes=[ligne])
        )
        with pytest.raises(ValidationError, match="chaque genre a son bordereau"):
            emission.preparer(
                Projet(nature=Nature.COMPLEMENT, commune=commune, objet="x", lignes=[ligne])
            )


# --- The property: after any sequence of changes and campaigns, billed net == computed --------

JOURS_DE_CAMPAGNE = [
    date(2026, 1, 20),  # exercice 2025 still open; default 2026
    date(2026, 3, 2),
    date(2026, 11, 2),
    date(2027, 1, 18),  # exercice 2026 in its journée complémentaire
    date(2027, 3, 1),  # exercice 2026 closed: mandats
    date(2028, 2, 14),
]

changements = st.one_of(
    st.tuples(
        st.just("saisir"),
        st.integers(0, 2),
        st.integers(0, 300),
        st.integers(1, 2),
        st.booleans(),
    ),
    st.tuples(st.just("supprimer"), st.integers(0, 50)),
    st.tuples(st.just("deplacer"), st.integers(0, 50), st.integers(0, 300)),
    st.tuples(st.just("population"), st.integers(0, 2), st.sampled_from([900, 2355, 2999, 3001])),
    st.tuples(
        st.just("formule"),
        st.integers(0, 2),
        st.sampled_from(["socle_complet", "groupement", "annexe_complet", "audit"]),
    ),
    st.tuples(
        st.just("bareme"),
        st.sampled_from(["volume_partage", "dotation_individuelle"]),
        st.sampled_from([D("1"), D("3"), D("117")]),
    ),
    st.just(("campagne",)),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(changements, min_size=1, max_size=14))
def test_B4_property_billed_net_equals_computed_after_the_last_campaign(
    emetteur, membre, saisir, sequence
):
    with transaction.atomic():  # each example starts from the same members
        communes = [
            membre(nom="A"),
            membre(nom="B", formule="groupement", population=900),
            membre(nom="C", population=3100),
        ]
        jours = iter(JOURS_DE_CAMPAGNE)
        for changement in [*sequence, ("campagne",)]:
            _appliquer(changement, communes, saisir, jours)
        # After the last campaign: to the cent, for every (member, year, service).
        assert net_facture() == calcule()
        # Nothing billed twice: an item has at most one ordinary line still billing it.
        vivantes: dict = {}
        for ligne in lignes_de_l_annee(annee=2025, communes=[c.pk for c in communes]):
            if ligne.titre.nature == Nature.CONTRIBUTION and reste(ligne) != 0:
                cle = (ligne.commune_id, ligne.service)
                vivantes[cle] = vivantes.get(cle, 0) + 1
        assert all(n == 1 for n in vivantes.values()), vivantes
        transaction.set_rollback(True)


def _appliquer(changement, communes, saisir, jours):
    genre = changement[0]
    if genre == "saisir":
        _, membre, jour, demi_journees, diagnostic = changement
        saisir(
            communes[membre],
            date(2025, 1, 1) + timedelta(days=jour),
            demi_journees=demi_journees,
            diagnostic=diagnostic,
        )
    elif genre in ("supprimer", "deplacer"):
        entrees = list(Intervention.objects.order_by("pk"))
        if entrees:
            entree = entrees[changement[1] % len(entrees)]
            if genre == "supprimer":
                entree.delete()
            else:
                entree.date = date(2025, 1, 1) + timedelta(days=changement[2])
                entree.save()
    elif genre == "population":
        _, membre, valeur = changement
        corriger(Population.objects.filter(commune=communes[membre], annee=2025), valeur=valeur)
    elif genre == "formule":
        _, membre, formule = changement
        corriger(Adhesion.objects.filter(commune=communes[membre]), formule=formule)
    elif genre == "bareme":
        _, mode, jours_volume = changement
        # A version that priced titres never changes (a new version instead): only before.
        if not TitreDeRecettes.objects.filter(statut=TitreDeRecettes.Statut.EMIS).exists():
            VersionBareme.objects.update(mode_niveau1=mode, pool_jours=jours_volume)
    else:
        jour = next(jours, None)
        if jour is not None:
            campagne(jour)


def test_B4_B5_the_complements_pdf_and_the_preview_page_say_billed_computed_difference(
    client, responsable_financier, emetteur, membre, texte_pdf, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tarification.campagne.apercu_enregistre import enregistrer_apercu
    from tarification.titres import exercices

    commune = membre(nom="Allaire")
    campagne(FEVRIER)
    corriger(Population.objects.filter(commune=commune, annee=2025), valeur=2400)
    exercice = exercices.exercice_par_defaut(2025, exercices.aujourdhui())
    enregistrer_apercu(annee=2025, exercice=exercice, par=responsable_financier)
    client.force_login(responsable_financier)
    page = client.get(
        reverse("tarification:campagne_apercu"), {"annee": 2025, "exercice": exercice}
    ).content.decode()
    assert (
        "facturé 5\u00a0532,50\u00a0€, calculé 5\u00a0600,00\u00a0€, écart 67,50\u00a0€ : "
        "population corrigée : 2\u00a0355 → 2\u00a0400 hab. ; titre complémentaire"
    ) in page

    with django_capture_on_commit_callbacks(execute=True):
        complement = campagne(MARS).bordereaux.get().titres.get()
    complement.refresh_from_db()
    texte = texte_pdf(complement.pdf.read())
    assert "TITRE DE RECETTES COMPLÉMENTAIRE" in texte  # the heading, in capitals (CSS)
    assert "Nature titre complémentaire" in texte and "Compte 70875" in texte
    assert "Complément de « Socle complet — contribution annuelle 2025 » : facturé 5 532,50 €" in (
        texte
    )
    assert "dû 5 600,00 €" in texte and "67,50 €" in texte
