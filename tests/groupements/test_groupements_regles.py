"""Rules G1–G8 of the groupements de commandes (groupements/regles.py, through the acts)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from groupements import actes, regles
from groupements.models import (
    AdhesionGroupement,
    Besoin,
    Groupement,
    Marche,
    PosteBesoin,
    groupements_accessibles,
)
from membres.models import Adhesion, Etablissement

D = Decimal
pytestmark = pytest.mark.django_db


# --- G1 eligibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("formule", ["socle_complet", "groupement", "annexe_complet"])
def test_G1_formulas_entitling_to_groupements(groupement_factory, membre_eligible, agir, formule):
    adhesion = agir.adherer(groupement_factory(), membre_eligible(formule=formule))
    assert adhesion.pk and adhesion.est_active


def test_G1_audit_alone_refused_with_a_clear_message(groupement_factory, membre_eligible, agir):
    commune = membre_eligible(formule="audit", nom="Les Fougerêts")
    with pytest.raises(ValidationError) as erreur:
        agir.adherer(groupement_factory(), commune, le=date(2025, 2, 1))
    assert erreur.value.messages == [
        "Les Fougerêts ne peut pas adhérer à un groupement de commandes : au 01/02/2025, seule "
        "la formule « socle annexe — audit » est en vigueur. Il faut le socle complet ou la "
        "formule « groupement d'achats » du socle annexe (art. 4.2 de la convention)."
    ]
    assert not AdhesionGroupement.objects.exists()


def test_G1_without_adhesion_in_force_refused(
    groupement_factory, commune_factory, adhesion_factory, agir
):
    commune = commune_factory(nom="Théhillac")
    # Socle complet that ended on 31/12/2024 (résiliation notified a year before).
    adhesion_factory(commune, date_effet=date(2023, 1, 1), resiliation_notifiee_le=date(2024, 1, 1))
    with pytest.raises(ValidationError, match="aucune adhésion au service commun n'est en vigueur"):
        agir.adherer(groupement_factory(), commune, le=date(2025, 2, 1))
    # The same commune was eligible on a day its socle complet was in force.
    assert agir.adherer(
        groupement_factory(constitue_le=date(2024, 1, 1)), commune, le=date(2024, 6, 1)
    )


def test_G1_upcoming_adhesion_not_yet_eligible(
    groupement_factory, commune_factory, adhesion_factory, agir
):
    commune = commune_factory()
    adhesion_factory(commune, formule="groupement", date_effet=date(2025, 6, 1))
    with pytest.raises(ValidationError, match="au 01/02/2025"):
        agir.adherer(groupement_factory(), commune, le=date(2025, 2, 1))


def test_G1_etablissement_covered_by_its_communes_adhesion(
    groupement_factory, membre_eligible, commune_factory, agir
):
    commune = membre_eligible(nom="Redon")
    ccas = Etablissement.objects.create(commune=commune, nom="CCAS de Redon", type="ccas")
    adhesion = agir.adherer(groupement_factory(), commune, etablissement=ccas)
    assert adhesion.membre == ccas
    assert adhesion.nom_membre == "CCAS de Redon (Redon)"

    sans = commune_factory(nom="Sixt-sur-Aff")
    ecole = Etablissement.objects.create(commune=sans, nom="École de Sixt", type="ecole")
    with pytest.raises(
        ValidationError, match="École de Sixt \\(Sixt-sur-Aff\\) ne peut pas adhérer"
    ):
        agir.adherer(groupement_factory(), sans, etablissement=ecole)


def test_G1_etablissement_of_another_commune_refused(groupement_factory, membre_eligible, agir):
    a, b = membre_eligible(nom="A"), membre_eligible(nom="B")
    ecole = Etablissement.objects.create(commune=b, nom="École de B", type="ecole")
    with pytest.raises(ValidationError, match="n'est pas un établissement d'A"):
        agir.adherer(groupement_factory(), a, etablissement=ecole)


def test_G1_also_checked_by_the_model_validation(groupement_factory, membre_eligible):
    """The admin adds members through model validation: same rule, same message."""
    commune = membre_eligible(formule="audit", nom="Audit seul")
    adhesion = AdhesionGroupement(
        groupement=groupement_factory(), commune=commune, adhere_le=date(2025, 2, 1)
    )
    with pytest.raises(ValidationError, match="Audit seul ne peut pas adhérer"):
        adhesion.full_clean()


def test_G1_a_commune_joins_only_once(groupement_factory, membre_eligible, agir):
    groupement, commune = groupement_factory(), membre_eligible(nom="Pipriac")
    agir.adherer(groupement, commune)
    with pytest.raises(ValidationError, match="Pipriac est déjà membre du groupement"):
        agir.adherer(groupement, commune)


def test_G1_formulas_in_force_in_one_query(membre_eligible, django_assert_num_queries):
    communes = [membre_eligible(formule=f) for f in ["groupement", "audit", "socle_complet"]]
    with django_assert_num_queries(1):
        formules = Adhesion.objects.formules_le([c.pk for c in communes], date(2025, 1, 1))
    assert [formules.get(c.pk) for c in communes] == ["groupement", "audit", "socle_complet"]
    assert [regles.est_eligible(formules.get(c.pk)) for c in communes] == [True, False, True]


# --- G2 coordonnateur -------------------------------------------------------------------------


def test_G2_redon_agglomeration_coordinator_by_default(groupement_factory):
    assert groupement_factory().coordonnateur == "Redon Agglomération"
    assert (
        groupement_factory(coordonnateur="Autre EPCI (avenant)").coordonnateur
        == "Autre EPCI (avenant)"
    )


# --- G3 needs -----------------------------------------------------------------------------------


def test_G3_quantitative_and_qualitative_needs(
    groupement_factory, membre_eligible, agir, agent_dsi
):
    groupement = groupement_factory()
    poste = PosteBesoin.objects.create(
        groupement=groupement,
        designation="Forfait voix et données 20 Go",
        unite="ligne",
        prix_unitaire_indicatif=D("12.50"),
    )
    adhesion = agir.adherer(groupement, membre_eligible())
    besoins = actes.declarer_besoins(
        adhesion_groupement=adhesion,
        lignes=[
            actes.LigneBesoin(poste=poste, quantite=D("37")),  # amount from the indicative price
            {
                "designation": "Smartphone",
                "unite": "appareil",
                "quantite": "12",
                "montant_estime": "3 600,00",
            },
            actes.LigneBesoin(poste=poste, quantite=0, montant_estime=0, designation="ignorée"),
        ],
        besoins_qualitatifs="  Couverture 4G indispensable dans les zones rurales.  ",
        par=agent_dsi,
        le=date(2025, 2, 20),
    )
    assert [(b.designation, b.unite, b.quantite, b.montant_estime) for b in besoins] == [
        ("Forfait voix et données 20 Go", "ligne", D("37.00"), D("462.50")),
        ("Smartphone", "appareil", D("12.00"), D("3600.00")),
    ]
    adhesion.refresh_from_db()
    assert adhesion.besoins_qualitatifs == "Couverture 4G indispensable dans les zones rurales."
    assert adhesion.besoins_declares_le == date(2025, 2, 20)
    assert adhesion.total_besoins() == D("4062.50")


def test_G3_a_new_declaration_replaces_the_previous_one(groupement_factory, membre_eligible, agir):
    adhesion = agir.adherer(groupement_factory(), membre_eligible())
    agir.besoins(adhesion, D("100.00"), D("200.00"))
    agir.besoins(adhesion, D("50.00"))
    assert list(adhesion.besoins.values_list("montant_estime", flat=True)) == [D("50.00")]
    assert Besoin.history.filter(history_type="-").count() == 2


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        (
            {"designation": "Box", "unite": "site", "quantite": -1, "montant_estime": 10},
            "La quantité de « Box » ne peut être négative",
        ),
        (
            {"designation": "Box", "unite": "site", "quantite": 1, "montant_estime": "-5"},
            "Le montant estimé de « Box » ne peut être négatif",
        ),
        (
            {"designation": "Box", "unite": "site", "quantite": 1, "montant_estime": "12,345"},
            "au plus deux décimales",
        ),
        (
            {"designation": "Box", "unite": "site", "quantite": 1, "montant_estime": "douze"},
            "« douze » n'est pas un montant",
        ),
        (
            {"designation": "Box", "unite": "site", "quantite": 1},
            "Indiquez le montant estimé de « Box »",
        ),
        (
            {"designation": "", "unite": "site", "quantite": 1, "montant_estime": 5},
            "Ligne 1 : indiquez la désignation",
        ),
        (
            {"designation": "Box", "unite": "", "quantite": 1, "montant_estime": 5},
            "Indiquez l'unité de « Box »",
        ),
    ],
)
def test_G3_invalid_input_refused_without_saving_anything(
    groupement_factory, membre_eligible, agir, agent_dsi, ligne, message
):
    adhesion = agir.adherer(groupement_factory(), membre_eligible())
    agir.besoins(adhesion, D("100.00"))
    with pytest.raises(ValidationError, match=message):
        actes.declarer_besoins(adhesion_groupement=adhesion, lignes=[ligne], par=agent_dsi)
    assert list(adhesion.besoins.values_list("montant_estime", flat=True)) == [D("100.00")]


def test_G3_no_launch_while_a_member_has_declared_nothing(
    groupement_factory, membre_eligible, agir
):
    groupement = groupement_factory()
    a = agir.adherer(groupement, membre_eligible(nom="Redon"))
    agir.adherer(groupement, membre_eligible(nom="Peillac"))
    agir.adherer(groupement, membre_eligible(nom="Rieux"))
    agir.besoins(a, D("10.00"))
    agir.etape(groupement, "recensement", date(2025, 2, 1))
    with pytest.raises(ValidationError) as erreur:
        agir.etape(groupement, "consultation", date(2025, 3, 10))
    assert erreur.value.messages == [
        "La consultation ne peut être lancée : Peillac et Rieux n'ont déclaré aucun besoin. "
        "Recueillez leurs besoins, ou enregistrez leur retrait, avant d'envoyer l'avis de "
        "marché (art. 4.2.3)."
    ]
    groupement.refresh_from_db()
    assert groupement.etape == "recensement" and groupement.consultation_lancee_le is None


def test_G3_no_launch_without_a_member(groupement_factory, agir):
    groupement = groupement_factory()
    agir.etape(groupement, "recensement", date(2025, 2, 1))
    with pytest.raises(ValidationError, match="le groupement n'a aucun membre"):
        agir.etape(groupement, "consultation", date(2025, 3, 10))


# --- G4 life cycle ------------------------------------------------------------------------------


def test_G4_full_cycle_with_the_date_of_each_step(groupement_factory, membre_eligible, agir):
    groupement = groupement_factory(constitue_le=date(2025, 1, 6))
    agir.besoins(agir.adherer(groupement, membre_eligible()), D("1000.00"))
    agir.etape(groupement, "recensement", date(2025, 2, 1))
    agir.etape(groupement, "consultation", date(2025, 3, 10))
    Marche.objects.create(
        groupement=groupement,
        reference="DEMO-2025-TEL",
        procedure="appel_offres",
        titulaire="Opérateur (démo)",
        notifie_le=date(2025, 6, 2),
        duree_mois=12,
    )
    agir.etape(groupement, "attribution", date(2025, 5, 20))
    agir.etape(groupement, "execution", date(2025, 6, 2))
    agir.etape(groupement, "echu", date(2026, 6, 2))
    groupement.refresh_from_db()
    assert groupement.etape == "echu"
    # The groupement lasts until the end of its market: notified 02/06/2025 for 12 months.
    assert groupement.echu_le == date(2026, 6, 1)
    assert groupement.dates_des_etapes() == [
        ("constitution", date(2025, 1, 6)),
        ("recensement des besoins", date(2025, 2, 1)),
        ("consultation lancée", date(2025, 3, 10)),
        ("marché attribué", date(2025, 5, 20)),
        ("exécution", date(2025, 6, 2)),
        ("échu", date(2026, 6, 1)),
    ]
    assert groupement.history.count() == 6


def test_G4_no_skipped_step(groupement_factory, agir):
    groupement = groupement_factory()
    with pytest.raises(ValidationError) as erreur:
        agir.etape(groupement, "consultation", date(2025, 3, 10))
    assert erreur.value.messages == [
        "Le groupement est à l'étape « constitution » : l'étape suivante ne peut être que : "
        "« recensement des besoins »."
    ]


def test_G4_no_date_before_the_previous_step_nor_in_the_future(groupement_factory, agir):
    groupement = groupement_factory(constitue_le=date(2025, 1, 6))
    with pytest.raises(
        ValidationError, match="ne peut être datée avant l'étape « constitution » \\(06/01/2025\\)"
    ):
        agir.etape(groupement, "recensement", date(2025, 1, 5))
    with pytest.raises(ValidationError, match="dans le futur"):
        agir.etape(groupement, "recensement", date(2099, 1, 1))


def test_G4_award_requires_a_contract_holder(groupement_lance, agir):
    groupement, _ = groupement_lance
    with pytest.raises(
        ValidationError, match="Enregistrez d'abord le marché attribué et son titulaire"
    ):
        agir.etape(groupement, "attribution", date(2025, 5, 20))


def test_G4_expiry_not_before_the_end_of_the_marche(groupement_lance, agir):
    groupement, _ = groupement_lance
    Marche.objects.create(
        groupement=groupement,
        reference="M1",
        procedure="adaptee",
        titulaire="T",
        notifie_le=date(2025, 6, 1),
        fin=date(2026, 5, 31),
    )
    agir.etape(groupement, "attribution", date(2025, 5, 20))
    agir.etape(groupement, "execution", date(2025, 6, 1))
    with pytest.raises(ValidationError, match="Le marché court jusqu'au 31/05/2026 inclus"):
        agir.etape(groupement, "echu", date(2026, 5, 31))
    agir.etape(groupement, "echu", date(2026, 6, 1))


def test_G4_resiliation_after_award_with_a_reason(groupement_lance, agir):
    groupement, _ = groupement_lance
    Marche.objects.create(groupement=groupement, reference="M1", procedure="adaptee", titulaire="T")
    with pytest.raises(ValidationError, match="ne peut être que : « marché attribué »"):
        agir.etape(groupement, "resilie", date(2025, 5, 1), motif="Défaillance")
    agir.etape(groupement, "attribution", date(2025, 5, 20))
    with pytest.raises(ValidationError, match="Indiquez le motif de la résiliation"):
        agir.etape(groupement, "resilie", date(2025, 9, 1))
    agir.etape(groupement, "resilie", date(2025, 9, 1), motif="Défaillance du titulaire")
    groupement.refresh_from_db()
    assert (groupement.etape, groupement.resilie_le) == ("resilie", date(2025, 9, 1))
    assert [e for e, _ in groupement.dates_des_etapes()][-1] == "résilié"


def test_G4_the_database_refuses_a_step_without_its_date(groupement_factory):
    from django.db import IntegrityError, transaction

    groupement = groupement_factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Groupement.objects.filter(pk=groupement.pk).update(etape="consultation")


def test_G4_end_of_the_marche_computed_by_default():
    marche = Marche(notifie_le=date(2025, 9, 1), duree_mois=48)
    marche.clean()
    assert marche.fin == date(2029, 8, 31)


def test_G4_prochaine_action(groupement_factory, membre_eligible, agir):
    groupement = groupement_factory(date_limite_besoins=date(2025, 2, 28))
    assert "Ouvrir le recensement" in regles.prochaine_action(groupement, [], [], date(2025, 1, 10))
    adhesion = agir.adherer(groupement, membre_eligible(nom="Pipriac"))
    groupement = agir.etape(groupement, "recensement", date(2025, 2, 1))
    texte = regles.prochaine_action(groupement, [], [adhesion], date(2025, 2, 10))
    assert texte.startswith(
        "En attente des besoins de : Pipriac. Date limite de déclaration : 28/02/2025."
    )


# --- G5 retrait -------------------------------------------------------------------------------


def test_G5_retrait_by_written_decision_before_the_launch(
    groupement_factory, membre_eligible, agir, agent_dsi
):
    groupement = groupement_factory()
    adhesion = agir.adherer(groupement, membre_eligible(nom="Rieux"))
    actes.demander_retrait(
        adhesion_groupement=adhesion,
        decision_numero="D-2025-14",
        decision_date=date(2025, 2, 20),
        notifie_le=date(2025, 2, 21),
        par=agent_dsi,
    )
    adhesion.refresh_from_db()
    assert not adhesion.est_active
    assert (adhesion.retrait_decision_numero, adhesion.retrait_notifie_le) == (
        "D-2025-14",
        date(2025, 2, 21),
    )
    assert adhesion.history.first().history_user == agent_dsi
    # Withdrawn: it may join again while the consultation is not launched.
    assert agir.adherer(groupement, adhesion.commune, le=date(2025, 2, 25)).est_active


def test_G5_retrait_refused_after_the_contract_notice_is_sent(groupement_lance, agent_dsi):
    _, (redon, *_) = groupement_lance
    with pytest.raises(ValidationError) as erreur:
        actes.demander_retrait(
            adhesion_groupement=redon,
            decision_numero="D-2025-30",
            decision_date=date(2025, 3, 10),
            notifie_le=date(2025, 3, 10),
            par=agent_dsi,
        )
    assert erreur.value.messages == [
        "Le retrait n'est plus possible : la procédure a été engagée par l'envoi pour "
        "publication de l'avis de marché le 10/03/2025 (art. 4.2.7.1, « Retrait et "
        "résiliation »). Le membre reste engagé sur les besoins qu'il a déclarés."
    ]
    redon.refresh_from_db()
    assert redon.est_active and redon.retrait_decision_numero == ""


def test_G5_retrait_notified_before_the_launch_can_still_be_recorded(groupement_lance, agent_dsi):
    _, (_, allaire, _) = groupement_lance
    actes.demander_retrait(
        adhesion_groupement=allaire,
        decision_numero="D-2025-09",
        decision_date=date(2025, 3, 1),
        notifie_le=date(2025, 3, 9),  # the day before the avis de marché was sent
        par=agent_dsi,
    )
    allaire.refresh_from_db()
    assert not allaire.est_active


def test_G5_decision_required_and_not_after_the_notification(
    groupement_factory, membre_eligible, agir, agent_dsi
):
    adhesion = agir.adherer(groupement_factory(), membre_eligible())
    with pytest.raises(ValidationError, match="Indiquez le numéro de la décision"):
        actes.demander_retrait(
            adhesion_groupement=adhesion,
            decision_numero=" ",
            decision_date=date(2025, 2, 1),
            par=agent_dsi,
        )
    with pytest.raises(ValidationError, match="ne peut être datée après sa notification"):
        actes.demander_retrait(
            adhesion_groupement=adhesion,
            decision_numero="D1",
            decision_date=date(2025, 3, 1),
            notifie_le=date(2025, 2, 1),
            par=agent_dsi,
        )


def test_G5_no_double_retrait(groupement_factory, membre_eligible, agir, agent_dsi):
    adhesion = agir.adherer(groupement_factory(), membre_eligible())
    kwargs = {
        "decision_numero": "D1",
        "decision_date": date(2025, 2, 1),
        "notifie_le": date(2025, 2, 2),
        "par": agent_dsi,
    }
    actes.demander_retrait(adhesion_groupement=adhesion, **kwargs)
    with pytest.raises(ValidationError, match="s'est déjà retiré du groupement le 02/02/2025"):
        actes.demander_retrait(adhesion_groupement=adhesion, **kwargs)


def test_G5_retrait_entered_in_the_admin_refused_after_launch(groupement_lance):
    _, (redon, *_) = groupement_lance
    redon.retrait_decision_numero = "D"
    redon.retrait_decision_date = redon.retrait_notifie_le = date(2025, 4, 1)
    with pytest.raises(ValidationError, match="Le retrait n'est plus possible"):
        redon.full_clean()


# --- G6 répartition (the pure function is tested in test_repartition.py) -------------------------


def test_G6_poids_par_defaut_is_the_share_of_estimated_needs(groupement_lance):
    _, (redon, allaire, bains) = groupement_lance
    poids = regles.poids_par_defaut(AdhesionGroupement.objects.prefetch_related("besoins"))
    assert list(poids.values()) == [D("12000.00"), D("3000.00"), D("0.00")]
    assert [a.pk for a in poids] == [redon.pk, allaire.pk, bains.pk]


def test_G6_tie_break_order_is_adhesion_order(groupement_factory, membre_eligible, agir):
    groupement = groupement_factory()
    tard = agir.adherer(groupement, membre_eligible(nom="Tard"), le=date(2025, 2, 10))
    tot = agir.adherer(groupement, membre_eligible(nom="Tôt"), le=date(2025, 2, 1))
    assert regles.ordre_des_membres([tard, tot]) == [tot, tard]


def test_G6_no_repartition_before_the_launch(groupement_factory, agent_dsi):
    with pytest.raises(ValidationError, match="une fois la consultation lancée"):
        actes.enregistrer_repartition(
            groupement=groupement_factory(),
            sens="charge",
            motif="frais_contentieux",
            libelle="Frais",
            montant=D("100.00"),
            piece="Facture avocat",
            piece_date=date(2025, 4, 1),
            par=agent_dsi,
        )


def test_G6_saved_repartition_shares_to_the_cent(groupement_lance, agent_dsi):
    groupement, (redon, allaire, bains) = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="recette",
        motif="dommages",
        libelle="Dommages et intérêts versés par le titulaire",
        montant=D("1000.01"),
        piece="Jugement du tribunal administratif (démo)",
        piece_date=date(2026, 1, 15),
        par=agent_dsi,
    )
    parts = {p.adhesion_id: p.montant for p in repartition.parts.all()}
    # 12 000 / 15 000 and 3 000 / 15 000 of 1 000,01 €: 800,008 and 200,002 → 800,01 and 200,00.
    assert parts == {redon.pk: D("800.01"), allaire.pk: D("200.00"), bains.pk: D("0.00")}
    assert sum(parts.values()) == repartition.montant


def test_G6_all_weights_zero_clear_message(groupement_factory, membre_eligible, agir, agent_dsi):
    groupement = groupement_factory()
    agir.besoins(agir.adherer(groupement, membre_eligible()), qualitatifs="Besoins à préciser")
    agir.lancer(groupement)
    with pytest.raises(ValidationError, match="tous les poids sont nuls"):
        actes.enregistrer_repartition(
            groupement=groupement,
            sens="charge",
            motif="autre",
            libelle="X",
            montant=D("10.00"),
            piece="P",
            piece_date=date(2025, 4, 1),
            par=agent_dsi,
        )


def test_G6_changing_the_weights_with_a_justification(groupement_lance, agent_dsi):
    groupement, (redon, allaire, bains) = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="charge",
        motif="indemnite_resiliation",
        libelle="Indemnité",
        montant=D("900.00"),
        piece="Décompte",
        piece_date=date(2025, 9, 1),
        par=agent_dsi,
    )
    with pytest.raises(ValidationError, match="Justifiez la modification des poids"):
        actes.modifier_poids(
            repartition=repartition, poids={bains.pk: D("3000")}, justification="", par=agent_dsi
        )
    actes.modifier_poids(
        repartition=repartition,
        poids={bains: D("3000.00"), redon.pk: D("3000.00")},
        justification="Montants réellement commandés",
        par=agent_dsi,
    )
    assert [(p.poids, p.montant) for p in repartition.parts.order_by("rang")] == [
        (D("3000.00"), D("300.00")),
        (D("3000.00"), D("300.00")),
        (D("3000.00"), D("300.00")),
    ]


def test_G6_received_sum_settled_then_frozen(groupement_lance, agent_dsi):
    groupement, _ = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="recette",
        motif="dommages",
        libelle="Dommages",
        montant=D("150.00"),
        piece="Jugement",
        piece_date=date(2026, 1, 15),
        par=agent_dsi,
    )
    with pytest.raises(ValidationError, match="ne donne pas lieu à des titres"):
        actes.emettre_appels_de_fonds(repartition=repartition, par=agent_dsi)
    actes.arreter_reversements(repartition=repartition, par=agent_dsi)
    repartition.refresh_from_db()
    assert repartition.statut == "arretee" and repartition.validee_par == agent_dsi
    with pytest.raises(ValidationError, match="ne peut\\s+plus être modifiée"):
        actes.modifier_poids(repartition=repartition, poids={}, justification="x", par=agent_dsi)
    with pytest.raises(ValidationError, match="ne peut être supprimée"):
        repartition.delete()


# --- G7 bound by needs --------------------------------------------------------------------------


def test_G7_member_bound_by_its_needs_after_launch(groupement_lance, agent_dsi):
    """After the launch a member can neither lower its needs, nor delete them, nor leave:
    its declared needs remain its commitment and its weight."""
    _, (redon, *_) = groupement_lance
    with pytest.raises(
        ValidationError, match="chaque membre reste engagé sur les besoins qu'il a déclarés"
    ):
        actes.declarer_besoins(adhesion_groupement=redon, lignes=[], par=agent_dsi)
    besoin = redon.besoins.first()
    with pytest.raises(
        ValidationError, match="figés au lancement de la consultation, le 10/03/2025"
    ):
        besoin.delete()
    besoin.montant_estime = D("1.00")
    with pytest.raises(ValidationError, match="ne peuvent plus être modifiés"):
        besoin.full_clean()
    with pytest.raises(ValidationError, match="Le membre reste engagé"):
        actes.demander_retrait(
            adhesion_groupement=redon,
            decision_numero="D",
            decision_date=date(2025, 4, 1),
            notifie_le=date(2025, 4, 1),
            par=agent_dsi,
        )
    redon.refresh_from_db()
    assert redon.total_besoins() == D("12000.00")


def test_G7_a_withdrawn_member_declares_no_more_needs(
    groupement_factory, membre_eligible, agir, agent_dsi
):
    adhesion = agir.adherer(groupement_factory(), membre_eligible())
    actes.demander_retrait(
        adhesion_groupement=adhesion,
        decision_numero="D",
        decision_date=date(2025, 2, 2),
        notifie_le=date(2025, 2, 2),
        par=agent_dsi,
    )
    with pytest.raises(ValidationError, match="s'est retiré du groupement"):
        agir.besoins(adhesion, D("10.00"))


# --- G8 freeze ----------------------------------------------------------------------------------


def test_G8_needs_editable_until_the_launch(groupement_factory, membre_eligible, agir):
    groupement = groupement_factory()
    adhesion = agir.adherer(groupement, membre_eligible())
    agir.etape(groupement, "recensement", date(2025, 2, 1))
    agir.besoins(adhesion, D("10.00"))
    agir.besoins(adhesion, D("20.00"))
    agir.lancer(groupement)
    with pytest.raises(ValidationError) as erreur:
        agir.besoins(adhesion, D("30.00"))
    assert erreur.value.code == "G8"
    assert adhesion.total_besoins() == D("20.00")


def test_G8_no_adhesion_after_the_launch(groupement_lance, membre_eligible, agir):
    groupement, _ = groupement_lance
    with pytest.raises(ValidationError) as erreur:
        agir.adherer(groupement, membre_eligible(nom="Fégréac"), le=date(2025, 3, 11))
    assert erreur.value.messages == [
        "Le groupement « Téléphonie mobile » n'accepte plus de membres : l'avis de marché a été "
        "envoyé pour publication le 10/03/2025, et un nouveau membre ne bénéficierait pas du "
        "marché."
    ]
    assert groupement.adhesions.count() == 3


def test_G8_open_groupements(groupement_lance, groupement_factory):
    ouvert = groupement_factory(objet="GTC")
    assert list(Groupement.objects.ouverts()) == [ouvert]


def test_G8_no_adhesion_before_the_constitution(groupement_factory, membre_eligible, agir):
    with pytest.raises(ValidationError, match="n'est constitué que depuis le 06/01/2025"):
        agir.adherer(
            groupement_factory(constitue_le=date(2025, 1, 6)),
            membre_eligible(),
            le=date(2025, 1, 5),
        )


def test_G1_G8_groupements_accessibles_for_the_portail(
    groupement_lance, groupement_factory, membre_eligible, agir, django_assert_num_queries
):
    lance, _ = groupement_lance
    ouvert = groupement_factory(objet="GTC", constitue_le=date(2025, 1, 6))
    autre = groupement_factory(objet="Applications mobiles", constitue_le=date(2025, 1, 6))
    groupement_factory(objet="Pas encore constitué", constitue_le=date(2025, 9, 1))
    commune = membre_eligible(nom="Fégréac", formule="annexe_complet")
    agir.adherer(autre, commune)
    with django_assert_num_queries(2):
        accessibles = groupements_accessibles(commune=commune, jour=date(2025, 4, 1))
    assert accessibles == [ouvert]  # not the launched one, nor one it already belongs to
    audit = membre_eligible(nom="Les Fougerêts", formule="audit")
    assert groupements_accessibles(commune=audit, jour=date(2025, 4, 1)) == []


def test_G5_G8_what_the_portail_can_offer(
    groupement_lance, groupement_factory, membre_eligible, agir
):
    _, (redon, *_) = groupement_lance
    redon = AdhesionGroupement.objects.select_related("groupement").get(pk=redon.pk)
    assert not redon.peut_modifier_besoins and not redon.peut_se_retirer
    ouvert = agir.adherer(groupement_factory(), membre_eligible())
    assert ouvert.peut_modifier_besoins and ouvert.peut_se_retirer
