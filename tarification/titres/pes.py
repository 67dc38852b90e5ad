"""B9 — a bordereau as a PES V2 recette file for the comptable public (Hélios), carrying the
titres to public debtors to Chorus Pro.

Built from the titres' own snapshot (debtor, lines, mentions, PDF) by the app-free builder
(``outils/pes``), then validated against the DGFiP's schema (``PES_SCHEMAS_DIR``) and the Hélios
rules the schema does not enforce: a file that fails is never written, and the error names the
titre and the field in French.

- One pièce per titre, one line per line of the titre, every amount positive: a T5 deduction is
  netted into the line it deducts from (the detail stays in the line's object and the PDF);
  réductions and annulations travel in a bordereau of their own type (TypBord 02, titre
  correctif, NatPce 06), each line attached to the original titre's line (RattachPiece).
- A titre to a public debtor with a valid SIRET goes the Chorus Pro route: Edition 02, a
  NumeroFacture, the debtor's CodeService and NumeroEngagement, a PES Facture (TypeFact 09) as a
  PJ 006, the titre's PDF as a PJ 008; a refacturation also carries the paid supplier invoice
  (2.3.4). Without a valid SIRET, no Edition (the comptable prints the avis des sommes à payer).
- ``InfoDematerialisee`` is 0: the bordereau is signed outside the flow.

The file is produced once the bordereau's PDFs exist (``produire``), kept with its hash and
never replaced, like the titres' PDFs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from outils.formats import formater_euros
from outils.identifiants import siret_valide
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
)
from tarification.models import Bordereau, Emetteur, LigneTitre, TitreDeRecettes

Nature = TitreDeRecettes.Nature
LOGICIEL = ("SERVICECOMMUN", "servicecommun 0.1")

# B9 — per titre nature, the issuer's fields giving the M57 fonction and the local product code
# (a correction uses its original's nature).
CHAMPS_PES_PAR_NATURE = {
    Nature.CONTRIBUTION: ("fonction_contribution", "produit_contribution"),
    Nature.COMPLEMENT: ("fonction_contribution", "produit_contribution"),
    Nature.AUDIT: ("fonction_contribution", "produit_contribution"),
    Nature.REFACTURATION: ("fonction_refacturation", "produit_refacturation"),
    Nature.APPEL_DE_FONDS: ("fonction_appel_de_fonds", "produit_appel_de_fonds"),
    Nature.FRAIS_SORTIE: ("fonction_frais_sortie", "produit_frais_sortie"),
}

# The issuer's settings a PES file cannot do without (B9), as the admin names them.
REGLAGES_PES = [
    ("siret", "SIRET"),
    ("code_collectivite", "code collectivité Hélios"),
    ("code_budget", "code budget Hélios"),
    ("poste_comptable", "code du poste comptable"),
]
REGLAGES_CHORUS = [
    ("reference_bdf", "référence Banque de France du budget"),
    ("poste_comptable_nom", "nom du poste comptable"),
    ("poste_comptable_adresse", "adresse du poste comptable"),
    ("poste_comptable_code_postal", "code postal du poste comptable"),
    ("poste_comptable_ville", "ville du poste comptable"),
    ("encaissement_code_postal", "code postal du centre d'encaissement"),
    ("encaissement_ville", "ville du centre d'encaissement"),
    ("ordonnateur_nom", "nom de l'ordonnateur"),
]


def par_chorus_pro(titre: TitreDeRecettes) -> bool:
    """B8 — a titre to a public debtor with a valid SIRET goes to Chorus Pro (Edition 02)."""
    return siret_valide(titre.debiteur_siret)


def _erreur(message: str) -> ValidationError:
    return ValidationError(message, code="pes")


def _reglages(emetteur: Emetteur | None, chorus: bool) -> Emetteur:
    if emetteur is None:
        raise _erreur("Les réglages de l'émetteur des titres ne sont pas renseignés.")
    champs = REGLAGES_PES + (REGLAGES_CHORUS if chorus else [])
    manquants = [libelle for champ, libelle in champs if not getattr(emetteur, champ)]
    if manquants:
        raise _erreur(
            "Fichier PES impossible : réglages de l'émetteur manquants (administration › "
            "émetteur des titres, « Flux PES V2 ») : " + ", ".join(manquants) + "."
        )
    return emetteur


def _entete(emetteur: Emetteur, bordereau: Bordereau, chorus: bool) -> EnTete:
    facture = None
    if chorus:
        facture = ParametresFacture(
            nom=emetteur.nom,
            cat_tiers=emetteur.categorie_tiers,
            adresse=emetteur.adresse,
            code_postal=emetteur.code_postal,
            ville=emetteur.ville,
            ref_bdf=emetteur.reference_bdf,
            signataire_nom=emetteur.ordonnateur_nom,
            signataire_prenom=emetteur.ordonnateur_prenom,
            signataire_role=emetteur.ordonnateur_qualite,
            poste_nom=emetteur.poste_comptable_nom,
            poste_adresse=emetteur.poste_comptable_adresse,
            poste_code_postal=emetteur.poste_comptable_code_postal,
            poste_ville=emetteur.poste_comptable_ville,
            encaissement_code_postal=emetteur.encaissement_code_postal,
            encaissement_ville=emetteur.encaissement_ville,
            encaissement_tsa=emetteur.encaissement_tsa,
        )
    return EnTete(
        id_post=emetteur.poste_comptable,
        id_coll=emetteur.siret,
        cod_col=emetteur.code_collectivite,
        cod_bud=emetteur.code_budget,
        libelle_col_bud=f"{emetteur.nom} - {bordereau.budget}",
        emetteur_sigle=LOGICIEL[0],
        emetteur_adresse=LOGICIEL[1],
        nom_fichier=nom_fichier(bordereau),
        facture=facture,
    )


def nom_fichier(bordereau: Bordereau) -> str:
    return f"pes-{bordereau.exercice}-{bordereau.numero:04d}.xml"


def _adresse(titre: TitreDeRecettes) -> tuple[str, str, str]:
    """(street, postal code, town) from the titre's snapshot (its last line "56350 Allaire"),
    else from the debtor's record."""
    lignes = [ligne.strip() for ligne in titre.debiteur_adresse.splitlines() if ligne.strip()]
    if lignes and (m := re.fullmatch(r"(\d{5})\s+(.+)", lignes[-1])):
        return " ".join(lignes[:-1]) or "Mairie", m.group(1), m.group(2)
    membre = titre.etablissement or titre.commune
    return membre.adresse or "Mairie", membre.code_postal, membre.ville


def _tiers(titre: TitreDeRecettes) -> Tiers:
    membre = titre.etablissement or titre.commune
    categorie = membre.categorie_pes if titre.etablissement_id else membre.categorie_tiers
    rue, code_postal, ville = _adresse(titre)
    return Tiers(
        nom=titre.debiteur_nom,
        siret=titre.debiteur_siret if siret_valide(titre.debiteur_siret) else "",
        cat_tiers=categorie,
        nat_jur=membre.nature_juridique,
        adresse=rue,
        code_postal=code_postal,
        ville=ville,
        ref_tiers=titre.commune.code_insee,
    )


def lignes_nettes(lignes: Sequence[LigneTitre]) -> list[tuple[Decimal, str, list[LigneTitre]]]:
    """B9 — the lines of an ordinary titre as a PES pièce carries them: positive amounts, a
    negative line (T5 deduction) netted into the line before it, its detail in the object.
    Each entry: (amount, object, the titre's lines it stands for); a line netted to zero is
    left out."""
    nettes: list[tuple[Decimal, str, list[LigneTitre]]] = []
    for ligne in lignes:
        if ligne.montant < 0 and nettes:
            montant, objet, sources = nettes[-1]
            nettes[-1] = (
                montant + ligne.montant,
                f"{objet} - {ligne.libelle} {formater_euros(-ligne.montant)}",
                [*sources, ligne],
            )
        else:
            nettes.append(
                (ligne.montant, f"{ligne.libelle} {formater_euros(ligne.montant)}", [ligne])
            )
    return [(montant, objet, sources) for montant, objet, sources in nettes if montant > 0]


def _index_des_lignes(original: TitreDeRecettes) -> dict[int, int]:
    """The PES line number (1, 2…) of each line of ``original``, by line pk."""
    index = {}
    for numero, (_, _, sources) in enumerate(lignes_nettes(list(original.lignes.all())), start=1):
        for ligne in sources:
            index[ligne.pk] = numero
    return index


def _lignes(titre: TitreDeRecettes, emetteur: Emetteur) -> tuple[LignePES, ...]:
    nature = titre.corrige.nature if titre.corrige_id else titre.nature
    fonction, produit = (getattr(emetteur, champ) for champ in CHAMPS_PES_PAR_NATURE[nature])
    commun = {"nature": titre.imputation, "fonction": fonction, "cod_prod_loc": produit}
    lignes = list(titre.lignes.all())
    if not titre.corrige_id:
        return tuple(
            LignePES(objet=objet, montant=montant, **commun)
            for montant, objet, _ in lignes_nettes(lignes)
        )
    # A correction: its (negative) lines grouped by the original's PES line they reduce.
    index = _index_des_lignes(titre.corrige)
    par_ligne: dict[int, Decimal] = {}
    for ligne in lignes:
        numero = index.get(ligne.ligne_corrigee_id, 1)
        par_ligne[numero] = par_ligne.get(numero, Decimal("0.00")) - ligne.montant
    mot = "Annulation" if titre.nature == Nature.ANNULATION else "Réduction"
    return tuple(
        LignePES(
            objet=f"{mot} du titre n° {titre.corrige.numero} - {titre.motif}",
            montant=montant,
            rattachement=Rattachement(
                exercice=titre.corrige.exercice,
                numero_titre=titre.corrige.numero,
                numero_ligne=numero,
            ),
            **commun,
        )
        for numero, montant in sorted(par_ligne.items())
        if montant > 0
    )


def _piece(titre: TitreDeRecettes, emetteur: Emetteur, contenu_pdf: bytes | None) -> PiecePES:
    if contenu_pdf is None:
        if not titre.pdf:
            raise _erreur(
                f"Titre n° {titre.numero} : son PDF n'est pas encore produit ; le fichier PES le "
                "transporte en pièce jointe."
            )
        with titre.pdf.open("rb") as fichier:
            contenu_pdf = fichier.read()
    jointes = ()
    if titre.piece_jointe:
        with titre.piece_jointe.open("rb") as fichier:
            jointes = (
                PJ(
                    id_unique=f"{emetteur.siret}{titre.exercice}{titre.numero:08d}FOURN",
                    nom=f"facture-acquittee-{titre.reference}.pdf",
                    type_pj="008",
                    description=f"Facture acquittée du fournisseur (titre n° {titre.numero})",
                    contenu=fichier.read(),
                ),
            )
    correction = titre.corrige_id is not None
    chorus = par_chorus_pro(titre) and not correction
    return PiecePES(
        numero=titre.numero,
        objet=titre.objet,
        lignes=_lignes(titre, emetteur),
        tiers=_tiers(titre),
        type_piece="02" if correction else "01",
        nature_piece="06" if correction else "01",
        edition="02" if chorus else None,
        code_service=titre.debiteur_code_service if chorus else "",
        numero_engagement=titre.debiteur_engagement if chorus else "",
        pdf=contenu_pdf,
        pieces_jointes_supplementaires=jointes,
    )


def titres_du_bordereau(bordereau: Bordereau):
    return (
        TitreDeRecettes.objects.filter(bordereau=bordereau)
        .select_related("commune", "etablissement", "corrige")
        .prefetch_related(Prefetch("lignes", queryset=LigneTitre.objects.order_by("ordre")))
        .order_by("numero")
    )


def construire_pes(
    bordereau: Bordereau, *, le: date | None = None, pdfs: dict[int, bytes] | None = None
) -> bytes:
    """The bordereau's PES V2 file, built and validated; ``ValidationError`` (French, naming
    the titre and the field) when it cannot be, and nothing is written. ``pdfs``: the titres'
    PDFs by titre pk, instead of their stored files (the benchmark renders without storing)."""
    titres = list(titres_du_bordereau(bordereau))
    if not titres:
        raise _erreur(f"Le bordereau n° {bordereau.numero} ne compte aucun titre.")
    chorus = any(par_chorus_pro(t) and not t.corrige_id for t in titres)
    emetteur = _reglages(Emetteur.courant(), chorus)
    correctif = all(t.corrige_id for t in titres)
    try:
        contenu = construire(
            _entete(emetteur, bordereau, chorus),
            BordereauPES(
                exercice=bordereau.exercice,
                numero=bordereau.numero,
                date=bordereau.date_emission,
                pieces=tuple(_piece(t, emetteur, (pdfs or {}).get(t.pk)) for t in titres),
                type_bordereau="02" if correctif else "01",
            ),
            date_production=le or timezone.localdate(),
        )
        valider(contenu, settings.PES_SCHEMAS_DIR)
    except ErreurPES as erreur:
        raise _erreur(
            f"Fichier PES du bordereau n° {bordereau.numero} (exercice {bordereau.exercice}) "
            "refusé : " + " ; ".join(erreur.erreurs[:20])
        ) from erreur
    return contenu


def produire(bordereau: Bordereau) -> Bordereau:
    """Build, validate and keep the bordereau's PES file once (never replaced); a failure is
    recorded on the bordereau (``pes_erreur``) and raised."""
    try:
        with transaction.atomic():
            bordereau = Bordereau.objects.select_for_update().get(pk=bordereau.pk)
            if bordereau.pes:
                return bordereau
            contenu = construire_pes(bordereau)
            bordereau.pes.save(nom_fichier(bordereau), ContentFile(contenu), save=False)
            bordereau.pes_sha256 = hashlib.sha256(contenu).hexdigest()
            bordereau.pes_genere_le = timezone.now()
            bordereau.pes_erreur = ""
            bordereau.save(update_fields=["pes", "pes_sha256", "pes_genere_le", "pes_erreur"])
    except ValidationError as erreur:
        # Recorded outside the rolled-back transaction: the page says why there is no file.
        Bordereau.objects.filter(pk=bordereau.pk).update(pes_erreur=" ".join(erreur.messages))
        raise
    return bordereau
