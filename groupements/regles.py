"""The rules of the groupements de commandes, in one place (art. 4.2; rules G1–G8 of domain.md).

Each rule is a function that raises ``ValidationError`` with a French message when the act it
guards is not allowed, so that acts (groupements/actes.py), model validation and the admin all
give the same answer. The decisions taken where the convention is silent are constants here.

- G1 eligibility: the groupement formula or the socle complet in force (4.2).
- G2 coordonnateur: Redon Agglomération by default (4.2).
- G3 needs declared before the consultation (4.2.3).
- G4 life cycle: constitution → recensement → consultation → attribution → exécution → échu,
  or résilié (4.2.7).
- G5 retrait by written decision, never once the avis de marché was sent for publication.
- G6 répartition of a charge or a sum received, weighted by each member's share of needs.
- G7 members bound by the needs they declared.
- G8 needs frozen and joining closed once the consultation is launched.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from groupements.repartition import repartir
from membres.models import Formule
from outils.formats import formater_euros, formater_nombre

# --- G2 ------------------------------------------------------------------------------------
# The signature of the convention designates Redon Agglomération as coordonnateur (4.2); a
# groupement may record another one after an avenant (4.2.5).
COORDONNATEUR_PAR_DEFAUT = "Redon Agglomération"

# --- G1 ------------------------------------------------------------------------------------
# "l'ensemble des membres intéressés par un groupement d'achats adhère à cette prestation, à
# l'exception des membres qui auraient déjà souscrits au socle complet" (4.2).
FORMULES_ELIGIBLES = (Formule.SOCLE_COMPLET, Formule.GROUPEMENT, Formule.ANNEXE_COMPLET)


class Etape:
    """G4: the steps of a groupement, in order; résilié is reachable from a signed market."""

    CONSTITUTION = "constitution"
    RECENSEMENT = "recensement"
    CONSULTATION = "consultation"
    ATTRIBUTION = "attribution"
    EXECUTION = "execution"
    ECHU = "echu"
    RESILIE = "resilie"

    CHOIX = [
        (CONSTITUTION, "constitution"),
        (RECENSEMENT, "recensement des besoins"),
        (CONSULTATION, "consultation lancée"),
        (ATTRIBUTION, "marché attribué"),
        (EXECUTION, "exécution"),
        (ECHU, "échu"),
        (RESILIE, "résilié"),
    ]
    LIBELLES = dict(CHOIX)
    ORDRE = [CONSTITUTION, RECENSEMENT, CONSULTATION, ATTRIBUTION, EXECUTION, ECHU]
    # Steps at or after the launch of the consultation: needs frozen (G8), no retrait (G5).
    LANCEES = [CONSULTATION, ATTRIBUTION, EXECUTION, ECHU, RESILIE]
    TERMINEES = [ECHU, RESILIE]
    # Which step may follow which (G4); résiliation needs a market, hence an attribution.
    SUIVANTES = {
        CONSTITUTION: [RECENSEMENT],
        RECENSEMENT: [CONSULTATION],
        CONSULTATION: [ATTRIBUTION],
        ATTRIBUTION: [EXECUTION, RESILIE],
        EXECUTION: [ECHU, RESILIE],
        ECHU: [],
        RESILIE: [],
    }
    # The field holding the date each step was reached.
    CHAMP_DATE = {
        CONSTITUTION: "constitue_le",
        RECENSEMENT: "recensement_ouvert_le",
        CONSULTATION: "consultation_lancee_le",
        ATTRIBUTION: "attribue_le",
        EXECUTION: "execution_debut_le",
        ECHU: "echu_le",
        RESILIE: "resilie_le",
    }


def _date(jour: date) -> str:
    return jour.strftime("%d/%m/%Y")


def _liste(noms: Iterable[str]) -> str:
    noms = list(noms)
    if len(noms) <= 1:
        return "".join(noms)
    return ", ".join(noms[:-1]) + " et " + noms[-1]


def est_lance(groupement) -> bool:
    """True once the avis de marché was sent for publication (G5, G8)."""
    return groupement.consultation_lancee_le is not None


# --- G1 ------------------------------------------------------------------------------------


def est_eligible(formule: str | None) -> bool:
    return formule in FORMULES_ELIGIBLES


def verifier_eligibilite(*, formule: str | None, qui: str, jour: date) -> None:
    """G1: only a member with the groupement formula or the socle complet in force may join
    (``formule``: the one in force on ``jour``, or None). An établissement associé is covered
    by its commune's adhesion (M7): its commune's formula is given."""
    if est_eligible(formule):
        return
    en_vigueur = (
        f"seule la formule « {Formule(formule).label} » est en vigueur"
        if formule
        else "aucune adhésion au service commun n'est en vigueur"
    )
    raise ValidationError(
        f"{qui} ne peut pas adhérer à un groupement de commandes : au {_date(jour)}, "
        f"{en_vigueur}. Il faut le socle complet ou la formule « groupement d'achats » du "
        "socle annexe (art. 4.2 de la convention).",
        code="G1",
    )


# --- G8 / G4: joining ----------------------------------------------------------------------


def verifier_adhesion_ouverte(groupement, jour: date) -> None:
    """G8: no joining once the consultation is launched (the member would not benefit from
    the market); G4: nor into a groupement that is over."""
    if est_lance(groupement):
        raise ValidationError(
            f"Le groupement « {groupement.objet} » n'accepte plus de membres : l'avis de marché "
            f"a été envoyé pour publication le {_date(groupement.consultation_lancee_le)}, et un "
            "nouveau membre ne bénéficierait pas du marché.",
            code="G8",
        )
    if jour < groupement.constitue_le:
        raise ValidationError(
            f"Le groupement « {groupement.objet} » n'est constitué que depuis le "
            f"{_date(groupement.constitue_le)} : on ne peut y adhérer avant cette date.",
            code="G4",
        )


# --- G3 / G8 / G7: needs -------------------------------------------------------------------


def verifier_besoins_modifiables(groupement) -> None:
    """G8 (and G7): needs are frozen when the consultation is launched; each member stays
    bound by the needs it declared."""
    if est_lance(groupement):
        raise ValidationError(
            "Les besoins ne peuvent plus être modifiés : ils ont été figés au lancement de la "
            f"consultation, le {_date(groupement.consultation_lancee_le)}, et chaque membre reste "
            "engagé sur les besoins qu'il a déclarés (art. 4.2.7.1).",
            code="G8",
        )


def verifier_besoins_declares(adhesions) -> None:
    """G3: before the consultation is launched, every member has declared its needs
    (at least one quantitative line or a qualitative description).

    ``adhesions``: the active memberships, their ``besoins`` prefetched or not."""
    sans_besoins = [
        a.nom_membre
        for a in adhesions
        if not a.besoins_qualitatifs.strip() and not list(a.besoins.all())
    ]
    if sans_besoins:
        raise ValidationError(
            "La consultation ne peut être lancée : "
            + (
                f"{_liste(sans_besoins)} n'a déclaré aucun besoin"
                if len(sans_besoins) == 1
                else f"{_liste(sans_besoins)} n'ont déclaré aucun besoin"
            )
            + ". Recueillez leurs besoins, ou enregistrez leur retrait, avant d'envoyer l'avis "
            "de marché (art. 4.2.3).",
            code="G3",
        )


# --- G5: retrait ---------------------------------------------------------------------------


def verifier_retrait(groupement, *, notifie_le: date, decision_date: date) -> None:
    """G5: a member may withdraw by a written decision notified to the coordonnateur, but not
    once the procedure was engaged by sending the avis de marché for publication."""
    lance_le = groupement.consultation_lancee_le
    if lance_le is not None and notifie_le >= lance_le:
        raise ValidationError(
            "Le retrait n'est plus possible : la procédure a été engagée par l'envoi pour "
            f"publication de l'avis de marché le {_date(lance_le)} (art. 4.2.7.1, « Retrait et "
            "résiliation »). Le membre reste engagé sur les besoins qu'il a déclarés.",
            code="G5",
        )
    if decision_date > notifie_le:
        raise ValidationError(
            "La décision de retrait ne peut être datée après sa notification au coordonnateur.",
            code="G5",
        )


# --- G4: life cycle ------------------------------------------------------------------------


def verifier_transition(groupement, vers: str, le: date) -> None:
    """G4: only the next step, at a date not before the current one."""
    actuelle = groupement.etape
    if vers not in Etape.SUIVANTES.get(actuelle, []):
        possibles = [Etape.LIBELLES[e] for e in Etape.SUIVANTES.get(actuelle, [])]
        suite = (
            f"l'étape suivante ne peut être que : {_liste(f'« {p} »' for p in possibles)}"
            if possibles
            else "le groupement est terminé"
        )
        raise ValidationError(
            f"Le groupement est à l'étape « {Etape.LIBELLES[actuelle]} » : {suite}.",
            code="G4",
        )
    precedente = getattr(groupement, Etape.CHAMP_DATE[actuelle])
    if precedente and le < precedente:
        raise ValidationError(
            f"L'étape « {Etape.LIBELLES[vers]} » ne peut être datée avant l'étape "
            f"« {Etape.LIBELLES[actuelle]} » ({_date(precedente)}).",
            code="G4",
        )


def fin_des_marches(marches) -> date | None:
    """G4: a groupement lasts until the end of its market (the latest, if several lots)."""
    fins = [m.fin for m in marches if m.fin]
    return max(fins) if fins else None


def verifier_attribution(marches) -> None:
    """G4: an attribution names the titulaire of at least one market."""
    if not any(m.titulaire.strip() for m in marches):
        raise ValidationError("Enregistrez d'abord le marché attribué et son titulaire.", code="G4")


def verifier_echeance(marches, le: date) -> None:
    """G4: a groupement is échu at the end date of its market, not before."""
    fin = fin_des_marches(marches)
    if fin is None:
        raise ValidationError(
            "Renseignez la date de fin du marché avant d'en constater l'échéance.", code="G4"
        )
    if le <= fin:
        raise ValidationError(
            f"Le marché court jusqu'au {_date(fin)} inclus : l'échéance ne peut être constatée "
            "qu'après cette date.",
            code="G4",
        )


def prochaine_action(groupement, marches, adhesions, jour: date) -> str:
    """G4: what happens next, in French, for the dashboard."""
    etape = groupement.etape
    if etape == Etape.CONSTITUTION:
        return (
            "Ouvrir le recensement des besoins : chaque membre déclare ses besoins quantitatifs "
            "et qualitatifs (art. 4.2.3). Les communes éligibles peuvent encore adhérer."
        )
    if etape == Etape.RECENSEMENT:
        sans = [
            a.nom_membre
            for a in adhesions
            if not a.besoins_qualitatifs.strip() and not list(a.besoins.all())
        ]
        texte = ""
        if sans:
            texte = f"En attente des besoins de : {_liste(sans)}. "
        if groupement.date_limite_besoins:
            texte += f"Date limite de déclaration : {_date(groupement.date_limite_besoins)}. "
        return texte + (
            "Puis lancer la consultation (envoi de l'avis de marché pour publication) : les "
            "besoins seront figés, et plus aucune adhésion ni aucun retrait ne sera possible "
            "(art. 4.2.7.1)."
        )
    if etape == Etape.CONSULTATION:
        return (
            "Attribuer le marché (commission du coordonnateur, art. 4.2.7.1) et enregistrer "
            "son titulaire."
        )
    if etape == Etape.ATTRIBUTION:
        return (
            "Notifier le marché et démarrer l'exécution : chaque membre passe et paie ses "
            "propres commandes, selon les besoins qu'il a déclarés (art. 4.2.3)."
        )
    if etape == Etape.EXECUTION:
        fin = fin_des_marches(marches)
        if fin is None:
            return "Renseigner la date de fin du marché : le groupement dure jusqu'à son échéance."
        if jour > fin:
            return f"Le marché a pris fin le {_date(fin)} : constater l'échéance du groupement."
        return (
            f"Le marché s'exécute jusqu'au {_date(fin)} ; le groupement prend fin à cette "
            "échéance (art. 4.2.7.1)."
        )
    if etape == Etape.ECHU:
        return "Groupement échu : plus rien à faire, sauf la répartition d'un contentieux."
    return "Marché résilié : répartir l'éventuelle indemnité de résiliation entre les membres."


# --- G6: répartition -----------------------------------------------------------------------


def ordre_des_membres(adhesions) -> list:
    """**Decision**: the "given order" that breaks ties in a répartition (G6) is the order of
    joining (date, then record number): the member that joined first gets the odd cent."""
    return sorted(adhesions, key=lambda a: (a.adhere_le, a.pk))


def poids_par_defaut(adhesions) -> dict:
    """G6: by default each member weighs its share of the estimated amount of needs."""
    return {
        a: sum((b.montant_estime for b in a.besoins.all()), Decimal("0.00"))
        for a in ordre_des_membres(adhesions)
    }


def verifier_repartition_possible(groupement) -> None:
    """G6 (**Decision**): a charge or a sum received is split only once the consultation is
    launched: the needs are then frozen (G8), so the weights can no longer move."""
    if not est_lance(groupement):
        raise ValidationError(
            "Une répartition ne peut être enregistrée qu'une fois la consultation lancée : "
            "les besoins, qui fixent le poids de chaque membre, ne sont figés qu'à ce moment "
            "(art. 4.2.6).",
            code="G6",
        )


def repartir_entre_membres(montant: Decimal, poids: Mapping) -> dict:
    """G6: shares to the cent adding up exactly to ``montant`` (largest remainder), with the
    pure function's French errors turned into a ValidationError."""
    try:
        return repartir(montant, poids)
    except ValueError as erreur:
        if "Au moins un poids" in str(erreur):
            raise ValidationError(
                "Impossible de répartir : tous les poids sont nuls (aucun membre n'a de besoin "
                "chiffré). Saisissez le poids de chaque membre.",
                code="G6",
            ) from erreur
        raise ValidationError(str(erreur), code="G6") from erreur


def texte_base(*, poids: Decimal, total: Decimal, montant_total: Decimal) -> str:
    """The basis of a share, in French: its weight over the total weight. Weights are euro
    amounts (estimated needs by default, or e.g. the amounts ordered when DSI staff set them)."""
    part = f"{formater_nombre(poids * 100 / total, 2)} %" if total else "—"
    return (
        f"poids {formater_euros(poids)} sur {formater_euros(total)} ({part}) "
        f"de {formater_euros(montant_total)}"
    )
