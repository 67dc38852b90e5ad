"""B4 — réduction and annulation: a titre of its own, negative, in the same series, referring
to the original with the reason written down; in the same exercice only. A titre of a closed
exercice is corrected by a request for a mandat at account 673 (``demander_mandats``), recorded
with its state, which counts as a correction of what is billed. The original never changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from outils.formats import formater_euros
from tarification import calcul
from tarification.deja_facture import reste, restes_par_ligne
from tarification.models import DemandeMandat, LigneTitre, TitreDeRecettes
from tarification.titres.emission import LigneAFacturer, Projet, emettre_lot
from tarification.titres.exercices import (
    aujourdhui,
    exercice_ouvert,
    fin_journee_complementaire,
)

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")


def exercice_clos(titre: TitreDeRecettes, jour: date | None = None) -> bool:
    """B4 — the titre's exercice is closed on ``jour`` (after its journée complémentaire): it
    is corrected by a mandat at account 673, no longer by a negative titre."""
    return (jour or aujourdhui()) > fin_journee_complementaire(titre.exercice)


def _original_verrouille(titre: TitreDeRecettes, jour: date, *, mandat=False) -> TitreDeRecettes:
    original = (
        TitreDeRecettes.objects.select_for_update(of=("self",))
        .select_related("commune", "etablissement", "adhesion")
        .get(pk=titre.pk)
    )
    if original.statut != TitreDeRecettes.Statut.EMIS:
        raise ValidationError("Seul un titre émis peut être réduit ou annulé.")
    if original.est_correction:
        raise ValidationError(
            "Une réduction ou une annulation ne se corrige pas : corrigez le titre d'origine."
        )
    if mandat and not exercice_clos(original, jour):
        raise ValidationError(
            f"L'exercice {original.exercice} du titre n° {original.numero} est encore ouvert : "
            "il se corrige par un titre de réduction ou d'annulation, pas par un mandat (B4)."
        )
    if not mandat and exercice_clos(original, jour):
        raise ValidationError(
            f"Le titre n° {original.numero} relève de l'exercice {original.exercice}, clos le "
            f"{fin_journee_complementaire(original.exercice):%d/%m/%Y} : il ne peut plus être "
            "réduit ni annulé par un titre négatif (B4). La correction d'un exercice antérieur "
            "se fait par un mandat d'annulation au compte 673 « titres annulés (sur exercices "
            "antérieurs) » : enregistrez une demande de mandat, avec son motif."
        )
    return original


@dataclass(frozen=True)
class Diminution:
    """B4 — part of a decrease of an item, taken off one line billing it: by a réduction of its
    titre while its exercice is open, else by a mandat request (account 673)."""

    ligne: LigneTitre
    montant: Decimal  # positive: what is taken off
    par_mandat: bool


def repartir_diminution(lignes, montant: Decimal, jour: date) -> list[Diminution]:
    """B4 — where a decrease of ``montant`` of one item is taken from: the lines billing it
    (``deja_facture.lignes_de_l_annee``, annotated with what they still bill), the latest
    first, each never below zero. A T5 deduction item (negative lines) deducts more on its
    latest line. A line of a closed exercice on ``jour`` goes to a mandat request."""
    diminutions: list[Diminution] = []
    reste_a_prendre = montant
    for ligne in reversed(list(lignes)):
        if reste_a_prendre <= 0:
            break
        disponible = reste(ligne)
        if ligne.montant < 0:  # the T5 deduction: no floor on its own line
            disponible = reste_a_prendre
        prise = min(disponible, reste_a_prendre)
        if prise <= 0:
            continue
        clos = not exercice_ouvert(ligne.titre.exercice, jour)
        diminutions.append(Diminution(ligne, prise, clos))
        reste_a_prendre -= prise
    if reste_a_prendre > 0:
        raise ValueError(f"Diminution de {montant} supérieure à ce qui est facturé.")
    return diminutions


def reference(titre: TitreDeRecettes) -> str:
    return f"titre n° {titre.numero} (exercice {titre.exercice}) du {titre.date_emission:%d/%m/%Y}"


def projet_correction(
    original: TitreDeRecettes, *, nature: str, lignes, motif: str, bases=None
) -> Projet:
    """B4 — the réduction or annulation of ``original``: ``lignes`` pairs each line of the
    original with its (signed) correction; ``bases`` may give the base text of each line (the
    campaign writes the base then and now), else the reason is written on each line."""
    mot = "Annulation" if nature == Nature.ANNULATION else "Réduction"
    ref = reference(original)
    bases = bases or {}
    return Projet(
        nature=nature,
        commune=original.commune,
        etablissement=original.etablissement,
        adhesion=original.adhesion,
        annee=original.annee,
        objet=f"{mot} du {ref} — {original.objet}",
        corrige=original,
        motif=motif.strip(),
        imputation=original.imputation,
        mentions={
            "mention_tva": original.emetteur.get("mention_tva", ""),
            "fondement": original.emetteur.get("fondement", ""),
        },
        debiteur={
            "debiteur_nom": original.debiteur_nom,
            "debiteur_adresse": original.debiteur_adresse,
            "debiteur_siret": original.debiteur_siret,
            "debiteur_code_service": original.debiteur_code_service,
            "debiteur_engagement": original.debiteur_engagement,
        },
        lignes=[
            LigneAFacturer(
                code=ligne.code,
                libelle=f"{mot} — {ligne.libelle}",
                montant=montant,
                base_texte=bases.get(ligne.pk)
                or (
                    f"{mot} de la ligne « {ligne.libelle} » ({formater_euros(ligne.montant)}) "
                    f"du {ref} : {motif.strip()}"
                ),
                service=ligne.service,
                annee=ligne.annee,
                ligne_corrigee=ligne,
            )
            for ligne, montant in lignes
        ],
    )


def _emettre_correction(
    original, *, nature, lignes, motif, par, jour, aujourd_hui=None
) -> TitreDeRecettes:
    mot = "Annulation" if nature == Nature.ANNULATION else "Réduction"
    projet = projet_correction(original, nature=nature, lignes=lignes, motif=motif)
    _, (titre,) = emettre_lot(
        [projet],
        exercice=original.exercice,
        budget=original.budget,
        date_emission=jour,
        par=par,
        libelle=f"{mot} du {reference(original)}",
        aujourd_hui=aujourd_hui,
    )
    return titre


@transaction.atomic
def annuler_titre(
    *,
    titre: TitreDeRecettes,
    motif: str,
    par,
    date_emission: date | None = None,
    aujourd_hui: date | None = None,
) -> TitreDeRecettes:
    """B4 — a titre d'annulation: every line of the original, for what remains of it, negated;
    in the same exercice (else: mandat au compte 673). The original never changes."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de l'annulation est obligatoire.")
    jour = date_emission or aujourd_hui or aujourdhui()
    original = _original_verrouille(titre, jour)
    lignes = [(ligne, -reste) for ligne, reste in restes_par_ligne(original) if reste != 0]
    if not lignes or sum(m for _, m in lignes) >= 0:
        raise ValidationError(f"Le titre n° {original.numero} est déjà entièrement annulé.")
    return _emettre_correction(
        original,
        nature=Nature.ANNULATION,
        lignes=lignes,
        motif=motif,
        par=par,
        jour=jour,
        aujourd_hui=aujourd_hui,
    )


@transaction.atomic
def reduire_titre(
    *,
    titre: TitreDeRecettes,
    motif: str,
    par,
    lignes: Mapping[LigneTitre | int, Decimal] | None = None,
    montant: Decimal | None = None,
    date_emission: date | None = None,
    aujourd_hui: date | None = None,
) -> TitreDeRecettes:
    """B4 — a titre de réduction: ``lignes`` maps lines of the original (or their ids) to the
    (positive) amount by which each is reduced; ``montant`` alone reduces a titre with a
    single positive line. A line is never reduced below zero, nor the titre's total."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de la réduction est obligatoire.")
    jour = date_emission or aujourd_hui or aujourdhui()
    original = _original_verrouille(titre, jour)
    a_reduire = _reductions_demandees(original, lignes, montant)
    return _emettre_correction(
        original,
        nature=Nature.REDUCTION,
        lignes=[(ligne, -reduction) for ligne, reduction in a_reduire],
        motif=motif,
        par=par,
        jour=jour,
        aujourd_hui=aujourd_hui,
    )


def _reductions_demandees(original, lignes, montant) -> list[tuple[LigneTitre, Decimal]]:
    """Each line of ``original`` with the (positive) amount it is reduced by, checked against
    what remains of it and of the titre."""
    restes = restes_par_ligne(original)
    positives = [(ligne, reste) for ligne, reste in restes if ligne.montant > 0]
    if lignes is None:
        if montant is None:
            raise ValidationError("Indiquez le montant de la réduction.")
        if len(positives) != 1:
            raise ValidationError("Ce titre a plusieurs lignes : précisez la réduction par ligne.")
        lignes = {positives[0][0].pk: montant}
    demandes = {
        (cle.pk if isinstance(cle, LigneTitre) else int(cle)): m for cle, m in lignes.items()
    }
    par_id = {ligne.pk: (ligne, reste) for ligne, reste in positives}
    a_reduire = []
    for ligne_id, reduction in demandes.items():
        if ligne_id not in par_id:
            raise ValidationError("Cette ligne n'appartient pas au titre, ou ne peut être réduite.")
        ligne, reste = par_id[ligne_id]
        if not calcul.au_centime(reduction):
            raise ValidationError("Montant de réduction en euros et centimes attendu.")
        if reduction == 0:
            continue
        if reduction < 0:
            raise ValidationError("Le montant d'une réduction est positif.")
        if reduction > reste:
            raise ValidationError(
                f"« {ligne.libelle} » : réduction de {formater_euros(reduction)} supérieure à ce "
                f"qui reste dû sur cette ligne ({formater_euros(reste)})."
            )
        a_reduire.append((ligne, reduction))
    if not a_reduire:
        raise ValidationError("Indiquez au moins une ligne à réduire.")
    reste_total = sum((reste for _, reste in restes), ZERO)
    if reste_total - sum(m for _, m in a_reduire) < 0:
        raise ValidationError(
            f"La réduction dépasse ce qui reste dû sur le titre ({formater_euros(reste_total)})."
        )
    return a_reduire


@transaction.atomic
def demander_mandats(
    *,
    titre: TitreDeRecettes,
    motif: str,
    par,
    lignes: Mapping[LigneTitre | int, Decimal] | None = None,
    montant: Decimal | None = None,
    le: date | None = None,
) -> list[DemandeMandat]:
    """B4 — the correction of a titre of a CLOSED exercice: a request for a mandat at account
    673 per line reduced (``lignes`` or ``montant`` as for ``reduire_titre``), recorded with its
    reason and state (requested). From now on it counts as a correction of what is billed."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de la demande de mandat est obligatoire.")
    jour = le or aujourdhui()
    original = _original_verrouille(titre, jour, mandat=True)
    a_reduire = _reductions_demandees(original, lignes, montant)
    return DemandeMandat.objects.bulk_create(
        [
            DemandeMandat(
                titre=original,
                ligne=ligne,
                montant=reduction,
                motif=motif.strip(),
                demandee_le=jour,
                demandee_par=par,
            )
            for ligne, reduction in a_reduire
        ]
    )


@transaction.atomic
def enregistrer_mandat(
    *, demande: DemandeMandat, numero_mandat: str, le: date, par
) -> DemandeMandat:
    """B4 — the finance service issued the mandat requested (its number and date)."""
    demande = DemandeMandat.objects.select_for_update().get(pk=demande.pk)
    if demande.etat != DemandeMandat.Etat.DEMANDEE:
        raise ValidationError("Cette demande de mandat n'est plus en attente.")
    if not numero_mandat.strip():
        raise ValidationError("Indiquez le numéro du mandat émis.")
    demande.etat = DemandeMandat.Etat.EMISE
    demande.numero_mandat = numero_mandat.strip()
    demande.decidee_le = le
    demande.save(update_fields=["etat", "numero_mandat", "decidee_le"])
    return demande


@transaction.atomic
def refuser_mandat(*, demande: DemandeMandat, motif: str, le: date, par) -> DemandeMandat:
    """B4 — the mandat requested is refused: the request no longer corrects what is billed
    (the next campaign shows the difference again)."""
    demande = DemandeMandat.objects.select_for_update().get(pk=demande.pk)
    if demande.etat != DemandeMandat.Etat.DEMANDEE:
        raise ValidationError("Cette demande de mandat n'est plus en attente.")
    if not motif.strip():
        raise ValidationError("Indiquez le motif du refus.")
    demande.etat = DemandeMandat.Etat.REFUSEE
    demande.motif_refus = motif.strip()
    demande.decidee_le = le
    demande.save(update_fields=["etat", "motif_refus", "decidee_le"])
    return demande
