"""B9 — every bordereau the application issues exports as a PES V2 recette file, valid against
the DGFiP's schema (PES_SCHEMAS_DIR) and the Hélios rules; B2/B8 revised — with PES export on,
a public debtor without a valid SIRET blocks its titre; the e-mail says how the titre travels."""

import base64
import csv
import gzip
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from lxml import etree

from membres.actes import changer_formule, resilier
from membres.models import Adhesion, Contact, Etablissement
from missions.models import Intervention, Mission
from outils.historique import autoriser_correction
from outils.pes.regles import valider
from tarification.campagne import actes as actes_campagne
from tarification.campagne.apercu import BLOQUE, apercu
from tarification.models import Bordereau, Emetteur, TitreDeRecettes
from tarification.titres import actes as actes_titres
from tarification.titres import corrections, emission, pes
from tarification.titres.emission import LigneAFacturer
from tests.conftest import pdf_minimal

D = Decimal
LE = date(2026, 2, 10)
PDF_FACTURE = pdf_minimal("Facture fournisseur")
NS = {"n": "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"}

if not (Path(settings.PES_SCHEMAS_DIR) / "PES_V2/Rev0/PES_Aller.xsd").is_file():
    pytest.skip(
        f"schémas PES V2 absents de PES_SCHEMAS_DIR ({settings.PES_SCHEMAS_DIR})",
        allow_module_level=True,
    )

pytestmark = pytest.mark.django_db

REGLAGES_PES = {
    "siret": "24350074199903",
    "code_collectivite": "999",
    "code_budget": "00",
    "poste_comptable": "0359999",
    "reference_bdf": "DEMO999999",
    "poste_comptable_nom": "SGC de Redon",
    "poste_comptable_adresse": "1 rue de la Tresorerie",
    "poste_comptable_code_postal": "35600",
    "poste_comptable_ville": "Redon",
    "encaissement_code_postal": "35908",
    "encaissement_ville": "Rennes cedex 9",
    "produit_contribution": "SC01",
    "produit_refacturation": "SC02",
    "produit_appel_de_fonds": "SC03",
    "produit_frais_sortie": "SC04",
}


@pytest.fixture
def emetteur_pes(emetteur):
    Emetteur.objects.filter(pk=emetteur.pk).update(**REGLAGES_PES)
    return Emetteur.courant()


def _arbre(contenu: bytes):
    return etree.fromstring(contenu, etree.XMLParser(no_network=True, huge_tree=True))


def _v(element, chemin):
    return element.find(chemin).get("V")


def _pes(bordereau) -> bytes:
    bordereau = pes.produire(bordereau)
    with bordereau.pes.open("rb") as fichier:
        contenu = fichier.read()
    valider(contenu, settings.PES_SCHEMAS_DIR)  # valid as kept, checked again here
    return contenu


def _pjs(arbre) -> dict[str, tuple[str, bytes]]:
    return {
        _v(pj, "IdUnique"): (
            _v(pj, "TypePJ"),
            gzip.decompress(base64.b64decode(pj.find("Contenu/Fichier").text)),
        )
        for pj in arbre.iterfind(".//PES_PJ/PJ")
    }


@pytest.fixture
def campagne(emetteur_pes, membre, responsable_financier, django_capture_on_commit_callbacks):
    allaire = membre(nom="Allaire", siret="21560001600004", reference_engagement="ENG-7")
    membre(nom="Redon", siret="21350236200022", formule="groupement", population=9000)
    with django_capture_on_commit_callbacks(execute=True):
        campagne = actes_campagne.emettre_campagne(
            annee=2025, par=responsable_financier, date_emission=LE
        )
    return campagne, allaire


def test_B9_a_campaign_exports_a_valid_file_with_the_chorus_pro_route(campagne):
    campagne, allaire = campagne
    arbre = _arbre(_pes(campagne.bordereau))
    titres = list(campagne.bordereau.titres.order_by("numero"))
    bordereau = arbre.find(".//PES_RecetteAller/Bordereau")
    assert _v(bordereau, "BlocBordereau/TypBord") == "01"
    assert int(_v(bordereau, "BlocBordereau/NbrPce")) == len(titres)
    assert D(_v(bordereau, "BlocBordereau/MtBordHt")) == sum(t.total for t in titres)
    pjs = _pjs(arbre)
    for titre, piece in zip(titres, bordereau.iterfind("Piece"), strict=True):
        assert int(_v(piece, "BlocPiece/IdPce")) == titre.numero
        assert _v(piece, "BlocPiece/Edition") == "02"  # public debtors with a valid SIRET
        assert _v(piece, "BlocPiece/NumeroFacture")
        assert _v(piece, ".//InfoTiers/CatTiers") == "23"
        assert _v(piece, ".//InfoTiers/NatJur") == "09"
        assert _v(piece, ".//InfoTiers/IdTiers") == titre.debiteur_siret
        references = [_v(ref, "IdUnique") for ref in piece.iterfind("BlocPiece/PJRef")]
        types = {pjs[ref][0] for ref in references}  # every PJRef finds its PJ
        assert types == {"006", "008"}  # PES Facture and the titre's PDF
        pdf = next(pjs[ref][1] for ref in references if pjs[ref][0] == "008")
        with titre.pdf.open("rb") as fichier:
            assert pdf == fichier.read()  # byte for byte
    allaire_piece = next(
        p for p in bordereau.iterfind("Piece") if _v(p, ".//InfoTiers/IdTiers") == allaire.siret
    )
    assert _v(allaire_piece, "BlocPiece/NumeroEngagement") == "ENG-7"


def test_B9_pieces_and_total_equal_the_bordereau_csv(campagne, client, responsable_financier):
    campagne, _ = campagne
    arbre = _arbre(_pes(campagne.bordereau))
    client.force_login(responsable_financier)
    reponse = client.get(reverse("tarification:bordereau_csv", args=[campagne.bordereau.pk]))
    lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    titres_csv, total_csv = lignes[1:-1], lignes[-1]
    bloc = arbre.find(".//PES_RecetteAller/Bordereau/BlocBordereau")
    assert int(_v(bloc, "NbrPce")) == len(titres_csv)
    assert _v(bloc, "MtBordHt").replace(".", ",") == total_csv[12]


def test_B9_the_file_is_served_from_the_campaign_page_and_kept(
    campagne, client, responsable_financier
):
    campagne, _ = campagne
    client.force_login(responsable_financier)
    url = reverse("tarification:bordereau_pes", args=[campagne.bordereau.pk])
    premier = b"".join(client.get(url).streaming_content)
    second = b"".join(client.get(url).streaming_content)
    assert premier == second  # produced once, then served byte-identical
    campagne.bordereau.refresh_from_db()
    assert campagne.bordereau.pes_sha256 and campagne.bordereau.pes_genere_le
    page = client.get(reverse("tarification:campagne", args=[campagne.pk])).content.decode()
    assert url in page and "validé contre le schéma de la DGFiP" in page


def test_B9_a_t5_deduction_is_netted_into_its_line(emetteur_pes, membre, responsable_financier):
    commune = membre(nom="Saint-Vincent", siret="21560001600004", formule="audit")
    audit = Adhesion.objects.get(commune=commune)
    actes_titres.enregistrer_livraison_audit(
        adhesion=audit, livre_le=date(2024, 3, 15), par=responsable_financier
    )
    titre_audit = actes_titres.emettre_titre_audit(
        adhesion=audit, par=responsable_financier, date_emission=date(2024, 3, 15)
    )
    assert titre_audit.total == D("3500.00")
    changer_formule(
        adhesion=audit,
        formule="socle_complet",
        date_effet=date(2024, 6, 1),
        decision_numero="2024-2",
        decision_date=date(2024, 5, 1),
    )
    campagne = actes_campagne.emettre_campagne(
        annee=2024, exercice=2025, par=responsable_financier, date_emission=date(2025, 2, 10)
    )
    titre = campagne.bordereau.titres.get()
    assert [ligne.code for ligne in titre.lignes.all()] == ["socle_complet", "deduction_audit"]
    (montant, objet, sources) = pes.lignes_nettes(list(titre.lignes.all()))[0]
    assert montant == titre.total > 0 and len(sources) == 2
    assert "Déduction du prix de l'audit" in objet


@pytest.fixture
def titre_emis(emetteur_pes, membre, responsable_financier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(nom="Allaire", siret="21560001600004"),
            objet="Appel de fonds — groupement « Copieurs »",
            lignes=[LigneAFacturer("appel", "Quote-part", D("1200.00"), base_texte="art. 4.2.6")],
            par=responsable_financier,
            date_emission=LE,
        )


def test_B9_a_reduction_and_an_annulation_travel_in_bordereaux_of_type_02(
    titre_emis, responsable_financier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reduction = corrections.reduire_titre(
            titre=titre_emis,
            montant=D("200.00"),
            motif="Quote-part corrigée",
            par=responsable_financier,
            date_emission=LE,
        )
        annulation = corrections.annuler_titre(
            titre=titre_emis,
            motif="Groupement dissous",
            par=responsable_financier,
            date_emission=LE,
        )
    for correction, montant in [(reduction, "200.00"), (annulation, "1000.00")]:
        arbre = _arbre(_pes(correction.bordereau))
        assert _v(arbre, ".//BlocBordereau/TypBord") == "02"
        piece = arbre.find(".//Piece")
        assert (_v(piece, "BlocPiece/TypPce"), _v(piece, "BlocPiece/NatPce")) == ("02", "06")
        assert _v(piece, ".//InfoLignePiece/MtHT") == montant  # positive in the flow
        rattachement = piece.find(".//RattachPiece")
        assert _v(rattachement, "IdPceOrig") == str(titre_emis.numero)
        assert piece.find("BlocPiece/Edition") is None


def test_B9_a_campaign_rerun_exports_its_complements_and_its_reductions(
    campagne, agent_dsi, responsable_financier, django_capture_on_commit_callbacks
):
    """B4 then B9: the bordereau of titres complémentaires is an ordinary one (TypBord 01), the
    bordereau of réductions a correcting one (TypBord 02), each line attached to the original's."""
    premiere, allaire = campagne
    redon = premiere.bordereau.titres.exclude(commune=allaire).get().commune
    # Late changes: Allaire's 2025 population corrected downwards, diagnostic half-days of
    # 2025 recorded for Redon (a groupement member: billed as a diagnostic complement).
    with transaction.atomic(), autoriser_correction():  # a correction act (P1 revised)
        allaire.populations.filter(annee=2025).update(valeur=450)
    mission = Mission.objects.create(
        commune=redon,
        objet="Diagnostic",
        diagnostic=True,
        debut=date(2025, 1, 1),
        statut=Mission.Statut.SIGNEE,
        signee_le=date(2024, 12, 1),
    )
    Intervention.objects.create(
        mission=mission, date=date(2025, 6, 2), agent=agent_dsi, demi_journees=2
    )
    jour = date(2026, 3, 16)
    with django_capture_on_commit_callbacks(execute=True):
        seconde = actes_campagne.emettre_campagne(
            annee=2025, par=responsable_financier, date_emission=jour, aujourd_hui=jour
        )
    par_genre = {b.genre: b for b in seconde.bordereaux.all()}
    assert set(par_genre) == {Bordereau.Genre.COMPLEMENTS, Bordereau.Genre.REDUCTIONS}

    arbre = _arbre(_pes(par_genre[Bordereau.Genre.COMPLEMENTS]))
    complement = TitreDeRecettes.objects.get(nature=TitreDeRecettes.Nature.COMPLEMENT)
    assert _v(arbre, ".//BlocBordereau/TypBord") == "01"
    assert _v(arbre, ".//Piece/BlocPiece/TypPce") == "01"
    assert _v(arbre, ".//InfoLignePiece/MtHT") == f"{complement.total:.2f}"
    assert _v(arbre, ".//InfoLignePiece/CodProdLoc") == "SC01"  # the contribution's product

    arbre = _arbre(_pes(par_genre[Bordereau.Genre.REDUCTIONS]))
    reduction = TitreDeRecettes.objects.get(nature=TitreDeRecettes.Nature.REDUCTION)
    assert reduction.corrige.commune == allaire and reduction.total < 0
    assert _v(arbre, ".//BlocBordereau/TypBord") == "02"
    assert _v(arbre, ".//InfoLignePiece/MtHT") == f"{-reduction.total:.2f}"
    assert _v(arbre, ".//RattachPiece/IdPceOrig") == str(reduction.corrige.numero)


def test_B9_a_refacturation_carries_the_paid_invoice(
    emetteur_pes, membre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = actes_titres.emettre_refacturation(
            commune=membre(nom="Allaire", siret="21560001600004"),
            objet="Licences 2026",
            fournisseur="Éditeur SA",
            numero_facture="F-1",
            date_facture=date(2026, 1, 5),
            date_paiement=date(2026, 1, 20),
            montant=D("1234.56"),
            facture=SimpleUploadedFile("facture.pdf", PDF_FACTURE),
            par=None,
            date_emission=LE,
        )
    pjs = _pjs(_arbre(_pes(titre.bordereau)))
    assert PDF_FACTURE in [contenu for _, contenu in pjs.values()]


def test_B9_frais_de_sortie_and_an_etablissement_debtor_export(
    emetteur_pes, membre, responsable_financier, django_capture_on_commit_callbacks
):
    commune = membre(nom="Théhillac", siret="21560001600004")
    ccas = Etablissement.objects.create(
        commune=commune, type="ccas", nom="CCAS de Théhillac", siret="26560001500027"
    )
    adhesion = resilier(
        adhesion=Adhesion.objects.get(commune=commune), notifiee_le=date(2025, 1, 10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sortie = actes_titres.emettre_frais_de_sortie(
            adhesion=adhesion,
            frais=[actes_titres.FraisDeSortie("Contrat repris", D("480.00"), "12 mois")],
            par=responsable_financier,
            date_emission=LE,
        )
        appel = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=commune,
            etablissement=ccas,
            objet="Appel de fonds",
            lignes=[LigneAFacturer("appel", "Quote-part", D("50.00"), base_texte="art. 4.2.6")],
            par=responsable_financier,
            date_emission=LE,
        )
    assert _v(_arbre(_pes(sortie.bordereau)), ".//InfoTiers/CatTiers") == "23"
    assert _v(_arbre(_pes(appel.bordereau)), ".//InfoTiers/CatTiers") == "26"  # the CCAS


def test_B9_a_debtor_without_a_valid_siret_travels_without_chorus_pro(
    emetteur_pes, membre, responsable_financier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(nom="Sans", siret=""),
            objet="Appel de fonds",
            lignes=[LigneAFacturer("appel", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
            par=responsable_financier,
            date_emission=LE,
        )
    piece = _arbre(_pes(titre.bordereau)).find(".//Piece")
    assert piece.find("BlocPiece/Edition") is None
    assert piece.find(".//InfoTiers/IdTiers") is None


def test_B9_missing_issuer_settings_are_named_and_nothing_is_written(
    emetteur, membre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(nom="Allaire", siret="21560001600004"),
            objet="Appel de fonds",
            lignes=[LigneAFacturer("appel", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
            par=None,
            date_emission=LE,
        )
    with pytest.raises(ValidationError) as erreur:
        pes.produire(titre.bordereau)
    assert "code collectivité Hélios, code budget Hélios, code du poste comptable" in str(
        erreur.value
    )
    bordereau = Bordereau.objects.get(pk=titre.bordereau_id)
    assert not bordereau.pes and "code collectivité" in bordereau.pes_erreur


def test_B9_a_file_refused_by_the_schema_names_the_titre_and_field(
    emetteur_pes, membre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=membre(nom="Allaire", siret="21560001600004"),
            objet="Appel de fonds",
            lignes=[LigneAFacturer("appel", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
            par=None,
            date_emission=LE,
        )
    Emetteur.objects.update(produit_appel_de_fonds="S/3")  # not 1–4 letters or digits
    with pytest.raises(ValidationError, match=r"Titre n° 1.*CodProdLoc"):
        pes.produire(titre.bordereau)
    assert not Bordereau.objects.get(pk=titre.bordereau_id).pes


def test_B9_without_schemas_the_export_says_what_to_install(titre_emis, settings, tmp_path):
    settings.PES_SCHEMAS_DIR = tmp_path / "rien"
    with pytest.raises(ValidationError, match="Installez le paquet officiel des schémas PES V2"):
        pes.produire(titre_emis.bordereau)


def test_B9_the_command_writes_a_bordereau_file(titre_emis, tmp_path):
    cible = tmp_path / "flux.xml"
    call_command(
        "exporter_pes",
        "--exercice",
        "2026",
        "--bordereau",
        str(titre_emis.bordereau.numero),
        "--sortie",
        str(cible),
    )
    valider(cible.read_bytes(), settings.PES_SCHEMAS_DIR)


def test_B2_with_pes_export_on_a_public_debtor_without_valid_siret_is_blocked(
    emetteur_pes, membre, settings
):
    membre(nom="Sans", siret="")
    membre(nom="Avec", siret="21560001600004")
    settings.PES_EXPORT = False
    assert {m.statut for m in apercu(annee=2025, aujourd_hui=LE).membres} == {"a_emettre"}
    settings.PES_EXPORT = True
    statuts = {m.commune.nom: m for m in apercu(annee=2025, aujourd_hui=LE).membres}
    assert statuts["Sans"].statut == BLOQUE
    assert (
        "SIRET manquant : le titre ne peut être transmis à Chorus Pro"
        in (statuts["Sans"].anomalies[-1])
    )
    assert statuts["Avec"].statut == "a_emettre"


def test_B9_the_email_says_chorus_pro_only_once_the_pes_file_exists(
    emetteur_pes, membre, responsable_financier, settings, django_capture_on_commit_callbacks
):
    for pes_active, attendu in [(False, "par courrier ou par courriel"), (True, "par Chorus Pro")]:
        settings.PES_EXPORT = pes_active
        commune = membre(nom=f"Commune {pes_active}", siret="21560001600004")
        Contact.objects.create(commune=commune, nom="Maire", email="m@x.invalid", decideur=True)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            emission.emettre_titre(
                nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
                commune=commune,
                objet="Appel de fonds",
                lignes=[LigneAFacturer("a", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
                par=responsable_financier,
                date_emission=LE,
            )
        (message,) = mail.outbox
        assert f"Il vous parviendra {attendu}" in message.body


def test_B9_from_the_demo_the_campaign_command_writes_a_valid_pes_file(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PES_EXPORT = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")
    call_command("campagne_titres", "--annee", "2026", "--emettre", "--export", str(tmp_path))
    (fichier,) = tmp_path.glob("pes-*.xml")
    contenu = fichier.read_bytes()
    valider(contenu, settings.PES_SCHEMAS_DIR)
    arbre = _arbre(contenu)
    (csv_chemin,) = tmp_path.glob("campagne-2026-*.csv")
    lignes = list(csv.reader(io.StringIO(csv_chemin.read_text("utf-8-sig")), delimiter=";"))
    bloc = arbre.find(".//BlocBordereau")
    assert int(_v(bloc, "NbrPce")) == len(lignes) - 2
    assert _v(bloc, "MtBordHt").replace(".", ",") == lignes[-1][12]
    pjs = _pjs(arbre)
    for piece in arbre.iterfind(".//Piece"):
        assert _v(piece, ".//InfoTiers/CatTiers") == "23"
        assert _v(piece, "BlocPiece/Edition") == "02" and _v(piece, "BlocPiece/NumeroFacture")
        references = [_v(ref, "IdUnique") for ref in piece.iterfind("BlocPiece/PJRef")]
        assert {pjs[ref][0] for ref in references} == {"006", "008"}
        titre = TitreDeRecettes.objects.get(
            exercice=int(_v(bloc, "Exer")), numero=int(_v(piece, "BlocPiece/IdPce"))
        )
        pdf = next(pjs[ref][1] for ref in references if pjs[ref][0] == "008")
        with titre.pdf.open("rb") as f:
            assert pdf == f.read()
