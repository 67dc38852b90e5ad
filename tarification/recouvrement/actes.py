"""B11 — the acts of recouvrement: record a payment, the comptable's acknowledgement of a titre
(pris en charge or rejeté), a non-valeur. Each in one transaction, each checked by the same
functions whether it comes from an import or a hand entry (``verifier_*``: a French message, or
``None``), so that both refuse the same things.

States never go back silently: a rejected titre takes no payment nor prise en charge (it is
annulled and reissued); a titre taken in charge cannot be rejected afterwards; the same
acknowledgement recorded again is recognised and changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tarification.models import EvenementTitre, Paiement, Source, TitreDeRecettes
from tarification.recouvrement import calcul, restes

NatureEvenement = EvenementTitre.Nature
ZERO = calcul.ZERO


def cle_paiement(titre: TitreDeRecettes, le: date, montant: Decimal, reference: str, rang: int):
    """The identity of a payment: (exercice, budget, titre, date, montant, reference) and its
    rank among identical payments."""
    texte = "|".join(
        [
            str(titre.exercice),
            titre.budget,
            str(titre.numero),
            le.isoformat(),
            format(montant, "f"),
            reference,
            str(rang),
        ]
    )
    return hashlib.sha256(texte.encode("utf-8")).hexdigest()


def verifier_paiement(titre, sit: calcul.Situation, le: date, montant: Decimal) -> str | None:
    """Why this payment cannot be recorded on ``titre`` (in ``sit``), or ``None``. A payment
    beyond what remains is accepted: its excess is a trop-perçu."""
    if montant <= 0:
        return "le montant d'un paiement est positif."
    if montant.as_tuple().exponent < -2:
        return f"montant « {montant} » : deux décimales au plus."
    if le > timezone.localdate():
        return f"la date du paiement ({le:%d/%m/%Y}) est dans le futur."
    if le < titre.date_emission:
        return (
            f"la date du paiement ({le:%d/%m/%Y}) précède l'émission du titre "
            f"({titre.date_emission:%d/%m/%Y})."
        )
    if sit.etat == calcul.Etat.REJETE:
        return (
            f"le titre n° {titre.numero} (exercice {titre.exercice}) a été rejeté par le "
            "comptable : il est annulé et réémis, le paiement se rapporte au titre réémis."
        )
    return None


def _trop_percu(sit: calcul.Situation, montant: Decimal) -> Decimal:
    return max(montant - sit.reste, ZERO)


def paiement(
    *,
    titre,
    sit: calcul.Situation,
    le: date,
    montant: Decimal,
    reference: str,
    cle: str,
    source,
    par,
) -> Paiement:
    """A checked payment, not saved (imports create them in bulk)."""
    return Paiement(
        titre=titre,
        date=le,
        montant=montant,
        reference=reference,
        cle=cle,
        trop_percu=_trop_percu(sit, montant),
        source=source,
        auteur=par,
    )


def apres_paiement(sit: calcul.Situation, montant: Decimal) -> calcul.Situation:
    """``sit`` once ``montant`` more is paid (an import applies its lines in order)."""
    return calcul.situation(
        emis=sit.emis,
        corrections=sit.corrige,
        paye=sit.paye + montant,
        non_valeur=sit.non_valeur,
        pris_en_charge=sit.etat != calcul.Etat.EMIS,
        rejete=sit.etat == calcul.Etat.REJETE,
    )


@transaction.atomic
def enregistrer_paiement(
    *, titre: TitreDeRecettes, le: date, montant: Decimal, reference: str = "", par
) -> Paiement:
    """B11 — a payment entered by hand, with the checks of the import. Its rank is the next
    among identical payments already recorded, so that the comptable's file bringing the same
    payment later does not record it twice."""
    TitreDeRecettes.objects.select_for_update().filter(pk=titre.pk).first()
    sit = restes.situation_du_titre(titre)
    if sit is None:
        raise ValidationError("Un paiement se rapporte à un titre, pas à une réduction.")
    if erreur := verifier_paiement(titre, sit, le, montant):
        raise ValidationError(erreur[0].upper() + erreur[1:])
    rang = 1
    while Paiement.objects.filter(cle=cle_paiement(titre, le, montant, reference, rang)).exists():
        rang += 1
    nouveau = paiement(
        titre=titre,
        sit=sit,
        le=le,
        montant=montant,
        reference=reference,
        cle=cle_paiement(titre, le, montant, reference, rang),
        source=Source.SAISIE,
        par=par,
    )
    nouveau.save()
    return nouveau


def verifier_etat(titre, sit: calcul.Situation, nature: str, le: date, motif: str) -> str | None:
    """Why the comptable's acknowledgement ``nature`` cannot be recorded, or ``None``."""
    if le > timezone.localdate():
        return f"la date ({le:%d/%m/%Y}) est dans le futur."
    if le < titre.date_emission:
        return (
            f"la date ({le:%d/%m/%Y}) précède l'émission du titre ({titre.date_emission:%d/%m/%Y})."
        )
    if nature == NatureEvenement.REJETE:
        if not motif.strip():
            return "un rejet porte son motif."
        if sit.etat == calcul.Etat.PRIS_EN_CHARGE or titre.pris_en_charge:
            return (
                f"le titre n° {titre.numero} est déjà pris en charge : un rejet ne peut plus "
                "le remplacer (l'état ne revient pas en arrière)."
            )
        if sit.paye > 0:
            return f"le titre n° {titre.numero} a déjà reçu des paiements : il ne peut être rejeté."
    if nature == NatureEvenement.PRIS_EN_CHARGE and titre.rejete:
        return (
            f"le titre n° {titre.numero} a été rejeté : il est annulé et réémis, c'est le titre "
            "réémis qui est pris en charge."
        )
    return None


def deja_enregistre(titre, nature: str, le: date) -> bool | None:
    """``True``: the same acknowledgement (same state, same date) is already recorded
    (idempotence); ``False``: another date is (refused); ``None``: none yet."""
    existant = EvenementTitre.objects.filter(titre=titre, nature=nature).first()
    if existant is None:
        return None
    return existant.date == le


@transaction.atomic
def enregistrer_etat(
    *, titre: TitreDeRecettes, nature: str, le: date, motif: str = "", par, source=Source.SAISIE
) -> EvenementTitre | None:
    """B11 — the comptable took the titre in charge, or rejected it (with its reason). The same
    acknowledgement again changes nothing (``None``)."""
    TitreDeRecettes.objects.select_for_update().filter(pk=titre.pk).first()
    suivi = restes.titres_suivis(TitreDeRecettes.objects.filter(pk=titre.pk)).first()
    if suivi is None:
        raise ValidationError("Seul un titre émis (pas une réduction) a un état de recouvrement.")
    deja = deja_enregistre(titre, nature, le)
    if deja:
        return None
    if deja is False:
        raise ValidationError(
            f"Le titre n° {titre.numero} est déjà « {NatureEvenement(nature).label} » à une "
            "autre date."
        )
    if erreur := verifier_etat(suivi, restes.situation(suivi), nature, le, motif):
        raise ValidationError(erreur[0].upper() + erreur[1:])
    return EvenementTitre.objects.create(
        titre=titre, nature=nature, date=le, motif=motif.strip(), source=source, auteur=par
    )


@transaction.atomic
def admettre_en_non_valeur(
    *,
    titre: TitreDeRecettes,
    le: date,
    deliberation: str,
    montant: Decimal | None = None,
    par,
) -> EvenementTitre:
    """B11 — the assembly admitted what remains of a titre (or ``montant`` of it) in
    non-valeur, by the délibération cited. Recorded by hand only."""
    TitreDeRecettes.objects.select_for_update().filter(pk=titre.pk).first()
    sit = restes.situation_du_titre(titre)
    if sit is None:
        raise ValidationError(
            "Seul un titre émis (pas une réduction) peut être admis en non-valeur."
        )
    if not deliberation.strip():
        raise ValidationError("Citez la délibération qui admet la non-valeur.")
    if sit.reste <= 0:
        raise ValidationError("Rien ne reste à recouvrer sur ce titre.")
    montant = sit.reste if montant is None else montant
    if montant <= 0 or montant > sit.reste:
        raise ValidationError(
            f"Le montant admis en non-valeur est positif et n'excède pas le reste ({sit.reste} €)."
        )
    if le > timezone.localdate() or le < titre.date_emission:
        raise ValidationError("La date de la délibération est entre l'émission et aujourd'hui.")
    return EvenementTitre.objects.create(
        titre=titre,
        nature=NatureEvenement.NON_VALEUR,
        date=le,
        deliberation=deliberation.strip(),
        montant=montant,
        source=Source.SAISIE,
        auteur=par,
    )
