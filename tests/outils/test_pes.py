"""B9 — the PES V2 builder and validator (outils/pes) against the DGFiP PES V2 v5.30 schemas
(PES_SCHEMAS_DIR): valid files, and each rule the XSD does not enforce refusing a broken one."""

import base64
import copy
import gzip
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as reglages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from outils.pes import regles
from outils.pes.construction import construire
from outils.pes.regles import valider
from outils.pes.valeurs import (
    PJ,
    BordereauPES,
    EnTete,
    ErreurPES,
    LignePES,
    ParametresFacture,
    PiecePES,
    Rattachement,
    Tiers,
    nom_pj,
)

SCHEMAS = Path(reglages.PES_SCHEMAS_DIR)
if not (SCHEMAS / "PES_V2/Rev0/PES_Aller.xsd").is_file():
    pytest.skip(
        f"schémas PES V2 absents de PES_SCHEMAS_DIR ({SCHEMAS}) : installez le paquet de la "
        "DGFiP ou pointez le réglage vers ../shared/schemas/pes-v2-5.30",
        allow_module_level=True,
    )


def siret(siren8: str, nic: str = "0001") -> str:
    """Made-up SIRET whose SIREN and SIRET Luhn keys are both valid (stdnum checks both)."""
    siren = siren8 + luhn.calc_check_digit(siren8)
    return siren + nic + luhn.calc_check_digit(siren + nic)


PDF_101 = b"%PDF-1.4\n% titre 101\n" + bytes(range(256)) * 4
PDF_102 = b"%PDF-1.4\n% titre 102\n" + bytes(reversed(range(256))) * 4
FACTURE_FOURNISSEUR = PJ(
    "FOURNISSEUR2027A1",
    "facture fournisseur acquittée.pdf",
    "008",
    "Facture du fournisseur acquittée",
    b"%PDF-1.7 fournisseur\x00\xff",
)
D = date(2027, 3, 14)


def entete(**modif) -> EnTete:
    pf = ParametresFacture(
        nom="SYNDICAT INTERCOMMUNAL EXEMPLE",
        cat_tiers="24",
        adresse="1 rue de la Paix",
        code_postal="01000",
        ville="Bourg-en-Bresse",
        ref_bdf="123456",
        signataire_nom="Dupont",
        signataire_prenom="Anne",
        signataire_role="La présidente",
        poste_nom="SGC DE BOURG",
        poste_adresse="2 avenue Alsace",
        poste_code_postal="01000",
        poste_ville="Bourg-en-Bresse",
        encaissement_code_postal="35908",
        encaissement_ville="RENNES CEDEX 9",
        encaissement_tsa="TSA 12345",
    )
    return replace(
        EnTete(
            id_post="0019999",
            id_coll=siret("21019999"),
            cod_col="045",
            cod_bud="00",
            libelle_col_bud="SYNDICAT EXEMPLE - BUDGET PRINCIPAL",
            emetteur_sigle="EDITEUR",
            emetteur_adresse="Logiciel exemple 1.0",
            nom_fichier="PESALR1_test.xml",
            facture=pf,
        ),
        **modif,
    )


def commune(lettre: str, siren8: str, **modif) -> Tiers:
    return replace(
        Tiers(
            nom=f"COMMUNE DE EXEMPLE-{lettre}",
            siret=siret(siren8),
            cat_tiers="23",
            nat_jur="09",
            adresse="1 place de la Mairie",
            code_postal="01999",
            ville=f"Exemple-{lettre}",
            ref_tiers=f"COM-{lettre}",
        ),
        **modif,
    )


def ligne(montant="1000.00", **modif) -> LignePES:
    return replace(
        LignePES(
            objet="Remboursement de frais T1 2027",
            nature="70875",
            fonction="020",
            cod_prod_loc="7087",
            montant=Decimal(montant),
        ),
        **modif,
    )


def piece(numero=101, **modif) -> PiecePES:
    return replace(
        PiecePES(
            numero=numero,
            objet="Remboursement de frais du service commun",
            lignes=(ligne(),),
            tiers=commune("A", "21019998"),
            edition="02",
            code_service="SERV-FIN",
            nom_service="Service des finances",
            numero_engagement="EJ2027000457",
            pdf=PDF_101,
        ),
        **modif,
    )


def ordinaire(**modif) -> BordereauPES:
    pieces = (
        piece(101, pieces_jointes_supplementaires=(FACTURE_FOURNISSEUR,)),
        piece(
            102,
            lignes=(ligne("500.00"), ligne("250.50", objet="Frais de dossier")),
            tiers=commune("B", "21019997"),
            pdf=PDF_102,
        ),
    )
    return replace(BordereauPES(exercice=2027, numero=12, date=D, pieces=pieces), **modif)


def reduction() -> BordereauPES:
    p = PiecePES(
        numero=301,
        objet="Réduction du titre 101",
        type_piece="02",
        nature_piece="06",
        lignes=(ligne("200.00", rattachement=Rattachement(2027, 101, 1)),),
        tiers=commune("A", "21019998"),
        pdf=b"%PDF-1.4 reduction",
    )
    return BordereauPES(exercice=2027, numero=3, date=D, pieces=(p,), type_bordereau="02")


@pytest.fixture(scope="module")
def xml_ordinaire() -> bytes:
    return construire(entete(), ordinaire(), date_production=D)


def refus(xml: bytes) -> ErreurPES:
    with pytest.raises(ErreurPES) as exc:
        valider(xml, SCHEMAS)
    return exc.value


def piece_el(racine, numero="101"):
    return next(p for p in racine.iter("Piece") if p.find("BlocPiece/IdPce").get("V") == numero)


def pj_el(racine, numero, type_pj):
    ids = [r.find("IdUnique").get("V") for r in piece_el(racine, numero).iter("PJRef")]
    return next(
        p
        for p in racine.iterfind("PES_PJ/PJ")
        if p.find("IdUnique").get("V") in ids and p.find("TypePJ").get("V") == type_pj
    )


def decoder(pj) -> bytes:
    return gzip.decompress(base64.b64decode(pj.findtext("Contenu/Fichier")))


def pjref(racine, type_pj, numero="101"):
    return next(
        r for r in piece_el(racine, numero).iter("PJRef") if r.find("TypePJ").get("V") == type_pj
    )


def muter(xml: bytes, fonction) -> bytes:
    racine = etree.fromstring(xml)
    fonction(racine)
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8")


def muter_facture(fonction, numero="101"):
    """Mutation of the PES Facture embedded (gzip+base64) in the titre's PJ 006."""

    def appliquer(racine):
        pj = pj_el(racine, numero, "006")
        facture = etree.fromstring(decoder(pj))
        fonction(facture.find("PES_Facture"))
        pj.find("Contenu/Fichier").text = base64.b64encode(
            gzip.compress(etree.tostring(facture))
        ).decode()

    return appliquer


def poser(chemin, valeur, numero="101"):
    return lambda r: piece_el(r, numero).find(chemin).set("V", valeur)


def retirer(chemin, numero="101"):
    def appliquer(racine):
        el = (piece_el(racine, numero) if numero else racine).find(chemin)
        el.getparent().remove(el)

    return appliquer


def retirer_dans(chemin):
    return lambda pf: pf.find(chemin).getparent().remove(pf.find(chemin))


# --------------------------------------------------------------------------- valid files
def test_ordinary_bordereau_edition02_valid(xml_ordinaire):
    valider(xml_ordinaire, SCHEMAS)
    # Independently of regles.py: plain lxml with the official root schema.
    parser = etree.XMLParser(no_network=True, huge_tree=True)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "PES_V2/Rev0/PES_Aller.xsd"), parser))
    racine = etree.fromstring(xml_ordinaire, parser)
    schema.assertValid(racine)
    bloc = racine.find("PES_RecetteAller/Bordereau/BlocBordereau")
    assert [bloc.find(t).get("V") for t in ("TypBord", "NbrPce", "MtBordHt")] == [
        "01",
        "2",
        "1750.50",
    ]
    for numero in ("101", "102"):
        bp = piece_el(racine, numero).find("BlocPiece")
        assert [bp.find(t).get("V") for t in ("TypPce", "NatPce", "Edition")] == ["01", "01", "02"]
        assert {r.find("TypePJ").get("V") for r in bp.iterfind("PJRef")} >= {"006", "008"}
        assert bp.find("NumeroFacture").get("V") == f"2027-12-00{numero}"
    tiers = piece_el(racine, "102").findall("LigneDePiece/Tiers/InfoTiers")
    assert len(tiers) == 2 and tiers[0].find("NatIdTiers").get("V") == "01"
    assert len(racine.findall("PES_PJ/PJ")) == 5  # 2 x (006 + 008) + the supplier invoice


def test_reduction_bordereau_valid():
    xml = construire(entete(), reduction(), date_production=D)
    valider(xml, SCHEMAS)
    racine = etree.fromstring(xml)
    assert racine.find(".//TypBord").get("V") == "02"
    bp = piece_el(racine, "301").find("BlocPiece")
    assert (bp.find("TypPce").get("V"), bp.find("NatPce").get("V"), bp.find("Edition")) == (
        "02",
        "06",
        None,
    )
    rp = racine.find(".//RattachPiece")
    assert [rp.find(t).get("V") for t in ("NatPceOrig", "ExerRat", "IdPceOrig", "IdLigneOrig")] == [
        "01",
        "2027",
        "101",
        "1",
    ]
    assert pj_el(racine, "301", "002") is not None  # outside Chorus Pro the PDF is a generic 002


def test_pdf_decodes_byte_for_byte(xml_ordinaire):
    racine = etree.fromstring(xml_ordinaire)
    assert decoder(pj_el(racine, "101", "008")) in (PDF_101, FACTURE_FOURNISSEUR.contenu)
    pdfs = {
        p.find("IdUnique").get("V"): decoder(p)
        for p in racine.iterfind("PES_PJ/PJ")
        if p.find("TypePJ").get("V") == "008"
    }
    assert sorted(pdfs.values()) == sorted([PDF_101, PDF_102, FACTURE_FOURNISSEUR.contenu])
    assert pdfs[FACTURE_FOURNISSEUR.id_unique] == FACTURE_FOURNISSEUR.contenu
    assert racine.find("PES_PJ/PJ/Contenu/Fichier").get("MIMEType") in (
        "text/xml",
        "application/pdf",
    )


def test_pes_facture_decoded_and_valid(xml_ordinaire):
    racine = etree.fromstring(xml_ordinaire)
    schema = regles.charger_schema(SCHEMAS)
    for numero, total in (("101", "1000.00"), ("102", "750.50")):
        pj = pj_el(racine, numero, "006")
        assert pj.find("Contenu/Fichier").get("MIMEType") == "text/xml"
        facture = etree.fromstring(decoder(pj))
        assert facture.tag == "{http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller}PES_Aller"
        schema.assertValid(facture)
        pf = facture.find("PES_Facture")
        assert pf.find("TypeFact").get("V") == "09"
        fi = pf.find("FactureIndiv")
        assert [
            fi.find(f"RefTitre/{t}").get("V")
            for t in ("Exercice", "NumBordereau", "NumTitre", "NumLigne")
        ] == ["2027", "12", numero, "1"]
        assert fi.find("TotalAPayer/MtTotalTTC").get("V") == total
        assert fi.find("NumeroFacture").get("V") == piece_el(racine, numero).find(
            "BlocPiece/NumeroFacture"
        ).get("V")
        assert sorted(t.find("InfoTiers/TypTiers").get("V") for t in pf.iterfind("Tiers")) == [
            "25",
            "26",
        ]


# --------------------------------------------------------------------------- XSD refusals
def test_xsd_refuses_edition_11(xml_ordinaire):
    err = refus(muter(xml_ordinaire, poser("BlocPiece/Edition", "11", "102")))
    assert err.codes == {"xsd"}
    assert any("Titre n° 102" in m and "Edition" in m for m in err.erreurs)


def test_xsd_refuses_numero_facture_with_dots(xml_ordinaire):
    err = refus(muter(xml_ordinaire, poser("BlocPiece/NumeroFacture", "ASAP.2027.101")))
    assert err.codes == {"xsd"} and "NumeroFacture" in err.erreurs[0]


# --------------------------------------------------------------------------- business rules
REGLES_CASSEES = {
    "pjref_edition02": lambda r: pjref(r, "006").getparent().remove(pjref(r, "006")),
    "pjref_edition02_typefact": muter_facture(lambda pf: pf.find("TypeFact").set("V", "01")),
    "numero_facture_edition02": retirer("BlocPiece/NumeroFacture"),
    "natidtiers_edition02": retirer("LigneDePiece/Tiers/InfoTiers/NatIdTiers"),
    "siret_cle": poser("LigneDePiece/Tiers/InfoTiers/IdTiers", "21019998000018"),
    "triplet_typbord": poser("BlocPiece/NatPce", "02"),
    "somme_bordereau": lambda r: r.find(".//MtBordHt").set("V", "1750.00"),
    "nombre_pieces": lambda r: r.find(".//NbrPce").set("V", "3"),
    "pjref_existe": lambda r: pjref(r, "008").find("IdUnique").set("V", "INCONNU1"),
    "idunique_unique": lambda r: r.find("PES_PJ").append(copy.deepcopy(r.find("PES_PJ/PJ"))),
    "cattiers_natjur": poser("LigneDePiece/Tiers/InfoTiers/NatJur", "03"),
    "pj_lisible": lambda r: setattr(
        pj_el(r, "101", "008").find("Contenu/Fichier"),
        "text",
        base64.b64encode(b"pas du gzip").decode(),
    ),
    "facture_xsd": muter_facture(retirer_dans("FactureIndiv/ModalitesReglement")),
    "facture_coherence": muter_facture(
        lambda pf: pf.find("FactureIndiv/RefTitre/NumTitre").set("V", "999")
    ),
    "facture_asap": muter_facture(retirer_dans("Emetteur/Signataire")),
}


@pytest.mark.parametrize("cas", sorted(REGLES_CASSEES))
def test_rule_refuses_a_broken_file(xml_ordinaire, cas):
    code = cas.split("_typefact")[0]
    err = refus(muter(xml_ordinaire, REGLES_CASSEES[cas]))
    assert err.codes == {code}, err.erreurs  # refused by exactly that rule
    lieu = "Bordereau n° 12" if code in ("somme_bordereau", "nombre_pieces") else "Titre n° 101"
    assert all(m.startswith(lieu) for m in err.erreurs), err.erreurs


def test_rule_rattachement_annulation():
    xml = construire(entete(), reduction(), date_production=D)
    err = refus(muter(xml, retirer("LigneDePiece/BlocLignePiece/RattachPiece", "301")))
    assert err.codes == {"rattachement_annulation"}
    assert err.erreurs[0].startswith("Titre n° 301, ligne 1 : RattachPiece")


def test_rule_siret_cle_exact_message():
    mauvais = siret("21019998")[:-1] + str((int(siret("21019998")[-1]) + 1) % 10)
    assert not stdnum_siret.is_valid(mauvais)
    b = ordinaire(pieces=(piece(12, tiers=commune("A", "21019998", siret=mauvais)),))
    err = refus(construire(entete(), b, date_production=D))
    assert err.codes == {"siret_cle"}
    assert err.erreurs == [f"Titre n° 12 : SIRET du débiteur {mauvais} invalide (clé de contrôle)"]


def test_every_rule_has_its_test():
    assert set(regles.REGLES) == {c.split("_typefact")[0] for c in REGLES_CASSEES} | {
        "rattachement_annulation"
    }


# --------------------------------------------------------------------------- input handling
def test_missing_schemas(tmp_path, xml_ordinaire):
    for dossier in (tmp_path, None):
        with pytest.raises(ErreurPES) as exc:
            valider(xml_ordinaire, dossier)
        assert exc.value.codes == {"schemas"}
        assert "PES_SCHEMAS_DIR" in exc.value.erreurs[0] and "DGFiP" in exc.value.erreurs[0]


def test_schema_compiled_and_cached():
    assert regles.charger_schema(SCHEMAS) is regles.charger_schema(str(SCHEMAS) + "/")
    assert regles.charger_schema(SCHEMAS / "PES_V2") is not None  # the PES_V2 folder itself


def test_unreadable_schema(tmp_path, xml_ordinaire):
    (tmp_path / "PES_V2/Rev0").mkdir(parents=True)
    (tmp_path / "PES_V2/Rev0/PES_Aller.xsd").write_text("<pas-un-schema/>")
    with pytest.raises(ErreurPES) as exc:
        valider(xml_ordinaire, tmp_path)
    assert exc.value.codes == {"schemas"} and "PES_SCHEMAS_DIR" in exc.value.erreurs[0]


def test_normalisations():
    long_nom = "COMMUNE NOUVELLE DE SAINT-GERMAIN-AU-MONT-D’OR-ET-ENVIRONS"
    p = piece(
        7,
        objet="Objet\nsur deux lignes\t œuvre",
        numero_facture="ASAP.2027.7",
        tiers=commune("A", "21019998", nom=long_nom, adresse="  12, rue de l’Église  "),
    )
    xml = construire(entete(), ordinaire(pieces=(p,)), date_production=D)
    valider(xml, SCHEMAS)
    racine = etree.fromstring(xml)
    nom = racine.find(".//InfoTiers/Nom").get("V")
    assert nom == "COMMUNE NOUVELLE DE SAINT-GERMAIN-AU-M" and len(nom) == 38
    assert racine.find(".//ObjPce").get("V") == "Objet sur deux lignes oeuvre"
    assert racine.find(".//Adresse/Adr2").get("V") == "12 RUE DE L EGLISE"
    assert racine.find(".//NumeroFacture").get("V") == "ASAP-2027-7"
    assert racine.find(".//MtHT").get("V") == "1000.00"


@pytest.mark.parametrize(
    "montant", [Decimal("10.005"), Decimal("0"), Decimal("-5.00"), 12.5, "abc"]
)
def test_amount_refused_at_build_time(montant):
    b = ordinaire(pieces=(piece(5, lignes=(replace(ligne(), montant=montant),)),))
    with pytest.raises(ErreurPES) as exc:
        construire(entete(), b, date_production=D)
    assert exc.value.codes == {"donnees"}
    assert exc.value.erreurs[0].startswith("Titre n° 5 : Montant de la ligne 1")


def test_edition02_without_facture_parameters():
    with pytest.raises(ErreurPES) as exc:
        construire(entete(facture=None), ordinaire(), date_production=D)
    assert "Titre n° 101 : Edition 02" in exc.value.erreurs[0]


def test_errors_collected_then_raised():
    b = ordinaire(pieces=(piece(1, tiers=commune("A", "21019998", code_postal="1999", nom="")),))
    with pytest.raises(ErreurPES) as exc:
        construire(entete(id_post="12"), b, date_production=D)
    assert len(exc.value.erreurs) >= 3
    assert any(m.startswith("En-tête : IdPost") for m in exc.value.erreurs)
    assert any(m.startswith("Titre n° 1 : Code postal du débiteur") for m in exc.value.erreurs)


def test_idunique_conflict_at_build_time():
    autre = replace(FACTURE_FOURNISSEUR, contenu=b"%PDF autre contenu")
    b = ordinaire(
        pieces=(
            piece(1, pieces_jointes_supplementaires=(FACTURE_FOURNISSEUR,)),
            piece(2, pieces_jointes_supplementaires=(autre,)),
        )
    )
    with pytest.raises(ErreurPES) as exc:
        construire(entete(), b, date_production=D)
    assert exc.value.codes == {"idunique_unique"}


def test_shared_pj_written_once():
    b = ordinaire(
        pieces=(
            piece(1, pieces_jointes_supplementaires=(FACTURE_FOURNISSEUR,)),
            piece(2, pieces_jointes_supplementaires=(FACTURE_FOURNISSEUR,)),
        )
    )
    xml = construire(entete(), b, date_production=D)
    valider(xml, SCHEMAS)
    racine = etree.fromstring(xml)
    ids = [p.find("IdUnique").get("V") for p in racine.iterfind("PES_PJ/PJ")]
    assert ids.count(FACTURE_FOURNISSEUR.id_unique) == 1
    assert (
        sum(
            r.find("IdUnique").get("V") == FACTURE_FOURNISSEUR.id_unique
            for r in racine.iter("PJRef")
        )
        == 2
    )


def test_without_siret_or_edition_valid():
    p = piece(9, edition=None, tiers=commune("C", "21019996", siret=""), pdf=None)
    xml = construire(entete(facture=None), ordinaire(pieces=(p,)), date_production=D)
    valider(xml, SCHEMAS)
    it = etree.fromstring(xml).find(".//InfoTiers")
    assert it.find("IdTiers") is None and it.find("NatIdTiers") is None


# --------------------------------------------------------------------------- properties
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nom=st.text(max_size=60), objet=st.text(max_size=200), adresse=st.text(max_size=60))
def test_any_text_gives_a_valid_file_or_a_clear_error(nom, objet, adresse):
    p = piece(1, objet=objet, tiers=commune("A", "21019998", nom=nom, adresse=adresse))
    try:
        xml = construire(entete(), ordinaire(pieces=(p,)), date_production=D)
    except ErreurPES as exc:
        assert exc.codes == {"donnees"}
        assert all(
            re.match(r"Titre n° 1 : (Nom du débiteur|Adresse du débiteur|Objet) ", m)
            for m in exc.erreurs
        )
        return
    valider(xml, SCHEMAS)


@given(st.text(max_size=300), st.sampled_from(["application/pdf", "text/xml", "image/png"]))
def test_nom_pj_follows_the_pattern(nom, mime):
    s = nom_pj(nom, mime)
    assert len(s) <= 100 and re.fullmatch(r".+\.[A-Za-z0-9]{2,4}", s)
