"""Build a PES V2 recette "aller" file (root PES_Aller, schema package v5.30) from plain values
(``outils.pes.valeurs``). Every value goes in a ``V`` attribute; the XML is built only with
lxml ``Element``/``SubElement``, never by string concatenation. Validation (XSD, then the rules
the XSD does not enforce) is ``outils.pes.regles.valider``."""

from __future__ import annotations

import base64
import copy
import gzip
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree
from lxml.etree import SubElement

from outils.pes.valeurs import (
    CAT_NAT_DGFIP,
    CENT,
    NS,
    PJ,
    Anomalie,
    BordereauPES,
    EnTete,
    ErreurPES,
    LignePES,
    PiecePES,
    Tiers,
    nom_pj,
    normaliser,
    sans_accents,
    texte_valide,
)


def _v(parent, tag: str, valeur) -> None:
    if valeur is not None:
        SubElement(parent, tag, V=str(valeur))


def _bloc(parent, tag: str, **valeurs):
    """SubElement `tag` with one <Child V="..."/> per keyword, in order; None values skipped."""
    el = SubElement(parent, tag)
    for nom, valeur in valeurs.items():
        _v(el, nom, valeur)
    return el


def _gzip_b64(contenu: bytes) -> str:
    # mtime=0 keeps output deterministic; level 6: PDFs barely compress, level 9 only costs time.
    return base64.b64encode(gzip.compress(contenu, compresslevel=6, mtime=0)).decode("ascii")


# --------------------------------------------------------------------------- builder
class _Constructeur:
    """Collects every input problem before raising, so users fix a whole bordereau at once."""

    def __init__(self, entete: EnTete, bordereau: BordereauPES, date_production: date):
        self.e, self.b, self.date_production = entete, bordereau, date_production
        self.anomalies: list[Anomalie] = []
        self.lieu = "En-tête"
        self.pjs: dict[str, PJ] = {}
        self.id_post = self.chiffres(
            entete.id_post, r"02[AB][0-9]{3,4}|[0-9]{6,7}", "IdPost (poste comptable)"
        )
        self.id_coll = self.chiffres(
            entete.id_coll, r"[0-9]{14}", "IdColl (SIRET de la collectivité)"
        )
        self.cod_col = self.chiffres(entete.cod_col, r"[0-9]{3}", "CodCol")
        self.cod_bud = self.chiffres(entete.cod_bud, r"[0-9A-Z][0-9]", "CodBud")
        self.libelle = self.txt(entete.libelle_col_bud, 38, "LibelleColBud", requis=False)
        self.sigle = self.txt(entete.emetteur_sigle, 32, "Emetteur/Sigle")
        self.logiciel = self.txt(entete.emetteur_adresse, 38, "Emetteur/Adresse")
        self.lieu = f"Bordereau n° {bordereau.numero}"
        self.exer = self.chiffres(bordereau.exercice, r"[0-9]{4}", "Exer")
        self.id_bord = self.chiffres(bordereau.numero, r"0*[1-9][0-9]{0,6}", "IdBord")

    def erreur(self, message: str, code: str = "donnees") -> None:
        self.anomalies.append(Anomalie(code, f"{self.lieu} : {message}"))

    def txt(self, valeur, maxi, champ, requis=True, postal=False):
        if postal:  # "Recommandation normes postales : majuscule, sans accent, sans ponctuation"
            valeur = re.sub(r"[^0-9A-Z-]+", " ", sans_accents(normaliser(valeur, 10**4)).upper())
        s = normaliser(valeur, maxi)
        if texte_valide(s):
            return s
        if requis:
            self.erreur(f"{champ} vide ou inutilisable ({valeur!r})")
        return None

    def chiffres(self, valeur, motif, champ):
        s = re.sub(r"\s", "", str(valeur if valeur is not None else ""))
        if not re.fullmatch(motif, s):
            self.erreur(f"{champ} {valeur!r} invalide")
        return s

    def montant(self, valeur, champ) -> Decimal:
        # Money is never rounded silently: more than 2 decimals or a float is an input error.
        try:
            d = None if isinstance(valeur, float) else Decimal(valeur)
        except (InvalidOperation, TypeError, ValueError):
            d = None
        if (
            d is None
            or not d.is_finite()
            or d <= 0
            or d != d.quantize(CENT)
            or len(d.quantize(CENT).as_tuple().digits) > 14
        ):
            self.erreur(f"{champ} {valeur!r} invalide (Decimal > 0, 2 décimales au plus)")
            return CENT
        return d.quantize(CENT)

    def id_unique(self, numero_titre: int, suffixe: str) -> str:
        # ≤50 alnum, never reused: SIRET+budget+year+bordereau type and number+titre+kind = 40.
        return (
            f"{self.id_coll}{self.cod_bud}{self.exer}{self.b.type_bordereau}"
            f"{int(self.b.numero):07d}{int(numero_titre):08d}{suffixe}"
        )

    # ----------------------------------------------------------------- documents
    def racine(self, nom_fichier: str):
        r = etree.Element(f"{{{NS}}}PES_Aller", nsmap={"n": NS})
        env = SubElement(r, "Enveloppe")
        _bloc(env, "Parametres", Version="2", TypFic="PESALR1", NomFic=nom_fichier)
        _bloc(env, "Emetteur", Sigle=self.sigle, Adresse=self.logiciel)
        _bloc(
            r,
            "EnTetePES",
            DteStr=self.date_production.isoformat(),
            IdPost=self.id_post,
            IdColl=self.id_coll,
            CodCol=self.cod_col,
            CodBud=self.cod_bud,
            LibelleColBud=self.libelle,
        )
        return r

    def document(self):
        b = self.b
        r = self.racine(self.txt(self.e.nom_fichier, 100, "Nom du fichier"))
        rec = SubElement(r, "PES_RecetteAller")
        _bloc(rec, "EnTeteRecette", IdVer="2", InfoDematerialisee="0")
        bord = SubElement(rec, "Bordereau")
        bloc = _bloc(
            bord,
            "BlocBordereau",
            Exer=self.exer,
            IdBord=self.id_bord,
            DteBordEm=b.date.isoformat(),
            TypBord=b.type_bordereau,
        )
        if not b.pieces:
            self.erreur("bordereau sans titre")
        total = sum((self.piece(bord, p) for p in b.pieces), Decimal(0))
        # Appended after the pieces are built: still the last children of BlocBordereau.
        _v(bloc, "NbrPce", len(b.pieces))
        _v(bloc, "MtBordHt", f"{total:.2f}")
        self.lieu = f"Bordereau n° {b.numero}"
        pes_pj = SubElement(r, "PES_PJ")
        _v(SubElement(pes_pj, "EnTetePES_PJ"), "IdVer", "1")
        for pj in self.pjs.values():
            self.pj(pes_pj, pj)
        return r

    def piece(self, bord, p: PiecePES) -> Decimal:
        self.lieu = f"Titre n° {p.numero}"
        el = SubElement(bord, "Piece")
        bp = _bloc(
            el,
            "BlocPiece",
            IdPce=self.chiffres(p.numero, r"0*[1-9][0-9]{0,7}", "IdPce"),
            TypPce=p.type_piece,
            NatPce=p.nature_piece,
            Edition=p.edition,
            ObjPce=self.txt(p.objet, 160, "ObjPce", requis=False),
        )
        if not p.lignes:
            self.erreur("titre sans ligne")
        montants = [
            self.montant(ligne.montant, f"Montant de la ligne {i}")
            for i, ligne in enumerate(p.lignes, 1)
        ]
        tiers = self.tiers(p.tiers)
        numero_facture = self.numero_facture(p) if (p.edition == "02" or p.numero_facture) else None
        jointes = []
        if p.edition == "02":
            xml = self.facture(p, numero_facture, montants, tiers)
            jointes.append(
                PJ(
                    self.id_unique(p.numero, "FAC"),
                    f"pes-facture-{self.exer}-{p.numero}.xml",
                    "006",
                    f"PES Facture ASAP du titre n° {p.numero} / {self.exer}",
                    xml,
                    "text/xml",
                )
            )
        if p.pdf is not None:
            # 008 = document complémentaire à l'ASAP CPP; outside Chorus Pro the generic 002 Recette.
            jointes.append(
                PJ(
                    self.id_unique(p.numero, "PDF"),
                    f"titre-{self.exer}-{p.numero}.pdf",
                    "008" if p.edition == "02" else "002",
                    f"Titre de recette n° {p.numero} / {self.exer}",
                    p.pdf,
                )
            )
        for pj in (*jointes, *p.pieces_jointes_supplementaires):
            self.ajouter_pj(pj)
            _bloc(
                bp,
                "PJRef",
                Support="01",
                IdUnique=pj.id_unique,
                NomPJ=nom_pj(pj.nom, pj.mime),
                TypePJ=pj.type_pj,
            )
        for nom, valeur in (
            ("NumeroFacture", numero_facture),
            ("NumeroEngagement", self.txt(p.numero_engagement, 50, "NumeroEngagement", False)),
            ("CodeService", normaliser(p.code_service, 100) or None),  # plain string type
            ("NomService", self.txt(p.nom_service, 100, "NomService", False)),
        ):
            _v(bp, nom, valeur)
        for i, (ligne, mt) in enumerate(zip(p.lignes, montants, strict=True), 1):
            self.ligne(el, i, ligne, mt, tiers)
        return sum(montants, Decimal(0))

    def ligne(self, piece_el, i, ligne: LignePES, mt: Decimal, tiers) -> None:
        bl = SubElement(SubElement(piece_el, "LigneDePiece"), "BlocLignePiece")
        _bloc(
            bl,
            "InfoLignePiece",
            IdLigne=i,
            ObjLignePce=self.txt(ligne.objet, 160, "ObjLignePce", False),
            CodProdLoc=self.chiffres(
                ligne.cod_prod_loc, r"[0-9A-Za-z]{1,4}", f"CodProdLoc ligne {i}"
            ),
            Nature=self.chiffres(ligne.nature, r"[0-9]{1,12}", f"Nature ligne {i}"),
            Fonction=self.chiffres(ligne.fonction, r"[0-9]{1,10}", f"Fonction ligne {i}")
            if ligne.fonction
            else None,
            Majo="0",
            TvaIntraCom="0",
            MtHT=f"{mt:.2f}",
        )
        if r := ligne.rattachement:
            _bloc(
                bl,
                "RattachPiece",
                NatPceOrig=r.nature_piece,
                ExerRat=r.exercice,
                IdPceOrig=r.numero_titre,
                IdLigneOrig=r.numero_ligne,
            )
        piece_el[-1].append(copy.deepcopy(tiers))  # the debtor is repeated on every line

    def tiers(self, t: Tiers):
        el = etree.Element("Tiers")
        siret = re.sub(r"\s", "", t.siret or "") or None  # no SIRET: no IdTiers nor NatIdTiers
        _bloc(
            el,
            "InfoTiers",
            IdTiers=siret and self.chiffres(siret, r"[0-9]{14}", "SIRET du débiteur"),
            NatIdTiers=siret and "01",
            RefTiers=self.txt(t.ref_tiers, 30, "RefTiers", False),
            CatTiers=t.cat_tiers,
            NatJur=t.nat_jur,
            TypTiers="01",
            Nom=self.txt(t.nom, 38, "Nom du débiteur"),
        )
        self.adresse(el, t.adresse, t.code_postal, t.ville, "débiteur")
        return el

    def adresse(self, parent, adr2, cp, ville, qui, adr3=None) -> None:
        _bloc(
            parent,
            "Adresse",
            TypAdr="1",
            Adr2=None if adr2 is None else self.txt(adr2, 38, f"Adresse du {qui}", postal=True),
            Adr3=self.txt(adr3, 38, "Adr3", False, postal=True),
            CP=self.chiffres(cp, r"[0-9]{5}", f"Code postal du {qui}"),  # doc: exactly 5 digits
            Ville=self.txt(ville, 38, f"Ville du {qui}", postal=True),
            CodRes="0",
        )

    def numero_facture(self, p: PiecePES) -> str:
        brut = p.numero_facture or f"{self.exer}-{self.b.numero}-{int(p.numero):05d}"
        if not p.numero_facture and len(brut) > 20:
            brut = f"{self.exer}-{p.numero}"
        # Pattern [ \-/_+0-9a-zA-Z]*: dots and other signs become '-'; never truncated (an id).
        s = re.sub(r"[^ \-/_+0-9a-zA-Z]", "-", sans_accents(normaliser(brut, 10**4)))
        if len(s) > 20 or not texte_valide(s):
            self.erreur(
                f"NumeroFacture {brut!r} invalide (20 caractères au plus : lettres, chiffres, espace - / _ +)"
            )
        return s

    def ajouter_pj(self, pj: PJ) -> None:
        if not re.fullmatch(r"[0-9A-Za-z]{1,50}", pj.id_unique or "") or not texte_valide(
            pj.id_unique
        ):
            self.erreur(f"IdUnique de PJ {pj.id_unique!r} invalide (1 à 50 lettres ou chiffres)")
        elif not pj.contenu:
            self.erreur(f"PJ {pj.id_unique} vide")
        elif self.pjs.get(pj.id_unique, pj) != pj:
            self.erreur(
                f"IdUnique {pj.id_unique} utilisé pour deux PJ différentes", "idunique_unique"
            )
        self.pjs.setdefault(pj.id_unique, pj)

    def pj(self, parent, pj: PJ) -> None:
        el = SubElement(parent, "PJ")
        SubElement(SubElement(el, "Contenu"), "Fichier", MIMEType=pj.mime).text = _gzip_b64(
            pj.contenu
        )
        for nom, valeur in (
            ("IdUnique", pj.id_unique),
            ("NomPJ", nom_pj(pj.nom, pj.mime)),
            ("TypePJ", pj.type_pj),
            ("Description", self.txt(pj.description, 250, f"Description de la PJ {pj.id_unique}")),
        ):
            _v(el, nom, valeur)

    # ----------------------------------------------------------------- PES Facture (PJ 006)
    def facture(self, p: PiecePES, numero_facture, montants, tiers) -> bytes:
        """A stand-alone PES_Aller carrying only PES_Facture (TypeFact 09, one FactureIndiv)."""
        pf = self.e.facture
        if pf is None:
            self.erreur("Edition 02 : paramètres PES Facture (EnTete.facture) absents")
            return b"<absent/>"
        r = self.racine(f"PESFACTURE_{self.id_unique(p.numero, 'FAC')}.xml")
        jour = self.b.date.isoformat()
        fa = _bloc(r, "PES_Facture", IdVer="2", Annee=self.exer, TypeFact="09", Date=jour)
        em = SubElement(fa, "Emetteur")
        self.info_tiers(em, self.id_coll, pf.cat_tiers, pf.nat_jur, "20", pf.nom)
        self.adresse(em, pf.adresse, pf.code_postal, pf.ville, "émetteur")
        _bloc(
            em,
            "InfoSuppl",
            NumTel=self.txt(pf.telephone, 20, "Téléphone", False),
            RefBdf=self.chiffres(pf.ref_bdf, r"[0-9A-Za-z]{1,13}", "RefBdf"),
        )
        sig = SubElement(em, "Signataire")
        _bloc(
            sig,
            "Personne",
            Nom=self.txt(pf.signataire_nom, 38, "Nom du signataire"),
            Prenom=self.txt(pf.signataire_prenom, 38, "Prénom du signataire"),
        )
        _v(sig, "Role", self.txt(pf.signataire_role, 50, "Rôle du signataire"))
        ce = SubElement(fa, "Tiers")  # TypTiers 25: name and ComplNom imposed by the documentation
        self.info_tiers(
            ce, None, *CAT_NAT_DGFIP, "25", "CENTRE D'ENCAISSEMENT", "DES FINANCES PUBLIQUES"
        )
        self.adresse(
            ce,
            None,
            pf.encaissement_code_postal,
            pf.encaissement_ville,
            "centre d'encaissement",
            adr3=pf.encaissement_tsa,
        )
        cfp = SubElement(fa, "Tiers")
        self.info_tiers(cfp, None, *CAT_NAT_DGFIP, "26", pf.poste_nom)
        self.adresse(cfp, pf.poste_adresse, pf.poste_code_postal, pf.poste_ville, "poste comptable")
        fi = _bloc(fa, "FactureIndiv", DateEmission=jour, NumeroFacture=numero_facture)
        deb, it = SubElement(fi, "Debiteur"), tiers.find("InfoTiers")
        self.info_tiers(
            deb, *(_attr(it, c) for c in ("IdTiers", "CatTiers", "NatJur")), "01", _attr(it, "Nom")
        )
        deb.append(copy.deepcopy(tiers.find("Adresse")))
        _v(fi, "Objet", self.txt(p.objet or (p.lignes[0].objet if p.lignes else ""), 160, "Objet"))
        for i, (ligne, mt) in enumerate(zip(p.lignes, montants, strict=True), 1):
            # Without VAT (titres carry MtHT = TTC); quantity 1 x unit price reads well on the ASAP.
            _bloc(
                fi,
                "LigneFacture",
                Date=jour,
                Libelle=self.txt(ligne.objet or p.objet, 200, f"Libellé ligne {i}"),
                Quantite="1",
                MtUnitaire=f"{mt:.2f}",
                MtHT=f"{mt:.2f}",
                TauxTVA="0.00",
                MtTVA="0.00",
                MtTTC=f"{mt:.2f}",
                Ordre=i,
            )
        total = f"{sum(montants, Decimal(0)):.2f}"
        _bloc(fi, "TotalAPayer", MtTotalHT=total, MtTotalTVA="0.00", MtTotalTTC=total)
        # NumLigne: "A valoriser obligatoirement à 1".
        _bloc(
            fi,
            "RefTitre",
            Exercice=self.exer,
            NumBordereau=self.id_bord,
            NumTitre=p.numero,
            NumLigne="1",
        )
        for nom, valeur in (
            ("ModalitesReglement", self.txt(pf.modalites_reglement, 250, "ModalitesReglement")),
            ("ModalitesContestation", self.txt(pf.modalites_contestation, 420, "", False)),
            ("ModeRecouvrement", "1" if pf.mode_recouvrement else "0"),
            ("ConditionsGen", self.txt(pf.conditions_generales, 250, "ConditionsGen")),
        ):
            _v(fi, nom, valeur)
        SubElement(
            fa, "Nomenclatures"
        )  # mandatory element; every child "ne pas renseigner" for an ASAP
        return etree.tostring(r, xml_declaration=True, encoding="UTF-8")

    def info_tiers(self, parent, id_tiers, cat, nat, typ, nom, compl=None) -> None:
        # NatIdTiers: "ne pas renseigner" in a PES Facture ASAP.  nom None = already reported.
        _bloc(
            parent,
            "InfoTiers",
            IdTiers=id_tiers,
            CatTiers=cat,
            NatJur=nat,
            TypTiers=typ,
            Nom=self.txt(nom, 38, "Nom du tiers", requis=nom is not None),
            ComplNom=compl,
        )


def _attr(el, tag):
    x = el.find(tag)
    return None if x is None else x.get("V")


def construire(entete: EnTete, bordereau: BordereauPES, *, date_production: date) -> bytes:
    """One complete PES_Aller (recette + PJ) for one bordereau; raises ErreurPES on bad input."""
    c = _Constructeur(entete, bordereau, date_production)
    racine = c.document()
    if c.anomalies:
        raise ErreurPES(c.anomalies)
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8", pretty_print=True)
