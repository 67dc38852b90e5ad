"""The acts of the audit (A1), the register of transfers (A3) and the état de sortie (A4):
keyword-only functions, one transaction each, French ``ValidationError`` messages, nothing
half-saved. Titres are issued through billing's own acts (``tarification.titres.actes``): the
audit at its report's delivery (T2), the état de sortie as the frais de sortie titre."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from membres.models import Adhesion, Commune, Document
from outils.formats import de_commune, formater_date, formater_euros
from patrimoine import calculs, sortie
from patrimoine.models import (
    Audit,
    Bien,
    Contrat,
    EtatDeSortie,
    LigneEtatDeSortie,
    TransfertBien,
    TransfertContrat,
)
from tarification.models import TitreDeRecettes
from tarification.titres.actes import (
    FraisDeSortie,
    emettre_frais_de_sortie,
    enregistrer_livraison_audit,
)

Statut = Audit.Statut


def _aujourdhui() -> date:
    return timezone.localdate()


def _pas_dans_le_futur(le: date, quoi: str) -> None:
    if le > _aujourdhui():
        raise ValidationError(f"{quoi} ne peut être dans le futur ({formater_date(le)}).")


def _enregistrer(objet):
    objet.full_clean()
    objet.save()
    return objet


# =============================================================================================
# A1 — the audit's life cycle
# =============================================================================================


@transaction.atomic
def demander_audit(
    *,
    commune: Commune,
    origine: str,
    demande_le: date,
    demande_reference: str,
    adhesion: Adhesion | None = None,
    auditeur: str = "",
    par,
) -> Audit:
    """A1 — an audit is requested: by délibération for the socle annexe (its adhesion with the
    audit), or as the préalable of a socle complet request (3.1)."""
    return _enregistrer(
        Audit(
            commune=commune,
            adhesion=adhesion,
            origine=origine,
            demande_le=demande_le,
            demande_reference=demande_reference.strip(),
            auditeur=auditeur.strip(),
        )
    )


def _verrouiller(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related("commune", "adhesion")
        .get(pk=audit.pk)
    )


def _exiger(audit: Audit, etats: tuple[str, ...], message: str) -> None:
    if audit.statut not in etats:
        raise ValidationError(f"{message} (l'audit est « {audit.get_statut_display()} »).")


@transaction.atomic
def planifier_audit(*, audit: Audit, du: date, au: date | None = None, par) -> Audit:
    audit = _verrouiller(audit)
    _exiger(
        audit, (Statut.DEMANDE, Statut.PLANIFIE), "Seul un audit pas encore commencé se planifie"
    )
    if du < audit.demande_le:
        raise ValidationError("Un audit ne se planifie pas avant d'être demandé.")
    audit.planifie_du, audit.planifie_au = du, au
    return _enregistrer(audit)


@transaction.atomic
def commencer_audit(*, audit: Audit, le: date, par) -> Audit:
    audit = _verrouiller(audit)
    _exiger(audit, (Statut.DEMANDE, Statut.PLANIFIE), "Cet audit ne peut plus commencer")
    _pas_dans_le_futur(le, "Le début de l'audit")
    if le < audit.demande_le:
        raise ValidationError("Un audit ne commence pas avant d'être demandé.")
    audit.commence_le = le
    return _enregistrer(audit)


@transaction.atomic
def livrer_rapport(
    *, audit: Audit, le: date, par, rapport=None, date_emission: date | None = None
) -> Audit:
    """A1, T2 — the report is delivered: for the audit of the socle annexe, billing's act records
    the delivery on the adhesion (T5's window opens; the finance officer then issues its titre,
    priced on that date: who records a service never bills it); the préalable is not billed
    (T2, decision); the report is filed with the member's documents."""
    audit = _verrouiller(audit)
    _exiger(audit, (Statut.EN_COURS,), "Le rapport se remet pour un audit en cours")
    if le > (date_emission or _aujourdhui()):
        raise ValidationError("La date de remise du rapport ne peut être dans le futur.")
    if le < audit.commence_le:
        raise ValidationError("Le rapport ne peut être remis avant le début de l'audit.")
    document = None
    if audit.est_facture:
        enregistrer_livraison_audit(
            adhesion=audit.adhesion, livre_le=le, par=par, rapport=rapport, jour=date_emission
        )
        if rapport is not None:
            document = (
                Document.objects.filter(adhesion=audit.adhesion, type=Document.Type.RAPPORT_AUDIT)
                .order_by("-pk")
                .first()
            )
    elif rapport is not None:
        document = _enregistrer(
            Document(
                commune=audit.commune,
                adhesion=audit.adhesion,
                type=Document.Type.RAPPORT_AUDIT,
                titre=f"Rapport d'audit préalable remis le {formater_date(le)}",
                fichier=rapport,
                depose_par=par,
            )
        )
    audit.livre_le = le
    audit.rapport = document
    _enregistrer(audit)
    return audit


@transaction.atomic
def valider_inventaire(*, audit: Audit, le: date, par) -> Audit:
    """A2 — the audit validates the member's inventory (4.1.2)."""
    audit = _verrouiller(audit)
    _exiger(audit, (Statut.LIVRE,), "L'inventaire se valide avec le rapport remis")
    _pas_dans_le_futur(le, "La validation de l'inventaire")
    audit.inventaire_valide_le = le
    return _enregistrer(audit)


@transaction.atomic
def clore_audit(*, audit: Audit, le: date, par) -> Audit:
    audit = _verrouiller(audit)
    _exiger(audit, (Statut.LIVRE,), "Seul un audit dont le rapport est remis se clôt")
    _pas_dans_le_futur(le, "La clôture de l'audit")
    if le < audit.livre_le:
        raise ValidationError("Un audit se clôt après la remise de son rapport.")
    audit.clos_le = le
    return _enregistrer(audit)


# =============================================================================================
# A3 — the register
# =============================================================================================


@transaction.atomic
def transferer_bien(
    *,
    bien: Bien,
    etude_le: date,
    etude_conclusion: str,
    transfere_le: date,
    decision_numero: str,
    decision_date: date,
    valeur: Decimal,
    duree_amortissement_ans: int,
    par,
) -> TransfertBien:
    """A3 (art. 2.3.2) — the EPCI takes the asset over and bears its depreciation."""
    return _enregistrer(
        TransfertBien(
            bien=bien,
            etude_le=etude_le,
            etude_conclusion=etude_conclusion,
            transfere_le=transfere_le,
            decision_numero=decision_numero,
            decision_date=decision_date,
            valeur=valeur,
            duree_amortissement_ans=duree_amortissement_ans,
        )
    )


@transaction.atomic
def enregistrer_sort_contrat(*, contrat: Contrat, par, **champs) -> TransfertContrat:
    """A3 (art. 2.3.3) — what becomes of a contract (taken over, concluded by the EPCI,
    terminated, in transition). One record per contract, updated as the operation goes on
    (a transition that ends in a transfer): its history is kept."""
    transfert = TransfertContrat.objects.select_for_update().filter(contrat=contrat).first()
    transfert = transfert or TransfertContrat(contrat=contrat)
    for champ, valeur in champs.items():
        setattr(transfert, champ, valeur)
    return _enregistrer(transfert)


# =============================================================================================
# A4 — the état de sortie
# =============================================================================================


def _etat_verrouille(etat: EtatDeSortie) -> EtatDeSortie:
    return (
        EtatDeSortie.objects.select_for_update(of=("self",))
        .select_related("adhesion__commune", "titre")
        .get(pk=etat.pk)
    )


def _exiger_brouillon(etat: EtatDeSortie) -> None:
    if not etat.modifiable:
        raise ValidationError(
            f"L'état de sortie est {etat.get_statut_display()} : il ne se modifie plus."
        )


def _adhesion_resiliee(adhesion: Adhesion) -> Adhesion:
    adhesion = (
        Adhesion.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=adhesion.pk)
    )
    if adhesion.motif_fin != Adhesion.MotifFin.RESILIATION or adhesion.dernier_jour is None:
        raise ValidationError(
            f"L'adhésion {de_commune(adhesion.commune.nom)} n'est pas résiliée : un état de sortie "
            "s'établit pour un membre en préavis, à son dernier jour (art. 2.4, M4)."
        )
    return adhesion


def _recalculer_total(etat: EtatDeSortie) -> None:
    etat.total = calculs.total(etat.lignes.values_list("montant", flat=True))


def _renumeroter(etat: EtatDeSortie, calculees: list[LigneEtatDeSortie]) -> None:
    """Computed lines first, then the entered ones, in their order."""
    saisies = list(etat.lignes.filter(nature__in=LigneEtatDeSortie.Nature.saisies()))
    for ordre, ligne in enumerate(saisies, start=len(calculees) + 1):
        if ligne.ordre != ordre:
            ligne.ordre = ordre
            ligne.save(update_fields=["ordre"])


@transaction.atomic
def calculer_etat_de_sortie(*, adhesion: Adhesion, par) -> EtatDeSortie:
    """A4 — (re)compute the draft état of a member in préavis from the register at its last
    day; the lines the DSI entered (penalties, délibération) are kept."""
    adhesion = _adhesion_resiliee(adhesion)
    etat = EtatDeSortie.objects.select_for_update(of=("self",)).filter(adhesion=adhesion).first()
    if etat is None:
        etat = EtatDeSortie(adhesion=adhesion)
    else:
        _exiger_brouillon(etat)
    etat.dernier_jour = adhesion.dernier_jour
    etat.calcule_le = timezone.now()
    etat.calcule_par = par
    etat.save()
    etat.lignes.exclude(nature__in=LigneEtatDeSortie.Nature.saisies()).delete()
    calculees = sortie.lignes_calculees(adhesion.commune_id, adhesion.dernier_jour)
    for ligne in calculees:
        ligne.etat = etat
        ligne.full_clean()
    LigneEtatDeSortie.objects.bulk_create(calculees)
    _renumeroter(etat, calculees)
    _recalculer_total(etat)
    etat.full_clean()
    etat.save()
    return etat


@transaction.atomic
def ajouter_ligne(
    *,
    etat: EtatDeSortie,
    nature: str,
    libelle: str,
    montant: Decimal,
    base: str,
    transfert_contrat: TransfertContrat | None = None,
    par,
) -> LigneEtatDeSortie:
    """A4 — a penalty of the transfer or of an early termination, or a sum the résiliation
    délibération decides: entered by the DSI, each with its base."""
    etat = _etat_verrouille(etat)
    _exiger_brouillon(etat)
    if nature not in LigneEtatDeSortie.Nature.saisies():
        raise ValidationError("Seules les pénalités et les sommes décidées se saisissent.")
    if not base.strip():
        raise ValidationError("Indiquez la base de la somme (contrat, courrier, délibération).")
    if montant <= 0:
        raise ValidationError("Le montant d'une pénalité ou d'une somme décidée est positif.")
    if transfert_contrat is not None and transfert_contrat.contrat.commune_id != etat.commune.pk:
        raise ValidationError("Ce contrat n'est pas au registre de ce membre.")
    ligne = _enregistrer(
        LigneEtatDeSortie(
            etat=etat,
            ordre=etat.lignes.count() + 1,
            nature=nature,
            libelle=libelle.strip(),
            base=base.strip(),
            montant=montant,
            transfert_contrat=transfert_contrat,
        )
    )
    _recalculer_total(etat)
    etat.save(update_fields=["total"])
    return ligne


@transaction.atomic
def supprimer_ligne(*, ligne: LigneEtatDeSortie, par) -> None:
    etat = _etat_verrouille(ligne.etat)
    _exiger_brouillon(etat)
    if not ligne.saisie:
        raise ValidationError(
            "Une ligne calculée depuis le registre ne se supprime pas : corrigez le registre "
            "puis recalculez l'état."
        )
    ligne.delete()
    _renumeroter(etat, list(etat.lignes.exclude(nature__in=LigneEtatDeSortie.Nature.saisies())))
    _recalculer_total(etat)
    etat.save(update_fields=["total"])


@transaction.atomic
def valider_etat_de_sortie(*, etat: EtatDeSortie, empreinte: str, par) -> EtatDeSortie:
    """A4 — the DSI validates the état as it was shown (``empreinte``), provided it is still
    what the register gives at the adhesion's last day."""
    etat = _etat_verrouille(etat)
    _exiger_brouillon(etat)
    adhesion = _adhesion_resiliee(etat.adhesion)
    lignes = list(etat.lignes.order_by("ordre", "pk"))
    if empreinte != etat.empreinte(lignes):
        raise ValidationError(
            "L'état de sortie a changé depuis son affichage : vérifiez-le à nouveau avant de le "
            "valider."
        )
    a_jour = sortie.lignes_calculees(adhesion.commune_id, adhesion.dernier_jour)
    calculees = [ligne for ligne in lignes if not ligne.saisie]
    if adhesion.dernier_jour != etat.dernier_jour or [
        (ligne.nature, ligne.base, ligne.montant, ligne.valeur) for ligne in calculees
    ] != [(ligne.nature, ligne.base, ligne.montant, ligne.valeur) for ligne in a_jour]:
        raise ValidationError(
            "Le registre ou le dernier jour de l'adhésion a changé depuis le calcul : recalculez "
            "l'état de sortie avant de le valider."
        )
    etat.statut = EtatDeSortie.Statut.VALIDE
    etat.valide_le = timezone.now()
    etat.valide_par = par
    return _enregistrer(etat)


@transaction.atomic
def rouvrir_etat_de_sortie(*, etat: EtatDeSortie, par) -> EtatDeSortie:
    """A validated état not yet issued goes back to draft (to correct it)."""
    etat = _etat_verrouille(etat)
    if etat.statut != EtatDeSortie.Statut.VALIDE:
        raise ValidationError("Seul un état validé et non émis se rouvre.")
    etat.statut = EtatDeSortie.Statut.BROUILLON
    etat.valide_le = None
    etat.valide_par = None
    return _enregistrer(etat)


@transaction.atomic
def emettre_etat_de_sortie(
    *, etat: EtatDeSortie, par, date_emission: date | None = None
) -> TitreDeRecettes:
    """A4, B1 — a validated état is issued as the frais de sortie titre, through billing's
    act, one titre line per billed line with its base; possibly before the last day. The
    titre's total is the état's, to the cent, or nothing is issued."""
    etat = _etat_verrouille(etat)
    if etat.statut == EtatDeSortie.Statut.EMIS:
        raise ValidationError(
            f"Cet état de sortie est déjà émis (titre n° {etat.titre.numero}, exercice "
            f"{etat.titre.exercice})."
        )
    if etat.statut != EtatDeSortie.Statut.VALIDE:
        raise ValidationError("L'état de sortie doit être validé par la DSI avant d'être émis.")
    frais = [
        FraisDeSortie(libelle=ligne.libelle, montant=ligne.montant, detail=ligne.base)
        for ligne in etat.lignes.order_by("ordre", "pk")
        if ligne.facturee
    ]
    if not frais:
        raise ValidationError(
            "Rien n'est facturé par cet état de sortie : aucun titre n'est émis pour un total "
            "nul (B1)."
        )
    titre = emettre_frais_de_sortie(
        adhesion=etat.adhesion, frais=frais, par=par, date_emission=date_emission
    )
    if titre.total != etat.total:
        raise ValidationError(
            f"Le total du titre ({formater_euros(titre.total)}) diffère de celui de l'état "
            f"({formater_euros(etat.total)}) : rien n'est émis."
        )
    etat.titre = titre
    etat.statut = EtatDeSortie.Statut.EMIS
    _enregistrer(etat)
    return titre
