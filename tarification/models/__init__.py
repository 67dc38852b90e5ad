"""The billing models, by story (Django finds them here): the issuer, the grid, the titres and
their series, the campaign's stored preview and issue requests, the disputes (art. 2.5), and
what happens after issue: states, payments, reminders, acquittements (B11)."""

from tarification.models.bareme import LigneBareme, VersionBareme, VersionBaremeQuerySet
from tarification.models.campagne import ApercuCampagne, ApercuMembre, DemandeEmission
from tarification.models.emetteur import Emetteur
from tarification.models.litiges import EtapeLitige, Litige
from tarification.models.mandats import DemandeMandat, DemandeMandatQuerySet
from tarification.models.recouvrement import Acquittement, EvenementTitre, Paiement, Rappel, Source
from tarification.models.signataires import Signataire, SignataireQuerySet
from tarification.models.titres import (
    Bordereau,
    Campagne,
    Compteur,
    LigneTitre,
    LigneTitreQuerySet,
    TitreDeRecettes,
    TitreImmuable,
    TitreQuerySet,
    chemin_piece_jointe,
    chemin_titre_pdf,
)

__all__ = [
    "Acquittement",
    "EvenementTitre",
    "Paiement",
    "Rappel",
    "Source",
    "ApercuCampagne",
    "ApercuMembre",
    "Bordereau",
    "Campagne",
    "Compteur",
    "DemandeEmission",
    "DemandeMandat",
    "DemandeMandatQuerySet",
    "Emetteur",
    "EtapeLitige",
    "LigneBareme",
    "LigneTitre",
    "LigneTitreQuerySet",
    "Signataire",
    "SignataireQuerySet",
    "Litige",
    "TitreDeRecettes",
    "TitreImmuable",
    "TitreQuerySet",
    "VersionBareme",
    "VersionBaremeQuerySet",
    "chemin_piece_jointe",
    "chemin_titre_pdf",
]
