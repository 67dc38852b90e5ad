"""Business acts on titres de recettes (tarification/titres.py): snapshot, B1, B4, B6, T2, T5,
M7, art. 2.3.4 and 2.4."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from membres.models import Document, Etablissement
from tarification import deja_facture
from tarification.campagne import actes as actes_campagne
from tarification.contribution import contribution
from tarification.models import Campagne, LigneTitre, TitreDeRecettes
from tarification.titres import actes as actes_titres
from tarification.titres import corrections, emission, mentions
from tarification.titres.emission import LigneAFacturer
from tests.conftest import pdf_minimal

D = Decimal
FEVRIER_2026 = date(2026, 2, 10)
PDF_MINIMAL = pdf_minimal()

pytestmark = pytest.mark.django_db


def _ligne(montant="100.00", **kwargs):
    valeurs = {
        "code": "divers",
        "libelle": "Prestation",
        "montant": D(montant),
        "base_texte": "art. 2.3.4 — base de démonstration",
    }
    valeurs.update(kwargs)
    return LigneAFacturer(**valeurs)


def _emettre(commune, par, **kwargs):
    valeurs = {
        "nature": TitreDeRecettes.Nature.APPEL_DE_FONDS,
        "commune": commune,
        "objet": "Appel de fonds",
        "lignes": [_ligne()],
        "par": par,
        "date_emission": FEVRIER_2026,
    }
    valeurs.update(kwargs)
    return emission.emettre_titre(**valeurs)


# --- The titre is a snapshot -------------------------------------------------------------


def test_B5_titre_copies_the_debtor_and_the_issuer(emetteur, membre, responsable_financier):
    commune = membre(nom="Allaire", reference_engagement="ENG-42")
    titre = _emettre(commune, responsable_financier)

    commune.nom, commune.siret, commune.adresse = "Autre nom", "", ""
    commune.save()
    emetteur.ordonnateur_nom = "Remplaçant"
    emetteur.save()
    titre.refresh_from_db()

    assert titre.debiteur_nom == "Commune d'Allaire"
    assert titre.debiteur_siret == "21560001600004"
    assert titre.debiteur_code_service == "FACTURES"
    assert titre.debiteur_engagement == "ENG-42"
    assert "56350 Allaire" in titre.debiteur_adresse
    assert titre.emetteur["ordonnateur"] == "Camille Exemple"
    assert titre.emetteur["siren"] == "243500741"
    assert "tribunal administratif de Rennes" in titre.emetteur["voies_recours"]
    assert titre.imputation == "70878"  # B6: appel de fonds
    assert titre.statut == TitreDeRecettes.Statut.EMIS
    assert titre.exercice == 2026 and titre.numero == 1 and titre.bordereau.numero == 1
    assert len(titre.empreinte) == 64


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("Allaire", "Commune d'Allaire"),
        ("Redon", "Commune de Redon"),
        ("Les Fougerêts", "Commune des Fougerêts"),
        ("Le Bourg", "Commune du Bourg"),
        ("Éréac", "Commune d'Éréac"),
        ("La Chapelle-de-Brain", "Commune de La Chapelle-de-Brain"),
    ],
)
def test_B5_debtor_name(nom, attendu):
    assert mentions.nom_debiteur_commune(nom) == attendu


def test_B6_imputation_by_nature(emetteur, membre, responsable_financier):
    commune = membre()
    emetteur.imputation_frais_sortie = ""
    emetteur.save()
    with pytest.raises(ValidationError, match="Aucune imputation budgétaire pour la nature"):
        _emettre(commune, responsable_financier, nature=TitreDeRecettes.Nature.FRAIS_SORTIE)
    assert not TitreDeRecettes.objects.exists()


def test_B5_incomplete_issuer_refused(emetteur, membre, responsable_financier):
    commune = membre()
    emetteur.comptable_public = ""
    emetteur.ordonnateur_prenom = ""
    emetteur.save()
    with pytest.raises(ValidationError, match="prénom de l'ordonnateur, .*comptable public"):
        _emettre(commune, responsable_financier)
    assert not TitreDeRecettes.objects.exists()


def test_B1_no_titre_with_a_zero_total(emetteur, membre, responsable_financier):
    with pytest.raises(ValidationError, match="total nul"):
        _emettre(membre(), responsable_financier, lignes=[_ligne("0.00")])


def test_T9_negative_line_refused_except_deduction(emetteur, membre, responsable_financier):
    commune = membre()
    with pytest.raises(ValidationError, match="montant négatif"):
        _emettre(commune, responsable_financier, lignes=[_ligne("200.00"), _ligne("-50.00")])
    titre = _emettre(
        commune,
        responsable_financier,
        lignes=[_ligne("200.00"), _ligne("-50.00", code="deduction_audit", libelle="Déduction")],
    )
    assert titre.total == D("150.00")


def test_B5_liquidation_basis_required(emetteur, membre, responsable_financier):
    with pytest.raises(ValidationError, match="base de liquidation est obligatoire"):
        _emettre(membre(), responsable_financier, lignes=[_ligne(base_texte="  ")])


def test_M7_etablissement_as_debtor(emetteur, membre, responsable_financier):
    commune = membre(nom="Redon")
    ccas = Etablissement.objects.create(
        commune=commune,
        type=Etablissement.Type.CCAS,
        nom="CCAS de Redon",
        siret="26350001900025",
        adresse="Place de la Mairie",
        code_postal="35600",
        ville="Redon",
        code_service_chorus="CCAS",
    )
    titre = _emettre(commune, responsable_financier, etablissement=ccas)
    assert titre.commune == commune and titre.etablissement == ccas
    assert titre.debiteur_nom == "CCAS de Redon"
    assert titre.debiteur_siret == "26350001900025"

    autre = membre(nom="Allaire")
    with pytest.raises(ValidationError, match="n'appartient pas à cette commune"):
        _emettre(autre, responsable_financier, etablissement=ccas)


def test_B3_exercice_of_a_standalone_titre(emetteur, membre, responsable_financier):
    commune = membre()
    with pytest.raises(ValidationError, match="le 01/03/2026 n'en fait pas partie"):
        _emettre(commune, responsable_financier, exercice=2025, date_emission=date(2026, 3, 1))
    # Journée complémentaire: until 31 January, the previous exercice is still open.
    titre = _emettre(commune, responsable_financier, exercice=2025, date_emission=date(2026, 1, 31))
    assert titre.exercice == 2025


# --- B4: the campaign bills nothing twice --------------------------------------------------


def test_B4_rerun_campagne_bills_nothing_twice(emetteur, membre, responsable_financier):
    allaire = membre(nom="Allaire")
    redon = membre(nom="Redon", formule="groupement", population=9000)

    premiere = actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    assert premiere.bordereau.titres.count() == 2
    assert (
        actes_campagne.emettre_campagne(
            annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
        )
        is None
    )
    assert TitreDeRecettes.objects.count() == 2
    totaux = dict(TitreDeRecettes.objects.values_list("commune", "total"))
    assert totaux[allaire.pk] == contribution(allaire, 2025).resultat.total == D("5532.50")
    assert totaux[redon.pk] == contribution(redon, 2025).resultat.total == D("5750.00")


def test_B4_member_added_later_gets_its_own_titre(emetteur, membre, responsable_financier):
    membre(nom="Allaire")
    actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    nouveau = membre(nom="Bains-sur-Oust", date_effet=date(2025, 6, 1))

    seconde = actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=date(2026, 3, 2)
    )
    assert [t.commune for t in seconde.bordereau.titres.all()] == [nouveau]
    assert seconde.bordereau.numero == 2
    assert list(TitreDeRecettes.objects.order_by("numero").values_list("numero", flat=True)) == [
        1,
        2,
    ]
    assert Campagne.objects.filter(annee=2025).count() == 2


def test_B4_cancelled_item_billed_again_reduced_one_not(emetteur, membre, responsable_financier):
    allaire, redon = membre(nom="Allaire"), membre(nom="Redon")
    actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    t_allaire = TitreDeRecettes.objects.get(commune=allaire)
    t_redon = TitreDeRecettes.objects.get(commune=redon)
    corrections.annuler_titre(
        titre=t_allaire,
        motif="Population erronée",
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    corrections.reduire_titre(
        titre=t_redon,
        montant=D("100.00"),
        motif="Geste",
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )

    relance = actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    nouveaux = list(relance.bordereau.titres.all())
    assert [t.commune for t in nouveaux] == [allaire]  # annulled: billed again; reduced: not
    assert nouveaux[0].total == D("5532.50")


def test_B4_emettre_titre_refuses_an_already_billed_item(emetteur, membre, responsable_financier):
    commune = membre()
    ligne = _ligne(service="licence:2026")
    _emettre(commune, responsable_financier, lignes=[ligne])
    with pytest.raises(ValidationError, match="déjà facturé par le titre n° 1"):
        _emettre(commune, responsable_financier, lignes=[ligne])
    # Lines without an item key may repeat (e.g. two appels de fonds).
    _emettre(commune, responsable_financier)
    _emettre(commune, responsable_financier)
    assert TitreDeRecettes.objects.count() == 3


def test_B1_blocked_member_not_billed_the_others_are(
    emetteur, membre, commune_factory, adhesion_factory, responsable_financier
):
    allaire = membre(nom="Allaire")
    sans_population = commune_factory(nom="Bruc-sur-Aff")
    adhesion_factory(sans_population, formule="socle_complet", date_effet=date(2024, 1, 1))

    campagne = actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    assert [t.commune for t in campagne.bordereau.titres.all()] == [allaire]


# --- T2: the audit at delivery -------------------------------------------------------------


def test_T2_the_dsi_records_the_delivery_and_finance_issues_the_titre_once(
    emetteur, membre, agent_dsi, responsable_financier
):
    commune = membre(
        nom="Fégréac", formule="annexe_complet", population=2355, date_effet=date(2025, 3, 1)
    )
    adhesion = commune.adhesions.get()
    rapport = SimpleUploadedFile("rapport.pdf", PDF_MINIMAL, content_type="application/pdf")

    actes_titres.enregistrer_livraison_audit(
        adhesion=adhesion,
        livre_le=date(2025, 6, 20),
        par=agent_dsi,
        rapport=rapport,
        jour=date(2025, 6, 20),
    )
    adhesion.refresh_from_db()
    assert adhesion.audit_livre_le == date(2025, 6, 20)
    assert Document.objects.filter(adhesion=adhesion, type="rapport_audit").exists()
    assert not TitreDeRecettes.objects.exists()  # recording a service never bills it
    assert actes_titres.audits_a_facturer() == [adhesion]

    titre = actes_titres.emettre_titre_audit(
        adhesion=adhesion, par=responsable_financier, date_emission=date(2025, 6, 23)
    )
    assert titre.nature == TitreDeRecettes.Nature.AUDIT and titre.adhesion == adhesion
    assert titre.total == D("3500.00")  # T2: 1 500 ≤ p < 3 000, on the delivery date
    assert titre.exercice == 2025 and titre.date_emission == date(2025, 6, 23)
    assert titre.emis_par == responsable_financier
    assert "art. 7.2.1" in titre.lignes.get().base_texte
    assert deja_facture.audits_emis_nets([adhesion.pk]) == {adhesion.pk: D("3500.00")}
    assert actes_titres.audits_a_facturer() == []

    # Idempotent: issuing again returns the same titre and issues nothing.
    assert actes_titres.emettre_titre_audit(adhesion=adhesion, par=responsable_financier) == titre
    assert TitreDeRecettes.objects.count() == 1
    # The billed delivery date no longer changes.
    with pytest.raises(ValidationError, match="déjà facturé"):
        actes_titres.enregistrer_livraison_audit(
            adhesion=adhesion, livre_le=date(2025, 6, 21), par=agent_dsi
        )


def test_T2_audit_titre_without_a_recorded_delivery_refused(
    emetteur, membre, responsable_financier
):
    adhesion = membre(formule="audit", date_effet=date(2025, 3, 1)).adhesions.get()
    with pytest.raises(ValidationError, match="n'est pas enregistrée"):
        actes_titres.emettre_titre_audit(adhesion=adhesion, par=responsable_financier)
    assert not TitreDeRecettes.objects.exists()


def test_T2_cancelled_audit_is_billed_again(emetteur, membre, agent_dsi, responsable_financier):
    adhesion = membre(formule="audit", date_effet=date(2025, 3, 1)).adhesions.get()
    actes_titres.enregistrer_livraison_audit(
        adhesion=adhesion, livre_le=date(2025, 6, 20), par=agent_dsi, jour=date(2025, 6, 20)
    )
    titre = actes_titres.emettre_titre_audit(
        adhesion=adhesion, par=responsable_financier, date_emission=date(2025, 6, 20)
    )
    corrections.annuler_titre(
        titre=titre,
        motif="Erreur de membre",
        par=responsable_financier,
        date_emission=date(2025, 7, 1),
    )
    nouveau = actes_titres.emettre_titre_audit(
        adhesion=adhesion, par=responsable_financier, date_emission=date(2025, 7, 2)
    )
    assert nouveau != titre and nouveau.total == titre.total


def test_T2_audit_prealable_to_the_socle_not_billed(emetteur, membre, responsable_financier):
    adhesion = membre().adhesions.get()
    with pytest.raises(ValidationError, match="ne comprend pas l'audit"):
        actes_titres.enregistrer_livraison_audit(
            adhesion=adhesion, livre_le=date(2025, 6, 20), par=responsable_financier
        )
    assert not TitreDeRecettes.objects.exists()


def test_T5_audit_billed_net_of_reductions(emetteur, membre, responsable_financier):
    adhesion = membre(formule="audit", date_effet=date(2025, 3, 1)).adhesions.get()
    actes_titres.enregistrer_livraison_audit(
        adhesion=adhesion,
        livre_le=date(2025, 6, 20),
        par=responsable_financier,
        jour=date(2025, 6, 20),
    )
    titre = actes_titres.emettre_titre_audit(
        adhesion=adhesion, par=responsable_financier, date_emission=date(2025, 6, 20)
    )
    corrections.reduire_titre(
        titre=titre,
        montant=D("500.00"),
        motif="Audit partiel",
        par=responsable_financier,
        date_emission=date(2025, 7, 1),
    )
    assert deja_facture.audits_emis_nets([adhesion.pk]) == {adhesion.pk: D("3000.00")}


# --- Art. 2.3.4: refacturation with the paid invoice --------------------------------------


def _facture(contenu=PDF_MINIMAL, nom="facture.pdf"):
    return SimpleUploadedFile(nom, contenu, content_type="application/pdf")


def test_refacturation_with_a_paid_invoice(emetteur, membre, responsable_financier):
    commune = membre()
    titre = actes_titres.emettre_refacturation(
        commune=commune,
        objet="Licences bureautiques 2026",
        fournisseur="Éditeur SA",
        numero_facture="F-2026-001",
        date_facture=date(2026, 1, 5),
        date_paiement=date(2026, 1, 20),
        montant=D("1234.56"),
        facture=_facture(),
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    assert titre.nature == TitreDeRecettes.Nature.REFACTURATION
    assert titre.total == D("1234.56")
    assert titre.piece_jointe.read() == PDF_MINIMAL
    assert len(titre.piece_jointe_sha256) == 64
    assert "facture n° F-2026-001 de Éditeur SA du 05/01/2026" in titre.lignes.get().base_texte
    # The same invoice is not billed twice (B4).
    with pytest.raises(ValidationError, match="déjà facturé"):
        actes_titres.emettre_refacturation(
            commune=commune,
            objet="Licences bureautiques 2026",
            fournisseur="Éditeur SA",
            numero_facture="F-2026-001",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("1234.56"),
            facture=_facture(),
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )


@pytest.mark.parametrize(
    ("fichier", "message"),
    [
        (_facture(b"PK\x03\x04 pas un pdf", "facture.docx"), "Type de fichier refusé"),
        (_facture(b"ceci n'est pas un PDF"), "ne correspond pas à son extension"),
    ],
)
def test_refacturation_invoice_pdf_only(emetteur, membre, responsable_financier, fichier, message):
    with pytest.raises(ValidationError, match=message):
        actes_titres.emettre_refacturation(
            commune=membre(),
            objet="Licences",
            fournisseur="Éditeur SA",
            numero_facture="F-1",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("10.00"),
            facture=fichier,
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )
    assert not TitreDeRecettes.objects.exists()


def test_refacturation_invoice_too_large(settings, emetteur, membre, responsable_financier):
    settings.DOCUMENT_MAX_BYTES = 20
    with pytest.raises(ValidationError, match="trop volumineux"):
        actes_titres.emettre_refacturation(
            commune=membre(),
            objet="Licences",
            fournisseur="Éditeur SA",
            numero_facture="F-1",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("10.00"),
            facture=_facture(),
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )


# --- Art. 2.4: exit costs ------------------------------------------------------------------


def test_frais_de_sortie_after_resiliation(emetteur, membre, responsable_financier):
    commune = membre(adhesion={"resiliation_notifiee_le": date(2025, 3, 10)})
    adhesion = commune.adhesions.get()
    titre = actes_titres.emettre_frais_de_sortie(
        adhesion=adhesion,
        frais=[
            actes_titres.FraisDeSortie(
                "Reprise du contrat de maintenance", D("800.00"), "contrat X"
            ),
            actes_titres.FraisDeSortie(
                "Pénalité de résiliation anticipée", D("150.00"), "contrat Y"
            ),
        ],
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    assert titre.nature == TitreDeRecettes.Nature.FRAIS_SORTIE
    assert titre.total == D("950.00")
    assert titre.imputation == "7588"
    base = titre.lignes.first().base_texte
    assert (
        "art. 2.4 — résiliation notifiée le 10/03/2025, dernier jour de l'adhésion le 09/03/2026"
        in base
    )


def test_frais_de_sortie_without_resiliation_refused(emetteur, membre, responsable_financier):
    adhesion = membre().adhesions.get()
    with pytest.raises(ValidationError, match="qu'après une résiliation"):
        actes_titres.emettre_frais_de_sortie(
            adhesion=adhesion,
            frais=[actes_titres.FraisDeSortie("Frais", D("10.00"), "x")],
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )


# --- B4: réduction and annulation ----------------------------------------------------------


def test_B4_annulation_negative_titre_referring_to_the_original(
    emetteur, membre, responsable_financier
):
    titre = _emettre(membre(), responsable_financier, lignes=[_ligne("300.00"), _ligne("200.00")])
    annulation = corrections.annuler_titre(
        titre=titre,
        motif="Titre émis à tort",
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    assert annulation.nature == TitreDeRecettes.Nature.ANNULATION
    assert annulation.corrige == titre and annulation.motif == "Titre émis à tort"
    assert annulation.total == D("-500.00")
    assert annulation.exercice == titre.exercice and annulation.numero == 2
    assert annulation.debiteur_nom == titre.debiteur_nom
    assert [ligne.montant for ligne in annulation.lignes.all()] == [D("-300.00"), D("-200.00")]
    assert all(ligne.ligne_corrigee for ligne in annulation.lignes.all())
    titre.refresh_from_db()
    assert titre.total == D("500.00")  # the original never changes
    with pytest.raises(ValidationError, match="déjà entièrement annulé"):
        corrections.annuler_titre(
            titre=titre, motif="Encore", par=responsable_financier, date_emission=FEVRIER_2026
        )


def test_B4_annulation_gives_back_the_audit_deduction(emetteur, membre, responsable_financier):
    titre = _emettre(
        membre(),
        responsable_financier,
        lignes=[_ligne("5532.50"), _ligne("-3500.00", code="deduction_audit", libelle="Déduction")],
    )
    annulation = corrections.annuler_titre(
        titre=titre, motif="Erreur", par=responsable_financier, date_emission=FEVRIER_2026
    )
    assert [ligne.montant for ligne in annulation.lignes.all()] == [D("-5532.50"), D("3500.00")]
    assert annulation.total == D("-2032.50")


def test_B4_partial_reduction_then_annulation_of_the_rest(emetteur, membre, responsable_financier):
    titre = _emettre(membre(), responsable_financier, lignes=[_ligne("300.00"), _ligne("200.00")])
    premiere, seconde = titre.lignes.order_by("ordre")
    reduction = corrections.reduire_titre(
        titre=titre,
        lignes={premiere: D("100.00")},
        motif="Service non rendu",
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    assert reduction.nature == TitreDeRecettes.Nature.REDUCTION and reduction.total == D("-100.00")
    with pytest.raises(ValidationError, match="supérieure à ce qui reste dû"):
        corrections.reduire_titre(
            titre=titre,
            lignes={premiere.pk: D("200.01")},
            motif="Trop",
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )
    with pytest.raises(ValidationError, match="plusieurs lignes"):
        corrections.reduire_titre(
            titre=titre,
            montant=D("1.00"),
            motif="x",
            par=responsable_financier,
            date_emission=FEVRIER_2026,
        )
    annulation = corrections.annuler_titre(
        titre=titre, motif="Solde", par=responsable_financier, date_emission=FEVRIER_2026
    )
    assert [ligne.montant for ligne in annulation.lignes.all()] == [D("-200.00"), D("-200.00")]
    assert deja_facture.restes_par_ligne(titre) == [(premiere, D("0.00")), (seconde, D("0.00"))]


def test_B4_correction_of_a_closed_exercice_goes_through_a_mandat_673(
    emetteur, membre, responsable_financier
):
    titre = _emettre(membre(), responsable_financier, date_emission=date(2025, 5, 1), exercice=2025)
    with pytest.raises(ValidationError, match="mandat d'annulation au compte 673"):
        corrections.annuler_titre(
            titre=titre, motif="Erreur", par=responsable_financier, date_emission=date(2026, 2, 1)
        )
    # Until 31 January N+1 the correction stays in exercice N.
    annulation = corrections.annuler_titre(
        titre=titre, motif="Erreur", par=responsable_financier, date_emission=date(2026, 1, 31)
    )
    assert annulation.exercice == 2025


def test_B4_reason_required_and_no_correction_of_a_correction(
    emetteur, membre, responsable_financier
):
    titre = _emettre(membre(), responsable_financier)
    with pytest.raises(ValidationError, match="motif"):
        corrections.annuler_titre(
            titre=titre, motif=" ", par=responsable_financier, date_emission=FEVRIER_2026
        )
    reduction = corrections.reduire_titre(
        titre=titre,
        montant=D("10.00"),
        motif="x",
        par=responsable_financier,
        date_emission=FEVRIER_2026,
    )
    with pytest.raises(ValidationError, match="ne se corrige pas"):
        corrections.annuler_titre(
            titre=reduction, motif="y", par=responsable_financier, date_emission=FEVRIER_2026
        )


def test_B3_official_references(emetteur, membre, responsable_financier):
    titre = _emettre(membre(), responsable_financier)
    empreinte = titre.empreinte
    actes_titres.enregistrer_references_officielles(
        titre=titre,
        numero_officiel="T-2026-0456",
        bordereau_officiel="B-31",
        par=responsable_financier,
    )
    titre.refresh_from_db()
    assert (titre.numero_officiel, titre.bordereau_officiel) == ("T-2026-0456", "B-31")
    assert titre.empreinte == empreinte


def test_lines_keep_the_key_of_the_item(emetteur, membre, responsable_financier):
    commune = membre()
    actes_campagne.emettre_campagne(
        annee=2025, par=responsable_financier, date_emission=FEVRIER_2026
    )
    ligne = LigneTitre.objects.get()
    assert (ligne.commune, ligne.annee, ligne.service) == (commune, 2025, "socle_complet")
    assert ligne.population == 2355 and ligne.millesime == 2022
    assert ligne.part_fixe == D("2000.00") and ligne.taux == D("1.5000")
    assert ligne.tranche == "de 1 500 à moins de 3 000" and ligne.article == "art. 7.1"
