"""Business acts on groupements de commandes: keyword-only functions named after the act, each
in one transaction, raising ``ValidationError`` with a French message (nothing half-saved).

Called by the DSI pages and admin, and by the member portal:

- ``adherer(*, groupement, commune, etablissement=None, le=None, par)`` — join (G1, G8);
- ``declarer_besoins(*, adhesion_groupement, lignes, besoins_qualitatifs, par, le=None)`` —
  declare or replace one's needs (G3, G8);
- ``demander_retrait(*, adhesion_groupement, decision_numero, decision_date, par,
  notifie_le=None)`` — withdraw by written decision, before the launch only (G5);
- ``passer_etape(*, groupement, vers, le, par, motif="")`` — the life cycle (G4), and the
  répartition acts (G6): ``enregistrer_repartition``, ``modifier_poids``,
  ``emettre_appels_de_fonds``, ``arreter_reversements``.

Every act that checks the launch of the consultation first locks the groupement's row, and
``passer_etape`` takes the same lock: a need declared, a member joining or a retrait cannot slip
in while the consultation is being launched (on SQLite, writers are serialised anyway).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groupements import appels_de_fonds, regles
from groupements.models import (
    AdhesionGroupement,
    Besoin,
    Groupement,
    PartRepartition,
    PosteBesoin,
    Repartition,
    verifier_eligibilite,
)
from groupements.regles import Etape
from membres import notifications
from outils.formats import de_commune
from tarification.calcul import arrondir

__all__ = [
    "LigneBesoin",
    "adherer",
    "arreter_reversements",
    "declarer_besoins",
    "demander_retrait",
    "emettre_appels_de_fonds",
    "enregistrer_repartition",
    "modifier_poids",
    "passer_etape",
]


def _aujourdhui() -> date:
    return timezone.localdate()


def _signer(instance, par):
    """Record who acted in the instance's history (simple_history), outside a request too."""
    instance._history_user = par
    return instance


def _verrouiller(groupement) -> Groupement:
    return Groupement.objects.select_for_update().get(pk=groupement.pk)


def _nombre(
    valeur, libelle: str, *, strictement_positif: bool = False, quantite: bool = False
) -> Decimal:
    """Input (Decimal, int, or French text such as "1 234,50") → a Decimal to two places.
    ``libelle`` names the value ("Le montant estimé de « … »", "La quantité de « … »")."""
    sorte = "une quantité" if quantite else "un montant"
    if isinstance(valeur, bool) or not isinstance(valeur, Decimal | int | str):
        raise ValidationError(f"{libelle} : {sorte} est attendu{'e' if quantite else ''}.")
    try:
        nombre = Decimal(str(valeur).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation as erreur:
        raise ValidationError(f"{libelle} : « {valeur} » n'est pas {sorte}.") from erreur
    if not nombre.is_finite():
        raise ValidationError(f"{libelle} : « {valeur} » n'est pas {sorte}.")
    if nombre < 0 or (strictement_positif and nombre == 0):
        accord = "e" if quantite else ""
        raise ValidationError(
            f"{libelle} doit être strictement positif{accord}."
            if strictement_positif
            else f"{libelle} ne peut être négati{'ve' if quantite else 'f'}."
        )
    if nombre != nombre.quantize(Decimal("0.01")):
        raise ValidationError(
            f"{libelle} : au plus deux décimales{'' if quantite else ' (centimes)'}."
        )
    return nombre.quantize(Decimal("0.01"))


# --- G1, G8: joining -----------------------------------------------------------------------


@transaction.atomic
def adherer(
    *, groupement, commune, etablissement=None, le: date | None = None, par
) -> AdhesionGroupement:
    """A commune (or one of its établissements, M7) joins a groupement: only if its formula in
    force allows it (G1) and the consultation is not launched (G8)."""
    le = le or _aujourdhui()
    groupement = _verrouiller(groupement)
    if etablissement is not None and etablissement.commune_id != commune.pk:
        raise ValidationError(
            f"{etablissement.nom} n'est pas un établissement {de_commune(commune.nom)}."
        )
    regles.verifier_adhesion_ouverte(groupement, le)
    verifier_eligibilite(commune=commune, jour=le, etablissement=etablissement)
    deja = AdhesionGroupement.objects.actives().filter(
        groupement=groupement, commune=commune, etablissement=etablissement
    )
    if deja.exists():
        qui = etablissement.nom if etablissement else commune.nom
        raise ValidationError(f"{qui} est déjà membre du groupement « {groupement.objet} ».")
    adhesion = AdhesionGroupement(
        groupement=groupement, commune=commune, etablissement=etablissement, adhere_le=le
    )
    adhesion.full_clean()
    _signer(adhesion, par).save()
    return adhesion


# --- G3, G8: needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneBesoin:
    """One quantitative need as entered: a poste of the harmonised list (designation and unit
    then come from it) or a free designation and unit. ``montant_estime`` may be left out
    when the poste has an indicative unit price (quantity × price)."""

    quantite: Decimal | int | str
    montant_estime: Decimal | int | str | None = None
    poste: PosteBesoin | None = None
    designation: str = ""
    unite: str = ""
    precisions: str = ""


def _ligne(valeur) -> LigneBesoin:
    if isinstance(valeur, LigneBesoin):
        return valeur
    if isinstance(valeur, Mapping):
        return LigneBesoin(**valeur)
    raise TypeError("Une ligne de besoin est un LigneBesoin ou un dictionnaire.")


@transaction.atomic
def declarer_besoins(
    *,
    adhesion_groupement,
    lignes: Iterable[LigneBesoin | Mapping],
    besoins_qualitatifs: str = "",
    par,
    le: date | None = None,
) -> list[Besoin]:
    """G3: a member declares its needs, quantitative (lines) and qualitative (text). The new
    declaration replaces the previous one. A line with a zero quantity and a zero (or no)
    amount is ignored, so a form may send every poste. Refused once the consultation is
    launched (G8): the member then stays bound by what it declared (G7)."""
    adhesion = AdhesionGroupement.objects.select_related("groupement").get(
        pk=adhesion_groupement.pk
    )
    groupement = _verrouiller(adhesion.groupement)
    regles.verifier_besoins_modifiables(groupement)
    if not adhesion.est_active:
        raise ValidationError(
            "Ce membre s'est retiré du groupement : il ne déclare plus de besoins."
        )

    nouveaux = []
    for numero, brute in enumerate(lignes, start=1):
        ligne = _ligne(brute)
        poste = ligne.poste
        if poste is not None and poste.groupement_id != groupement.pk:
            raise ValidationError(f"Ligne {numero} : ce poste n'est pas celui de ce groupement.")
        designation = (ligne.designation or (poste.designation if poste else "")).strip()
        unite = (ligne.unite or (poste.unite if poste else "")).strip()
        nom = f"« {designation} »" if designation else f"ligne {numero}"
        quantite = _nombre(ligne.quantite, f"La quantité {de_commune(nom)}", quantite=True)
        if ligne.montant_estime in (None, ""):
            if poste is None or poste.prix_unitaire_indicatif is None:
                if quantite == 0:
                    continue
                raise ValidationError(f"Indiquez le montant estimé {de_commune(nom)}.")
            # The one rounding point of an estimated amount: quantity × indicative price.
            montant = arrondir(quantite * poste.prix_unitaire_indicatif)
        else:
            montant = _nombre(ligne.montant_estime, f"Le montant estimé {de_commune(nom)}")
        if quantite == 0 and montant == 0:
            continue
        if not designation:
            raise ValidationError(f"Ligne {numero} : indiquez la désignation du besoin.")
        if not unite:
            raise ValidationError(f"Indiquez l'unité {de_commune(nom)} (ligne, site, licence…).")
        nouveaux.append(
            Besoin(
                adhesion=adhesion,
                poste=poste,
                designation=designation[:200],
                unite=unite[:50],
                quantite=quantite,
                montant_estime=montant,
                precisions=ligne.precisions.strip()[:250],
            )
        )

    for ancien in adhesion.besoins.all():
        _signer(ancien, par).delete()
    for besoin in nouveaux:
        besoin.full_clean()
        _signer(besoin, par).save()
    adhesion.besoins_qualitatifs = besoins_qualitatifs.strip()
    adhesion.besoins_declares_le = le or _aujourdhui()
    adhesion.full_clean()
    _signer(adhesion, par).save()
    return nouveaux


# --- G5: retrait ---------------------------------------------------------------------------


@transaction.atomic
def demander_retrait(
    *,
    adhesion_groupement,
    decision_numero: str,
    decision_date: date,
    par,
    notifie_le: date | None = None,
) -> AdhesionGroupement:
    """G5: a member withdraws by a written decision notified to the coordonnateur (the
    notification is this act, today, unless DSI staff record an earlier one). Refused once
    the avis de marché has been sent for publication."""
    notifie_le = notifie_le or _aujourdhui()
    adhesion = AdhesionGroupement.objects.select_related("groupement").get(
        pk=adhesion_groupement.pk
    )
    groupement = _verrouiller(adhesion.groupement)
    if not adhesion.est_active:
        raise ValidationError(
            f"Ce membre s'est déjà retiré du groupement le {adhesion.retrait_notifie_le:%d/%m/%Y}."
        )
    decision_numero = (decision_numero or "").strip()
    if not decision_numero:
        raise ValidationError("Indiquez le numéro de la décision écrite de retrait.")
    if decision_date is None:
        raise ValidationError("Indiquez la date de la décision écrite de retrait.")
    regles.verifier_retrait(groupement, notifie_le=notifie_le, decision_date=decision_date)
    adhesion.retrait_decision_numero = decision_numero
    adhesion.retrait_decision_date = decision_date
    adhesion.retrait_notifie_le = notifie_le
    adhesion.full_clean()
    _signer(adhesion, par).save()
    return adhesion


# --- G4: life cycle ------------------------------------------------------------------------


@transaction.atomic
def passer_etape(*, groupement, vers: str, le: date, par, motif: str = "") -> Groupement:
    """G4: move a groupement to its next step on date ``le``.

    - recensement: the members are asked for their needs;
    - consultation: ``le`` is the date the avis de marché was sent for publication; every
      member must have declared its needs (G3); from then on needs are frozen and neither a
      new member nor a retrait is accepted (G5, G8);
    - attribution: a market and its titulaire are recorded;
    - exécution; échu: after the end date of the market, stored as the échéance;
    - résilié: the market is terminated (``motif`` required).
    """
    groupement = _verrouiller(groupement)
    regles.verifier_transition(groupement, vers, le)
    marches = list(groupement.marches.all())
    if vers == Etape.CONSULTATION:
        adhesions = list(
            groupement.adhesions.actives()
            .select_related("commune", "etablissement")
            .prefetch_related("besoins")
        )
        if not adhesions:
            raise ValidationError(
                "La consultation ne peut être lancée : le groupement n'a aucun membre."
            )
        regles.verifier_besoins_declares(adhesions)
    elif vers == Etape.ATTRIBUTION:
        regles.verifier_attribution(marches)
    elif vers == Etape.ECHU:
        regles.verifier_echeance(marches, le)
        le = regles.fin_des_marches(marches)
    elif vers == Etape.RESILIE:
        if not motif.strip():
            raise ValidationError("Indiquez le motif de la résiliation du marché.")
        groupement.motif_resiliation = motif.strip()
    if le > _aujourdhui():
        raise ValidationError("Une étape ne peut être datée dans le futur.")
    groupement.etape = vers
    setattr(groupement, Etape.CHAMP_DATE[vers], le)
    groupement.full_clean()
    _signer(groupement, par).save()
    if vers == Etape.RECENSEMENT:
        # G3: the members' contacts are told their needs are due (after the commit).
        avis = avis_recensement_ouvert(groupement)
        transaction.on_commit(lambda: notifications.envoyer(avis))
    return groupement


def avis_recensement_ouvert(groupement: Groupement) -> list[notifications.Avis]:
    """G3: the recensement des besoins is open — one e-mail to each commune with an active
    membership (its own or one of its établissements'), with the groupement's deadline."""
    communes = {
        adhesion.commune_id for adhesion in groupement.adhesions.actives().only("commune_id")
    }
    return [
        notifications.Avis(
            commune_id=commune_id,
            sujet=f"Groupement « {groupement} » : déclarez vos besoins",
            gabarit="notifications/besoins_a_declarer.txt",
            contexte={"groupement": str(groupement), "date_limite": groupement.date_limite_besoins},
            page="groupement",
            page_kwargs={"pk": groupement.pk},
        )
        for commune_id in sorted(communes)
    ]


# --- G6: répartition -----------------------------------------------------------------------


def _calculer_parts(repartition, poids_par_adhesion: Mapping) -> list[PartRepartition]:
    """Build the parts of a répartition from weights keyed by membership, in the order of
    the mapping (which breaks ties, G6)."""
    montants = regles.repartir_entre_membres(repartition.montant, poids_par_adhesion)
    return [
        PartRepartition(
            repartition=repartition,
            adhesion=adhesion,
            rang=rang,
            poids=poids_par_adhesion[adhesion],
            montant=montants[adhesion],
        )
        for rang, adhesion in enumerate(poids_par_adhesion, start=1)
    ]


@transaction.atomic
def enregistrer_repartition(
    *,
    groupement,
    sens: str,
    motif: str,
    libelle: str,
    montant,
    piece: str,
    piece_date: date,
    par,
) -> Repartition:
    """G6: record a charge borne by the groupement (termination indemnity, damages,
    litigation costs) or a sum received (damages paid by the titulaire), and compute each
    member's share from its weight — by default the estimated amount of its needs. The result
    is a draft (the preview) until the appels de fonds are issued or the pay-backs fixed."""
    groupement = _verrouiller(groupement)
    regles.verifier_repartition_possible(groupement)
    repartition = Repartition(
        groupement=groupement,
        sens=sens,
        motif=motif,
        libelle=(libelle or "").strip(),
        montant=_nombre(montant, "Le montant à répartir", strictement_positif=True),
        piece=(piece or "").strip(),
        piece_date=piece_date,
        cree_par=par,
    )
    repartition.full_clean()
    adhesions = list(groupement.adhesions.actives().prefetch_related("besoins"))
    if not adhesions:
        raise ValidationError("Ce groupement n'a aucun membre entre qui répartir.")
    parts = _calculer_parts(repartition, regles.poids_par_defaut(adhesions))
    _signer(repartition, par).save()
    PartRepartition.objects.bulk_create(parts)
    return repartition


def _verrouiller_brouillon(repartition) -> Repartition:
    repartition = Repartition.objects.select_for_update().get(pk=repartition.pk)
    if not repartition.est_brouillon:
        raise ValidationError(
            f"Cette répartition est déjà « {repartition.get_statut_display()} » : elle ne peut "
            "plus être modifiée."
        )
    return repartition


@transaction.atomic
def modifier_poids(*, repartition, poids: Mapping, justification: str, par) -> Repartition:
    """G6: DSI staff replace the default weights (e.g. by the amounts actually ordered). Keys
    are memberships or their ids; a member left out keeps its weight. The shares are computed
    again; the justification is kept with the répartition."""
    repartition = _verrouiller_brouillon(repartition)
    if not (justification or "").strip():
        raise ValidationError(
            "Justifiez la modification des poids (poids relatif de chaque membre, art. 4.2.6)."
        )
    parts = list(repartition.parts.select_related("adhesion").order_by("rang"))
    nouveaux = {(k.pk if hasattr(k, "pk") else int(k)): v for k, v in poids.items()}
    inconnus = set(nouveaux) - {p.adhesion_id for p in parts}
    if inconnus:
        raise ValidationError("Ces poids désignent des membres étrangers à cette répartition.")
    ponderation = {
        part.adhesion: _nombre(
            nouveaux.get(part.adhesion_id, part.poids),
            f"Le poids {de_commune(part.adhesion.nom_membre)}",
        )
        for part in parts
    }
    recalculees = _calculer_parts(repartition, ponderation)
    for part, nouvelle in zip(parts, recalculees, strict=True):
        part.poids, part.montant = nouvelle.poids, nouvelle.montant
    PartRepartition.objects.bulk_update(parts, ["poids", "montant"])
    repartition.motif_poids = justification.strip()
    _signer(repartition, par).save()
    return repartition


def _valider(repartition, statut, par) -> Repartition:
    repartition.statut = statut
    repartition.validee_le = timezone.now()
    repartition.validee_par = par
    _signer(repartition, par).save()
    return repartition


@transaction.atomic
def arreter_reversements(*, repartition, par) -> Repartition:
    """G6: fix the amounts to pay back to each member out of a sum received. They are shown
    and exported for the finance suite; no titre is issued."""
    repartition = _verrouiller_brouillon(repartition)
    if repartition.est_charge:
        raise ValidationError(
            "Une charge se répartit par des appels de fonds, pas par des reversements."
        )
    return _valider(repartition, Repartition.Statut.ARRETEE, par)


@transaction.atomic
def emettre_appels_de_fonds(*, repartition, par, exercice: int | None = None) -> list:
    """G6: issue one titre de recettes of nature "appel de fonds" per member with a non-zero
    share (B1: no titre of 0), its debtor being the commune or the établissement member (M7).
    All titres are issued together or none (one transaction)."""

    repartition = _verrouiller_brouillon(repartition)
    if not repartition.est_charge:
        raise ValidationError(
            "Une somme reçue se reverse aux membres : elle ne donne pas lieu à des titres."
        )
    titres = appels_de_fonds.emettre(repartition=repartition, par=par, exercice=exercice)
    _valider(repartition, Repartition.Statut.EMISE, par)
    return titres
