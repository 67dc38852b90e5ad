"""B4 — réduction and annulation: a titre of its own, negative, in the same series, referring
to the original with the reason written down; in the same exercice only (else a mandat at
account 673). The original never changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from outils.formats import formater_euros
from tarification import calcul
from tarification.deja_facture import restes_par_ligne
from tarification.models import LigneTitre, TitreDeRecettes
from tarification.titres.emission import LigneAFacturer, Projet, emettre_lot
from tarification.titres.exercices import aujourdhui, fin_journee_complementaire

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")


def _original_verrouille(titre: TitreDeRecettes, jour: date) -> TitreDeRecettes:
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
    if jour > fin_journee_complementaire(original.exercice):
        raise ValidationError(
            f"Le titre n° {original.numero} relève de l'exercice {original.exercice}, clos le "
            f"{fin_journee_complementaire(original.exercice):%d/%m/%Y} : il ne peut plus être "
            "réduit ni annulé par un titre négatif (B4). La correction d'un exercice antérieur "
            "se fait par un mandat d'annulation au compte 673 « titres annulés (sur exercices "
            "antérieurs) » : demandez-le au service des finances, avec le motif et la "
            "référence du titre."
        )
    return original


def _emettre_correction(original, *, nature, lignes, motif, par, jour) -> TitreDeRecettes:
    mot = "Annulation" if nature == Nature.ANNULATION else "Réduction"
    reference = (
        f"titre n° {original.numero} (exercice {original.exercice}) du "
        f"{original.date_emission:%d/%m/%Y}"
    )
    projet = Projet(
        nature=nature,
        commune=original.commune,
        etablissement=original.etablissement,
        adhesion=original.adhesion,
        annee=original.annee,
        objet=f"{mot} du {reference} — {original.objet}",
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
                base_texte=(
                    f"{mot} de la ligne « {ligne.libelle} » ({formater_euros(ligne.montant)}) "
                    f"du {reference} : {motif.strip()}"
                ),
                service=ligne.service,
                annee=ligne.annee,
                ligne_corrigee=ligne,
            )
            for ligne, montant in lignes
        ],
    )
    _, (titre,) = emettre_lot(
        [projet],
        exercice=original.exercice,
        budget=original.budget,
        date_emission=jour,
        par=par,
        libelle=f"{mot} du {reference}",
    )
    return titre


@transaction.atomic
def annuler_titre(
    *, titre: TitreDeRecettes, motif: str, par, date_emission: date | None = None
) -> TitreDeRecettes:
    """B4 — a titre d'annulation: every line of the original, for what remains of it, negated;
    in the same exercice (else: mandat au compte 673). The original never changes."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de l'annulation est obligatoire.")
    jour = date_emission or aujourdhui()
    original = _original_verrouille(titre, jour)
    lignes = [(ligne, -reste) for ligne, reste in restes_par_ligne(original) if reste != 0]
    if not lignes or sum(m for _, m in lignes) >= 0:
        raise ValidationError(f"Le titre n° {original.numero} est déjà entièrement annulé.")
    return _emettre_correction(
        original, nature=Nature.ANNULATION, lignes=lignes, motif=motif, par=par, jour=jour
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
) -> TitreDeRecettes:
    """B4 — a titre de réduction: ``lignes`` maps lines of the original (or their ids) to the
    (positive) amount by which each is reduced; ``montant`` alone reduces a titre with a
    single positive line. A line is never reduced below zero, nor the titre's total."""
    if not motif or not motif.strip():
        raise ValidationError("Le motif de la réduction est obligatoire.")
    jour = date_emission or aujourdhui()
    original = _original_verrouille(titre, jour)
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
        a_reduire.append((ligne, -reduction))
    if not a_reduire:
        raise ValidationError("Indiquez au moins une ligne à réduire.")
    reste_total = sum((reste for _, reste in restes), ZERO)
    if reste_total + sum(m for _, m in a_reduire) < 0:
        raise ValidationError(
            f"La réduction dépasse ce qui reste dû sur le titre ({formater_euros(reste_total)})."
        )
    return _emettre_correction(
        original, nature=Nature.REDUCTION, lignes=a_reduire, motif=motif, par=par, jour=jour
    )
