"""B1 — telling each debtor member that its titres were issued (M5), once their PDFs exist."""

from __future__ import annotations

from collections.abc import Iterable

from membres import notifications
from tarification.models import TitreDeRecettes


def avis_titre_emis(titre: TitreDeRecettes) -> notifications.Avis:
    return notifications.Avis(
        commune_id=titre.commune_id,
        sujet=f"Titre de recettes n° {titre.numero} — exercice {titre.exercice}",
        gabarit="notifications/titre_emis.txt",
        contexte={
            "numero": titre.numero,
            "exercice": titre.exercice,
            "total": titre.total,
            "debiteur": titre.debiteur_nom,
        },
        page="titres",
        comptabilite=True,
    )


def notifier_titres_emis(titres: Iterable[TitreDeRecettes]) -> int:
    """Each debtor member's contacts are told where to read and download their titre; for a
    whole campaign, in a fixed number of queries and one connection."""
    return notifications.envoyer(avis_titre_emis(titre) for titre in titres)
