"""Acts of a dispute (convention art. 2.5): opened on a member or one of its titres, its steps
of conciliation or mediation, its outcome. The convention puts the conciliation or the
mediation "en tout premier lieu": a dispute cannot end in failure (which opens the way to the
tribunal administratif) without one recorded step."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from membres.models import Commune
from tarification.models import EtapeLitige, Litige, TitreDeRecettes


def _enregistrer(objet):
    objet.full_clean()
    objet.save()
    return objet


@transaction.atomic
def ouvrir_litige(
    *,
    commune: Commune,
    objet: str,
    ouvert_le: date,
    souleve_par: str = Litige.Partie.MEMBRE,
    titre: TitreDeRecettes | None = None,
    par,
) -> Litige:
    return _enregistrer(
        Litige(
            commune=commune,
            titre=titre,
            objet=objet.strip(),
            ouvert_le=ouvert_le,
            souleve_par=souleve_par,
        )
    )


def _verrouiller(litige: Litige) -> Litige:
    return Litige.objects.select_for_update().get(pk=litige.pk)


@transaction.atomic
def ajouter_etape(
    *,
    litige: Litige,
    nature: str,
    le: date,
    intervenant: str = "",
    compte_rendu: str = "",
    par,
) -> EtapeLitige:
    litige = _verrouiller(litige)
    if not litige.en_cours:
        raise ValidationError("Ce litige est clos : aucune étape ne s'y ajoute.")
    return _enregistrer(
        EtapeLitige(
            litige=litige,
            nature=nature,
            le=le,
            intervenant=intervenant.strip(),
            compte_rendu=compte_rendu.strip(),
        )
    )


ECHEC_SANS_ETAPE = (
    "Un litige ne se conclut par un échec qu'après une conciliation ou une médiation "
    "(art. 2.5 de la convention) : enregistrez-en d'abord l'étape."
)


def verifier_cloture(issue: str, nb_etapes: int) -> None:
    """Art. 2.5 — the one place of the rule: failure only after a conciliation or a mediation
    (the act and the admin both ask here)."""
    if issue == Litige.Issue.ECHEC and nb_etapes == 0:
        raise ValidationError(ECHEC_SANS_ETAPE)


@transaction.atomic
def clore_litige(*, litige: Litige, issue: str, le: date, detail: str = "", par) -> Litige:
    litige = _verrouiller(litige)
    if not litige.en_cours:
        raise ValidationError("Ce litige est déjà clos.")
    verifier_cloture(issue, litige.etapes.count())
    derniere = litige.etapes.order_by("-le").first()
    if derniere is not None and le < derniere.le:
        raise ValidationError("Un litige ne se clôt pas avant sa dernière étape.")
    litige.issue, litige.clos_le, litige.issue_detail = issue, le, detail.strip()
    return _enregistrer(litige)
