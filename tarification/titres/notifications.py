"""B1 — telling each debtor member that its titres were issued (M5), once their PDFs exist."""

from __future__ import annotations

from collections.abc import Iterable

from membres import notifications
from tarification.models import TitreDeRecettes
from tarification.titres.pes import par_chorus_pro

# The subject per nature: a réduction is not "a titre de recettes for -2 416,50 €".
SUJETS = {
    TitreDeRecettes.Nature.REDUCTION: "Titre de réduction",
    TitreDeRecettes.Nature.ANNULATION: "Titre d'annulation",
    TitreDeRecettes.Nature.COMPLEMENT: "Titre complémentaire",
}


def avis_titre_emis(titre: TitreDeRecettes, *, pes: bool = False) -> notifications.Avis:
    """``pes``: its bordereau's PES file exists; the titre then reaches a public debtor with a
    valid SIRET through Chorus Pro (B8, B9), otherwise by post or e-mail."""
    return notifications.Avis(
        commune_id=titre.commune_id,
        sujet=f"{SUJETS.get(titre.nature, 'Titre de recettes')} n° {titre.numero} — exercice "
        f"{titre.exercice}",
        gabarit="notifications/titre_emis.txt",
        contexte={
            "numero": titre.numero,
            "exercice": titre.exercice,
            "total": titre.total,
            # A correction is told as what it takes off, never as a negative amount.
            "montant": abs(titre.total),
            "nature": titre.nature,
            "corrige_numero": titre.corrige.numero if titre.corrige_id else None,
            "corrige_exercice": titre.corrige.exercice if titre.corrige_id else None,
            "motif": titre.motif,
            "debiteur": titre.debiteur_nom,
            "chorus": pes and par_chorus_pro(titre) and not titre.est_correction,
        },
        page="titres",
        comptabilite=True,
    )


def notifier_titres_emis(titres: Iterable[TitreDeRecettes], *, pes: bool = False) -> int:
    """Each debtor member's contacts are told where to read and download their titre; for a
    whole campaign, in a fixed number of queries and one connection."""
    return notifications.envoyer(avis_titre_emis(titre, pes=pes) for titre in titres)
