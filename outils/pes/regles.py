"""Validate a PES_Aller recette file: the official XSD first, then the Hélios rules that the
schema only states in its xs:documentation.  Each rule is a function with a stable code."""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import threading
import zlib
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree
from stdnum.fr import siret as stdnum_siret

from outils.pes.valeurs import Anomalie, ErreurPES

XSD = Path("PES_V2") / "Rev0" / "PES_Aller.xsd"
MESSAGE_SCHEMAS = (
    "Schémas PES V2 introuvables ou illisibles dans « {dir} » ({detail}). Installez le "
    "paquet officiel des schémas PES V2 de la DGFiP (PES_Aller) et indiquez dans le "
    "réglage PES_SCHEMAS_DIR le dossier qui contient PES_V2/Rev0/PES_Aller.xsd."
)

# Triplets this module emits (Class_LigneTitreAller.xsd, NatPceOrig: "Pour 02 02 06 ... bloc
# RattachPiece complet et obligatoire"); the full annex-2 grid is not in the schema package.
TRIPLETS = {
    ("01", "01", "01"): "titre ordinaire de fonctionnement",
    ("02", "02", "06"): "annulation-réduction",
}
TRIPLETS_ASAP = {("01", "01", "01")}  # Edition 02 only on ordinary titres
TRIPLETS_RATTACHEMENT = {("02", "02", "06")}
# CatTiers -> NatJur accepted here (public debtors only); see NOTES.md for where it comes from.
GRILLE_CAT_NAT = {
    "20": {"07", "08"},
    "21": {"09"},
    "22": {"09"},
    "23": {"09"},
    "24": {"09"},
    "25": {"09"},
    "26": {"09"},
    "27": {"09"},
}

_local = (
    threading.local()
)  # compiled schemas per thread and directory (lxml objects stay per thread)


def _parser():
    # No network, no entity expansion; huge_tree because a PJ text node may exceed 10 MB.
    return etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)


def charger_schema(schemas_dir) -> etree.XMLSchema:
    """Compiled PES_Aller.xsd of `schemas_dir` (the folder holding PES_V2/, or PES_V2 itself)."""
    cache = _local.__dict__.setdefault("schemas", {})
    base = Path(schemas_dir or "").expanduser()
    cle = str(base.resolve())
    if not schemas_dir or cle not in cache:
        chemin = next(
            (c for c in (base / XSD, base / XSD.relative_to("PES_V2")) if c.is_file()), None
        )
        if not schemas_dir or chemin is None:
            message = MESSAGE_SCHEMAS.format(dir=schemas_dir, detail="fichier absent")
            raise ErreurPES([Anomalie("schemas", message)])
        try:
            cache[cle] = etree.XMLSchema(etree.parse(str(chemin), etree.XMLParser(no_network=True)))
        except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            raise ErreurPES(
                [Anomalie("schemas", MESSAGE_SCHEMAS.format(dir=schemas_dir, detail=exc))]
            ) from exc
    return cache[cle]


def valider(xml_bytes: bytes, schemas_dir) -> None:
    """Raise ErreurPES (French messages naming titre and field) unless the file is acceptable."""
    schema = charger_schema(schemas_dir)
    try:
        arbre = etree.ElementTree(etree.fromstring(xml_bytes, _parser()))
    except etree.XMLSyntaxError as exc:
        raise ErreurPES([Anomalie("xml", f"Fichier XML mal formé : {exc}")]) from exc
    # Business rules assume the structure the XSD guarantees, so they run only on a valid file.
    anomalies = erreurs_xsd(arbre, schema) or verifier_regles(arbre, schema)
    if anomalies:
        raise ErreurPES(anomalies)


def erreurs_xsd(arbre, schema, prefixe="", code="xsd", maxi=50) -> list[Anomalie]:
    if schema.validate(arbre):
        return []
    ns = {k: v for k, v in arbre.getroot().nsmap.items() if k}
    out = []
    for err in list(schema.error_log)[:maxi]:
        try:
            el = (arbre.xpath(err.path, namespaces=ns) or [None])[0]
        except etree.XPathError:
            el = None
        champ = el.tag if el is not None and isinstance(el.tag, str) else "?"
        lieu = prefixe or _titre(el) or "Fichier"
        out.append(
            Anomalie(code, f"{lieu} : champ {champ} refusé par le schéma XSD : {err.message}")
        )
    return out


def _titre(el) -> str | None:
    while el is not None and el.tag != "Piece":
        el = el.getparent()
    return None if el is None else f"Titre n° {_v(el, 'BlocPiece/IdPce')}"


def _v(el, chemin):
    x = el.find(chemin)
    return None if x is None else x.get("V")


def _dec(valeur) -> Decimal:
    try:
        return Decimal(valeur)
    except (InvalidOperation, TypeError):
        return Decimal(0)


class Flux:
    """Parsed file plus lazily decoded PJs, shared by the rules."""

    def __init__(self, arbre, schema):
        self.racine, self.schema = arbre.getroot(), schema
        self.pjs: dict[str, list] = {}
        for pj in self.racine.iterfind("PES_PJ/PJ"):
            self.pjs.setdefault(_v(pj, "IdUnique"), []).append(pj)
        self.refs: dict[str, list[str]] = {}  # IdUnique -> titres referring to it
        for _, piece, titre in self.pieces():
            for ref in piece.iter("PJRef"):
                self.refs.setdefault(_v(ref, "IdUnique"), []).append(titre)
        self._contenus: dict[str, bytes | None] = {}
        self._factures: dict[str, object] = {}

    def bordereaux(self):
        return self.racine.iterfind("PES_RecetteAller/Bordereau")

    def pieces(self):
        for bord in self.bordereaux():
            for piece in bord.iterfind("Piece"):
                yield bord, piece, f"Titre n° {_v(piece, 'BlocPiece/IdPce')}"

    def type_pj(self, id_unique):
        return _v(self.pjs[id_unique][0], "TypePJ") if id_unique in self.pjs else None

    def contenu(self, id_unique) -> bytes | None:
        """base64 then gunzip of the first PJ with this IdUnique; None when unreadable."""
        if id_unique not in self._contenus:
            texte = self.pjs[id_unique][0].findtext("Contenu/Fichier") or ""
            try:
                brut = base64.b64decode("".join(texte.split()), validate=True)
                self._contenus[id_unique] = gzip.decompress(brut)
            except (binascii.Error, OSError, EOFError, zlib.error):
                self._contenus[id_unique] = None
        return self._contenus[id_unique]

    def facture(self, id_unique):
        """The PES Facture document carried by a PJ, parsed (an ElementTree) or None."""
        if id_unique not in self._factures:
            contenu, arbre = self.contenu(id_unique), None
            if contenu:
                with contextlib.suppress(etree.XMLSyntaxError):
                    arbre = etree.ElementTree(etree.fromstring(contenu, _parser()))
            self._factures[id_unique] = arbre
        return self._factures[id_unique]

    def factures_du_titre(self, piece):
        """(IdUnique, parsed PES_Facture element or None) of every PJ 006 the titre refers to."""
        for ref in piece.iterfind("BlocPiece/PJRef"):
            idu = _v(ref, "IdUnique")
            if self.type_pj(idu) == "006":
                arbre = self.facture(idu)
                yield idu, None if arbre is None else arbre.getroot().find("PES_Facture")


REGLES: dict[str, object] = {}


def regle(code):
    def enregistrer(fonction):
        def appliquer(flux):
            return [Anomalie(code, message) for message in fonction(flux)]

        REGLES[code] = appliquer
        appliquer.__doc__ = fonction.__doc__
        return appliquer

    return enregistrer


def verifier_regles(arbre, schema) -> list[Anomalie]:
    flux = Flux(arbre, schema)
    return [a for appliquer in REGLES.values() for a in appliquer(flux)]


def _somme_lignes(el) -> Decimal:
    chemin = ".//LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT"
    return sum((_dec(e.get("V")) for e in el.iterfind(chemin)), Decimal(0))


def _edition02(flux):
    return ((b, p, t) for b, p, t in flux.pieces() if _v(p, "BlocPiece/Edition") == "02")


@regle("nombre_pieces")
def nombre_pieces(flux):
    """NbrPce equals the number of Piece elements of the bordereau."""
    for bord in flux.bordereaux():
        n, annonce = len(bord.findall("Piece")), _v(bord, "BlocBordereau/NbrPce")
        if str(n) != annonce:
            yield (
                f"Bordereau n° {_v(bord, 'BlocBordereau/IdBord')} : NbrPce vaut {annonce} "
                f"mais le bordereau contient {n} titre(s)"
            )


@regle("somme_bordereau")
def somme_bordereau(flux):
    """MtBordHt equals the sum of the lines' MtHT."""
    for bord in flux.bordereaux():
        somme, annonce = _somme_lignes(bord), _v(bord, "BlocBordereau/MtBordHt")
        if _dec(annonce) != somme:
            yield (
                f"Bordereau n° {_v(bord, 'BlocBordereau/IdBord')} : MtBordHt vaut {annonce} "
                f"mais la somme des lignes (MtHT) est {somme:.2f}"
            )


def _triplet(bord, piece):
    return (
        _v(bord, "BlocBordereau/TypBord"),
        _v(piece, "BlocPiece/TypPce"),
        _v(piece, "BlocPiece/NatPce"),
    )


@regle("triplet_typbord")
def triplet_typbord(flux):
    """TypBord/TypPce/NatPce is an allowed triplet; Edition 02 only on an ordinary titre."""
    admis = ", ".join(f"{'/'.join(t)} ({nom})" for t, nom in TRIPLETS.items())
    for bord, piece, titre in flux.pieces():
        t = _triplet(bord, piece)
        if t not in TRIPLETS:
            yield f"{titre} : combinaison TypBord/TypPce/NatPce {'/'.join(t)} non admise (admises : {admis})"
        elif _v(piece, "BlocPiece/Edition") == "02" and t not in TRIPLETS_ASAP:
            yield f"{titre} : Edition 02 (ASAP Chorus Pro) interdite pour la combinaison {'/'.join(t)}"


@regle("rattachement_annulation")
def rattachement_annulation(flux):
    """An annulation-réduction (02/02/06) line names the titre line it reduces (RattachPiece)."""
    for bord, piece, titre in flux.pieces():
        if _triplet(bord, piece) not in TRIPLETS_RATTACHEMENT:
            continue
        exer = _v(bord, "BlocBordereau/Exer")
        for bloc in piece.iterfind("LigneDePiece/BlocLignePiece"):
            lieu, rp = (
                f"{titre}, ligne {_v(bloc, 'InfoLignePiece/IdLigne')}",
                bloc.find("RattachPiece"),
            )
            if rp is None:
                yield f"{lieu} : RattachPiece (titre d'origine) obligatoire pour une annulation-réduction"
                continue
            if _v(rp, "NatPceOrig") not in ("01", "02"):
                yield f"{lieu} : NatPceOrig {_v(rp, 'NatPceOrig')} invalide (01 ou 02 attendu)"
            if _v(rp, "ExerRat") != exer:
                yield f"{lieu} : ExerRat {_v(rp, 'ExerRat')} différent de l'exercice du bordereau {exer}"
            if int(_v(rp, "IdLigneOrig") or 0) < 1:
                yield f"{lieu} : IdLigneOrig (ligne du titre d'origine) absent ou nul"


@regle("cattiers_natjur")
def cattiers_natjur(flux):
    """CatTiers/NatJur pair belongs to the grid applied here (public debtors)."""
    admis = ", ".join(f"{c}/{n}" for c, ns in GRILLE_CAT_NAT.items() for n in sorted(ns))
    for _, piece, titre in flux.pieces():
        for it in piece.iterfind("LigneDePiece/Tiers/InfoTiers"):
            cat, nat = _v(it, "CatTiers"), _v(it, "NatJur")
            if nat not in GRILLE_CAT_NAT.get(cat, ()):
                yield (
                    f"{titre} : couple CatTiers {cat} / NatJur {nat} du débiteur {_v(it, 'Nom')} "
                    f"non admis (admis : {admis})"
                )


@regle("siret_cle")
def siret_cle(flux):
    """Every SIRET (IdColl, IdTiers with NatIdTiers 01) has 14 digits and a valid key."""
    id_coll = _v(flux.racine, "EnTetePES/IdColl")
    if not stdnum_siret.is_valid(id_coll or ""):
        yield f"En-tête : IdColl (SIRET de la collectivité) {id_coll} invalide (clé de contrôle)"
    for _, piece, titre in flux.pieces():
        for it in piece.iterfind("LigneDePiece/Tiers/InfoTiers"):
            valeur = _v(it, "IdTiers") or ""
            if _v(it, "NatIdTiers") == "01" and not stdnum_siret.is_valid(valeur):
                cause = (
                    "clé de contrôle"
                    if len(valeur) == 14 and valeur.isdigit()
                    else "14 chiffres attendus"
                )
                yield f"{titre} : SIRET du débiteur {valeur} invalide ({cause})"


@regle("natidtiers_edition02")
def natidtiers_edition02(flux):
    """Edition 02: one debtor, identified by its SIRET (NatIdTiers 01)."""
    for _, piece, titre in _edition02(flux):
        debiteurs = [
            it
            for it in piece.iterfind("LigneDePiece/Tiers/InfoTiers")
            if _v(it, "TypTiers") == "01"
        ]
        if (
            any(_v(it, "NatIdTiers") != "01" or not _v(it, "IdTiers") for it in debiteurs)
            or not debiteurs
        ):
            yield f"{titre} : Edition 02 exige un débiteur identifié par SIRET (IdTiers avec NatIdTiers 01)"
        if len({(_v(it, "IdTiers"), _v(it, "Nom")) for it in debiteurs}) > 1:
            yield f"{titre} : Edition 02 exige un titre mono-débiteur (plusieurs débiteurs TypTiers 01)"


@regle("numero_facture_edition02")
def numero_facture_edition02(flux):
    """Edition 02: BlocPiece/NumeroFacture present."""
    for _, piece, titre in _edition02(flux):
        if not _v(piece, "BlocPiece/NumeroFacture"):
            yield f"{titre} : NumeroFacture obligatoire pour l'Edition 02 (ASAP Chorus Pro)"


@regle("pjref_edition02")
def pjref_edition02(flux):
    """Edition 02: a PJRef to a PJ 006 of this file whose PES_Facture has TypeFact 09."""
    for _, piece, titre in _edition02(flux):
        factures = list(flux.factures_du_titre(piece))
        if not factures:
            yield f"{titre} : PJRef vers une PJ de type 006 (PES Facture) obligatoire pour l'Edition 02"
        for idu, pf in factures:
            if pf is None:
                yield f"{titre} : la PJ {idu} (type 006) ne contient pas de PES_Facture lisible"
            elif _v(pf, "TypeFact") != "09":
                yield f"{titre} : le PES Facture {idu} a TypeFact {_v(pf, 'TypeFact')} au lieu de 09 (ASAP)"


@regle("pjref_existe")
def pjref_existe(flux):
    """Every electronic PJRef (Support 01) names a PJ present in the file."""
    for _, piece, titre in flux.pieces():
        for ref in piece.iter("PJRef"):
            if _v(ref, "Support") == "01" and _v(ref, "IdUnique") not in flux.pjs:
                yield f"{titre} : PJRef {_v(ref, 'IdUnique')} ne correspond à aucune PJ du fichier"


def _titres_de(flux, id_unique) -> str:
    return ", ".join(dict.fromkeys(flux.refs.get(id_unique, []))) or "PJ non référencée"


@regle("idunique_unique")
def idunique_unique(flux):
    """PJ IdUnique values are unique in the file."""
    for idu, pjs in flux.pjs.items():
        if len(pjs) > 1:
            yield f"{_titres_de(flux, idu)} : IdUnique de PJ {idu} présent {len(pjs)} fois dans le fichier"


@regle("pj_lisible")
def pj_lisible(flux):
    """Every PJ content is gzip then base64 and not empty."""
    for idu in flux.pjs:
        contenu = flux.contenu(idu)
        if not contenu:
            etat = "vide" if contenu == b"" else "illisible (gzip puis base64 attendu)"
            yield f"{_titres_de(flux, idu)} : contenu de la PJ {idu} {etat}"


@regle("facture_xsd")
def facture_xsd(flux):
    """Every PES Facture (PJ 006) is a PES_Aller with PES_Facture valid against the same XSD."""
    for idu in flux.pjs:
        if flux.type_pj(idu) != "006" or flux.contenu(idu) is None:
            continue
        arbre, lieu = flux.facture(idu), f"{_titres_de(flux, idu)} : PES Facture {idu}"
        if arbre is None or arbre.getroot().find("PES_Facture") is None:
            yield f"{lieu} : pas un document PES_Aller contenant PES_Facture"
        else:
            yield from (a.message for a in erreurs_xsd(arbre, flux.schema, prefixe=lieu, maxi=10))


@regle("facture_coherence")
def facture_coherence(flux):
    """The PES Facture of an Edition 02 titre points back to it (RefTitre), same number and total."""
    for bord, piece, titre in _edition02(flux):
        attendu = (
            _v(bord, "BlocBordereau/Exer"),
            _v(bord, "BlocBordereau/IdBord"),
            _v(piece, "BlocPiece/IdPce"),
        )
        total = _somme_lignes(piece)
        numero = _v(piece, "BlocPiece/NumeroFacture")
        for idu, pf in flux.factures_du_titre(piece):
            for fi in [] if pf is None else pf.iterfind("FactureIndiv"):
                ref = tuple(
                    _v(fi, f"RefTitre/{c}") for c in ("Exercice", "NumBordereau", "NumTitre")
                )
                if ref != attendu:
                    yield (
                        f"{titre} : RefTitre du PES Facture {idu} ({'/'.join(map(str, ref))}) "
                        f"ne désigne pas ce titre ({'/'.join(attendu)})"
                    )
                if numero and _v(fi, "NumeroFacture") != numero:
                    yield (
                        f"{titre} : NumeroFacture {_v(fi, 'NumeroFacture')} du PES Facture {idu} "
                        f"différent de celui du titre ({numero})"
                    )
                if _dec(_v(fi, "TotalAPayer/MtTotalTTC")) != total:
                    yield f"{titre} : MtTotalTTC du PES Facture {idu} différent du montant du titre ({total:.2f})"


@regle("facture_asap")
def facture_asap(flux):
    """PES Facture ASAP (TypeFact 09): the blocks its documentation makes mandatory."""
    for idu in flux.pjs:
        arbre = flux.facture(idu) if flux.type_pj(idu) == "006" else None
        pf = None if arbre is None else arbre.getroot().find("PES_Facture")
        if pf is None or _v(pf, "TypeFact") != "09":
            continue
        lieu = f"{_titres_de(flux, idu)} : PES Facture {idu}"
        types = Counter(_v(t, "InfoTiers/TypTiers") for t in pf.iterfind("Tiers"))
        for typ, nom in (("25", "centre d'encaissement"), ("26", "centre des finances publiques")):
            if types[typ] != 1:
                yield f"{lieu} : un et un seul Tiers TypTiers {typ} ({nom}) attendu, {types[typ]} trouvé(s)"
        for chemin, nom in (
            ("Emetteur/Adresse/Adr2", "Adresse de l'émetteur (Adr2)"),
            ("Emetteur/InfoSuppl/RefBdf", "RefBdf de l'émetteur"),
            ("Emetteur/Signataire", "Signataire"),
        ):
            if pf.find(chemin) is None:
                yield f"{lieu} : {nom} obligatoire pour un ASAP"
        for fi in pf.iterfind("FactureIndiv"):
            for chemin, nom in (
                ("Debiteur/Adresse/Adr2", "Adresse du débiteur (Adr2)"),
                ("ModeRecouvrement", "ModeRecouvrement"),
                ("RefTitre", "RefTitre"),
            ):
                if fi.find(chemin) is None:
                    yield f"{lieu} : {nom} obligatoire pour un ASAP"
