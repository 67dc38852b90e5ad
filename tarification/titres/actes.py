"""Acts that issue one titre each (B1): the audit from its report's delivery (T2), a mandate
refacturation (art. 2.3.4), the frais de sortie of a résiliation (art. 2.4); and the official
numbers returned by the finance suite (B3). Each is a keyword-only function in one
transaction, issuing through the generic ``emission.emettre_titre``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from membres.fichiers import TYPES_ACCEPTES, verifier_fichier
from membres.models import Adhesion, Commune, Document, Etablissement
from outils.formats import formater_euros
from tarification.contribution import prix_audit
from tarification.deja_facture import audits_emis_nets
from tarification.models import TitreDeRecettes
from tarification.titres.emission import LigneAFacturer, emettre_titre
from tarification.titres.exercices import aujourdhui
from tarification.titres.mentions import (
    fondement_adhesion,
    fondement_refacturation,
    fondement_sortie,
    nom_epci,
)
from tarification.titres.numeros_officiels import titre_ayant

Nature = TitreDeRecettes.Nature
ZERO = Decimal("0.00")


def _titre_audit_emis(adhesion: Adhesion) -> TitreDeRecettes | None:
    """The audit titre that bills ``adhesion``, if it is billed (net of its corrections)."""
    if audits_emis_nets([adhesion.pk]).get(adhesion.pk, ZERO) == 0:
        return None
    return (
        TitreDeRecettes.objects.emis()
        .filter(adhesion=adhesion, nature=Nature.AUDIT, corrige__isnull=True)
        .order_by("date_emission", "pk")
        .first()
    )


@transaction.atomic
def enregistrer_livraison_audit(
    *, adhesion: Adhesion, livre_le: date, par, rapport=None, jour: date | None = None
) -> Adhesion:
    """T2 — DSI staff record the delivery of the audit report: the adhesion keeps its delivery
    date (T5 counts from it, and the audit is priced on it) and the report is filed with the
    member's documents. The titre is the finance officer's to issue (``emettre_titre_audit``):
    who records a service never bills it (separation of duties)."""
    adhesion = (
        Adhesion.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=adhesion.pk)
    )
    if not adhesion.audit:
        raise ValidationError(
            "Cette adhésion ne comprend pas l'audit (socle annexe) : l'audit préalable au socle "
            "complet n'est pas facturé (T2)."
        )
    if livre_le > (jour or aujourdhui()):
        raise ValidationError("La date de livraison du rapport ne peut être dans le futur.")
    titre = _titre_audit_emis(adhesion)
    if titre is not None and adhesion.audit_livre_le != livre_le:
        raise ValidationError(
            f"L'audit de cette adhésion est déjà facturé (titre n° {titre.numero}, exercice "
            f"{titre.exercice}) sur la livraison du "
            f"{adhesion.audit_livre_le:%d/%m/%Y} : cette date ne change plus (T2)."
        )
    if adhesion.audit_livre_le != livre_le:
        adhesion.audit_livre_le = livre_le
        adhesion.full_clean()
        adhesion.save()
    if rapport is not None:
        document = Document(
            commune=adhesion.commune,
            adhesion=adhesion,
            type=Document.Type.RAPPORT_AUDIT,
            titre=f"Rapport d'audit livré le {livre_le:%d/%m/%Y}",
            fichier=rapport,
            depose_par=par,
        )
        document.full_clean()
        document.save()
    return adhesion


def audits_a_facturer():
    """Adhesions whose audit report is delivered and not billed (or whose titre was annulled):
    the finance officer's list. Two queries."""
    livrees = list(
        Adhesion.objects.filter(audit_livre_le__isnull=False)
        .select_related("commune")
        .order_by("audit_livre_le", "commune__nom")
    )
    livrees = [a for a in livrees if a.audit]
    nets = audits_emis_nets([a.pk for a in livrees])
    return [a for a in livrees if nets.get(a.pk, ZERO) == 0]


@transaction.atomic
def emettre_titre_audit(
    *, adhesion: Adhesion, par, date_emission: date | None = None
) -> TitreDeRecettes:
    """T2 — the finance officer issues the audit titre from the delivery DSI staff recorded,
    priced with the grid and population in force on the delivery date. Idempotent: an audit
    already billed returns its titre and issues nothing (the adhesion is locked, so two
    simultaneous requests issue one titre); after an annulment it is billed again."""
    adhesion = (
        Adhesion.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=adhesion.pk)
    )
    if not adhesion.audit:
        raise ValidationError(
            "Cette adhésion ne comprend pas l'audit (socle annexe) : l'audit préalable au socle "
            "complet n'est pas facturé (T2)."
        )
    anomalie = adhesion.anomalie_signature()
    if anomalie:
        raise ValidationError(anomalie)  # M2: billed only once signed by both parties
    livre_le = adhesion.audit_livre_le
    if livre_le is None:
        raise ValidationError(
            "La livraison du rapport d'audit n'est pas enregistrée : la DSI l'enregistre "
            "d'abord, le titre se fonde sur sa date (T2)."
        )
    deja = _titre_audit_emis(adhesion)
    if deja is not None:
        return deja
    resultat = prix_audit(adhesion)
    if resultat.bloque:
        raise ValidationError(
            "L'audit ne peut être tarifé : " + " ; ".join(a.message for a in resultat.anomalies)
        )
    return emettre_titre(
        nature=Nature.AUDIT,
        commune=adhesion.commune,
        objet=(
            "Audit du système d'information (socle annexe, article 7.2.1 de la convention) — "
            f"rapport livré le {livre_le:%d/%m/%Y}"
        ),
        lignes=[
            LigneAFacturer.depuis(ligne, service=f"audit:{adhesion.pk}", annee=livre_le.year)
            for ligne in resultat.lignes
        ],
        par=par,
        annee=livre_le.year,
        adhesion=adhesion,
        date_emission=date_emission or aujourdhui(),
        fondement=fondement_adhesion([adhesion], epci=nom_epci(), article="article 7.2.1"),
    )


TYPES_FACTURE = {".pdf": TYPES_ACCEPTES[".pdf"]}


@transaction.atomic
def emettre_refacturation(
    *,
    commune: Commune,
    etablissement: Etablissement | None = None,
    objet: str,
    fournisseur: str,
    numero_facture: str,
    date_facture: date,
    date_paiement: date,
    montant: Decimal,
    facture,
    par,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """Art. 2.3.4 — the EPCI bought for the member and paid the supplier: the amount is billed
    with a copy of the paid invoice (PDF only, checked), embedded in the titre's PDF. The same
    invoice is re-billed only if its titre was annulled (B4)."""
    verifier_fichier(facture, TYPES_FACTURE)
    if date_paiement < date_facture:
        raise ValidationError("La facture ne peut être payée avant d'être émise.")
    base = (
        f"art. 2.3.4 — achat réalisé en mandat pour le compte du membre : facture n° "
        f"{numero_facture} de {fournisseur} du {date_facture:%d/%m/%Y}, acquittée le "
        f"{date_paiement:%d/%m/%Y} pour {formater_euros(montant)}, refacturée à l'identique ; "
        "copie de la facture acquittée jointe au présent titre (fichier intégré au PDF)"
    )
    ligne = LigneAFacturer(
        code="refacturation",
        libelle=f"Refacturation — {fournisseur}, facture n° {numero_facture}",
        montant=montant,
        base_texte=base,
        service=f"refacturation:{fournisseur.strip().lower()}:{numero_facture.strip().lower()}"[
            :120
        ],
        annee=date_facture.year,
    )
    return emettre_titre(
        nature=Nature.REFACTURATION,
        commune=commune,
        etablissement=etablissement,
        objet=objet,
        lignes=[ligne],
        par=par,
        annee=date_facture.year,
        piece_jointe=facture,
        date_emission=date_emission,
        fondement=fondement_refacturation(
            fournisseur=fournisseur,
            numero_facture=numero_facture,
            date_facture=date_facture,
            date_paiement=date_paiement,
        ),
    )


@dataclass(frozen=True)
class FraisDeSortie:
    libelle: str
    montant: Decimal
    detail: str  # the contract taken over or reimbursed, the penalty…


@transaction.atomic
def emettre_frais_de_sortie(
    *,
    adhesion: Adhesion,
    frais: Sequence[FraisDeSortie],
    par,
    date_emission: date | None = None,
) -> TitreDeRecettes:
    """Art. 2.4 — exit costs of a résiliation: contracts taken over or reimbursed, penalties."""
    adhesion = Adhesion.objects.select_related("commune").get(pk=adhesion.pk)
    if adhesion.motif_fin != Adhesion.MotifFin.RESILIATION or adhesion.dernier_jour is None:
        raise ValidationError(
            "Des frais de sortie ne se facturent qu'après une résiliation notifiée (art. 2.4)."
        )
    notifiee = (
        f"résiliation notifiée le {adhesion.resiliation_notifiee_le:%d/%m/%Y}, "
        if adhesion.resiliation_notifiee_le
        else "résiliation convenue par écrit, "
    )
    lignes = [
        LigneAFacturer(
            code="frais_sortie",
            libelle=f.libelle,
            montant=f.montant,
            base_texte=(
                f"art. 2.4 — {notifiee}dernier jour de l'adhésion le "
                f"{adhesion.dernier_jour:%d/%m/%Y} : {f.detail}"
            ),
        )
        for f in frais
    ]
    return emettre_titre(
        nature=Nature.FRAIS_SORTIE,
        commune=adhesion.commune,
        objet=(
            "Frais de sortie du service commun (article 2.4 de la convention) — adhésion "
            f"terminée le {adhesion.dernier_jour:%d/%m/%Y}"
        ),
        lignes=lignes,
        par=par,
        annee=adhesion.dernier_jour.year,
        adhesion=adhesion,
        date_emission=date_emission,
        fondement=fondement_sortie(adhesion),
    )


@transaction.atomic
def enregistrer_references_officielles(
    *, titre: TitreDeRecettes, numero_officiel: str, bordereau_officiel: str, par
) -> TitreDeRecettes:
    """B3 — the titre and bordereau numbers the finance suite gave this pièce (the issued PDF
    is not changed; the numbers are shown in the portal and the exports)."""
    titre = TitreDeRecettes.objects.select_for_update().get(pk=titre.pk)
    autre = titre_ayant(titre, numero_officiel.strip())
    if autre is not None:
        raise ValidationError(
            f"Le n° officiel {numero_officiel.strip()} est déjà celui du titre n° {autre.numero} "
            f"(exercice {autre.exercice})."
        )
    titre.numero_officiel = numero_officiel.strip()
    titre.bordereau_officiel = bordereau_officiel.strip()
    titre.save(update_fields=["numero_officiel", "bordereau_officiel"])
    return titre
