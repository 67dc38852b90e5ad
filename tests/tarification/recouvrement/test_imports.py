"""B11 — payments and states recorded from the comptable's files (all or nothing, line-numbered
French errors, idempotent) and by hand (the same checks), each state change recorded."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tarification.models import EvenementTitre, Paiement, Source
from tarification.recouvrement import actes, calcul, imports, restes
from tarification.titres import corrections

Etat = calcul.Etat


def _csv(*lignes, entete="exercice;titre;date;montant;reference", bom=True) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([entete, *lignes]) + "\n").encode("utf-8")


def _etat(titre):
    return restes.situation_du_titre(titre)


def test_B11_payment_import_settles_one_titre_and_part_of_another(titres, responsable_financier):
    resultat = imports.importer_paiements(
        _csv("2026;1;2026-03-01;1000,00;VIR-1", "2026;2;15/03/2026;1 200,50;VIR-2"),
        par=responsable_financier,
    )
    assert (resultat.lignes, resultat.enregistres, resultat.deja) == (2, 2, 0)
    premier, second = _etat(titres[0]), _etat(titres[1])
    assert (premier.etat, premier.reste) == (Etat.SOLDE, D("0.00"))
    assert (second.etat, second.reste) == (Etat.PARTIELLEMENT_PAYE, D("1299.50"))
    paiement = Paiement.objects.get(titre=titres[1])
    assert paiement.source == Source.IMPORT and paiement.auteur == responsable_financier


def test_B11_same_file_again_changes_nothing_identical_lines_count_by_rank(titres):
    fichier = _csv("2026;2;2026-03-01;100,00;", "2026;2;2026-03-01;100,00;")
    assert imports.importer_paiements(fichier).enregistres == 2  # two identical payments
    again = imports.importer_paiements(fichier)
    assert (again.enregistres, again.deja) == (0, 2)
    assert _etat(titres[1]).paye == D("200.00")
    # A file that brings the two and a third identical one records the third only.
    plus = imports.importer_paiements(_csv(*["2026;2;2026-03-01;100,00;"] * 3))
    assert (plus.enregistres, plus.deja) == (1, 2)


def test_B11_a_file_with_one_bad_line_imports_nothing_and_names_the_line(titres):
    fichier = _csv(
        "2026;1;2026-03-01;1000,00;A",
        "2026;99;2026-03-01;10,00;B",
        "2026;2;31/02/2026;10,00;C",
        "2026;2;2026-03-01;10.5;D",
        "2026;2;2026-03-01;-5,00;E",
        "2026;2;2026-01-01;5,00;F",
        "2026;2;2099-01-01;5,00;G",
        "2026;2;2026-03-01",
    )
    with pytest.raises(ValidationError) as erreur:
        imports.importer_paiements(fichier)
    messages = erreur.value.messages
    assert messages[0].startswith("Ligne 3 : aucun titre n° 99 émis sur l'exercice 2026")
    assert messages[1].startswith("Ligne 4 : date « 31/02/2026 » invalide")
    assert messages[2].startswith("Ligne 5 : montant « 10.5 » invalide (virgule décimale")
    assert messages[3] == "Ligne 6 : le montant d'un paiement est positif."
    assert messages[4].startswith("Ligne 7 : la date du paiement (01/01/2026) précède l'émission")
    assert messages[5].startswith("Ligne 8 : la date du paiement (01/01/2099) est dans le futur")
    assert messages[6] == "Ligne 9 : nombre de colonnes incorrect."
    assert "Aucun paiement n'a été importé" in messages[-1]
    assert not Paiement.objects.exists()


def test_B11_bad_header_and_encoding_are_refused_in_french(titres):
    with pytest.raises(ValidationError, match="Ligne 1 : colonnes attendues"):
        imports.importer_paiements(
            _csv("2026;1;2026-03-01;1", entete="exercice;numero;date;montant")
        )
    with pytest.raises(ValidationError, match="n'est pas en UTF-8"):
        imports.importer_paiements(
            "exercice;titre;date;montant\n2026;1;01/03/2026;é".encode("latin-1")
        )
    with pytest.raises(ValidationError, match="aucune ligne"):
        imports.importer_paiements(_csv())


def test_B11_overpayment_is_recorded_and_flagged_never_a_negative_remainder(titres):
    resultat = imports.importer_paiements(
        _csv("2026;1;2026-03-01;600,00;", "2026;1;2026-03-02;600,00;", "2026;2;2026-03-02;1,00;")
    )
    assert resultat.enregistres == 3 and resultat.trop_percu == D("200.00")
    sit = _etat(titres[0])
    assert (sit.reste, sit.trop_percu, sit.etat) == (D("0.00"), D("200.00"), Etat.SOLDE)
    assert list(Paiement.objects.filter(titre=titres[0]).values_list("trop_percu", flat=True)) == [
        D("0.00"),
        D("200.00"),
    ]


def test_B11_match_by_official_number_and_budget_column(titres):
    titres[1].numero_officiel = "T-4521"
    titres[1].save(update_fields=["numero_officiel"])
    imports.importer_paiements(
        _csv(
            "2026;;2026-03-01;500,00;;T-4521;Budget principal",
            entete="exercice;titre;date;montant;reference;titre_officiel;budget",
            bom=False,
        )
    )
    assert _etat(titres[1]).paye == D("500.00")
    with pytest.raises(ValidationError, match="Ligne 2 : aucun titre de n° officiel T-9"):
        imports.importer_paiements(
            _csv("2026;;2026-03-01;5,00;T-9", entete="exercice;titre;date;montant;titre_officiel")
        )


def test_B11_corrections_come_from_the_titre_reductions(titres, responsable_financier):
    titre = titres[1]
    corrections.reduire_titre(
        titre=titre,
        motif="Population corrigée",
        montant=D("500.00"),
        par=responsable_financier,
    )
    imports.importer_paiements(_csv("2026;2;2026-03-01;2000,00;"))
    sit = _etat(titre)
    assert (sit.emis, sit.corrige, sit.paye, sit.reste, sit.etat) == (
        D("2500.00"),
        D("-500.00"),
        D("2000.00"),
        D("0.00"),
        Etat.SOLDE,
    )


def test_B11_each_state_change_is_recorded_with_date_source_author(titres, responsable_financier):
    titre = titres[0]
    assert _etat(titre).etat == Etat.EMIS
    actes.enregistrer_etat(
        titre=titre,
        nature=EvenementTitre.Nature.PRIS_EN_CHARGE,
        le=date(2026, 1, 20),
        par=responsable_financier,
    )
    assert _etat(titre).etat == Etat.PRIS_EN_CHARGE
    actes.enregistrer_paiement(
        titre=titre, le=date(2026, 2, 1), montant=D("300.00"), par=responsable_financier
    )
    assert _etat(titre).etat == Etat.PARTIELLEMENT_PAYE
    actes.admettre_en_non_valeur(
        titre=titre,
        le=date(2026, 11, 1),
        deliberation="Délibération n° 2026-118 du 1er novembre 2026",
        par=responsable_financier,
    )
    sit = _etat(titre)
    assert (sit.etat, sit.non_valeur, sit.reste) == (Etat.NON_VALEUR, D("700.00"), D("0.00"))
    evenements = list(
        EvenementTitre.objects.filter(titre=titre).values_list("nature", "date", "source", "auteur")
    )
    assert evenements == [
        ("pris_en_charge", date(2026, 1, 20), "saisie", responsable_financier.pk),
        ("non_valeur", date(2026, 11, 1), "saisie", responsable_financier.pk),
    ]
    # States never go back: a titre taken in charge cannot be rejected now.
    with pytest.raises(ValidationError, match="déjà pris en charge"):
        actes.enregistrer_etat(
            titre=titre, nature="rejete", le=date(2026, 3, 1), motif="Erreur", par=None
        )
    with pytest.raises(ValidationError, match="Rien ne reste"):
        actes.admettre_en_non_valeur(titre=titre, le=date(2026, 11, 2), deliberation="D", par=None)


def test_B11_rejected_titre_is_annulled_and_reissued_and_takes_no_payment(
    titres, responsable_financier
):
    titre = titres[1]
    with pytest.raises(ValidationError, match="porte son motif"):
        actes.enregistrer_etat(titre=titre, nature="rejete", le=date(2026, 1, 25), par=None)
    actes.enregistrer_etat(
        titre=titre, nature="rejete", le=date(2026, 1, 25), motif="SIRET erroné", par=None
    )
    assert _etat(titre).etat == Etat.REJETE
    corrections.annuler_titre(
        titre=titre, motif="Rejeté par le comptable", par=responsable_financier
    )
    sit = _etat(titre)
    assert (sit.etat, sit.reste) == (Etat.REJETE, D("0.00"))
    with pytest.raises(ValidationError) as erreur:
        imports.importer_paiements(_csv("2026;2;2026-03-01;10,00;"))
    assert "Ligne 2 : le titre n° 2 (exercice 2026) a été rejeté" in erreur.value.messages[0]
    with pytest.raises(ValidationError, match="a été rejeté"):
        actes.enregistrer_etat(titre=titre, nature="pris_en_charge", le=date(2026, 2, 1), par=None)


def test_B11_hand_entry_then_the_comptable_file_records_the_payment_once(
    titres, responsable_financier
):
    actes.enregistrer_paiement(
        titre=titres[0],
        le=date(2026, 3, 1),
        montant=D("250.00"),
        reference="VIR-9",
        par=responsable_financier,
    )
    resultat = imports.importer_paiements(_csv("2026;1;2026-03-01;250,00;VIR-9"))
    assert (resultat.enregistres, resultat.deja) == (0, 1)
    with pytest.raises(ValidationError, match="Le montant d'un paiement est positif"):
        actes.enregistrer_paiement(titre=titres[0], le=date(2026, 3, 1), montant=D("0"), par=None)


def test_B11_states_import_all_or_nothing_and_idempotent(titres):
    fichier = _csv(
        "2026;1;pris en charge;2026-01-20;",
        "2026;2;rejeté;20/01/2026;Imputation erronée",
        entete="exercice;titre;etat;date;motif",
    )
    assert imports.importer_etats(fichier).enregistres == 2
    again = imports.importer_etats(fichier)
    assert (again.enregistres, again.deja) == (0, 2)
    assert _etat(titres[0]).etat == Etat.PRIS_EN_CHARGE
    assert _etat(titres[1]).etat == Etat.REJETE
    with pytest.raises(ValidationError) as erreur:
        imports.importer_etats(
            _csv(
                "2026;3;pris en charge;2026-01-20;",
                "2026;3;payé;2026-01-20;",
                "2026;2;pris en charge;2026-01-21;",
                "2026;1;rejeté;2026-01-21;",
                entete="exercice;titre;etat;date;motif",
            )
        )
    messages = erreur.value.messages
    assert messages[0].startswith("Ligne 3 : état « payé » inconnu")
    assert messages[1].startswith("Ligne 4 : le titre n° 2 a été rejeté")
    assert messages[2].startswith("Ligne 5 : un rejet porte son motif")
    assert not EvenementTitre.objects.filter(titre=titres[2]).exists()


def test_B11_command_restes_json_and_import_errors(titres, tmp_path, capsys):
    fichier = tmp_path / "paiements.csv"
    fichier.write_bytes(_csv("2026;1;2026-03-01;1000,00;", "2026;2;2026-03-01;abc;"))
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("recouvrement", "--importer", str(fichier))
    assert "Ligne 3 : montant « abc » invalide" in capsys.readouterr().err
    assert not Paiement.objects.exists()
