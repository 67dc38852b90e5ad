"""The audit, the member's inventory, the register of transferred assets and contracts, and the
état de sortie (A1–A4; convention art. 2.3.2, 2.3.3, 2.4, 3.1, 4.1).

- An **audit** (A1) is requested (by délibération for the socle annexe, or as the préalable of a
  socle complet request, 3.1), scheduled, in progress, delivered, closed: its state is read
  from the dates its acts record (``patrimoine/actes.py``), so that it cannot disagree with
  them. The delivery of a socle annexe audit prices it (T2) through billing's act, which keeps
  the delivery date on the adhesion (T5 counts from it).
- The **inventory** (A2): the member's assets and contracts, each marked mutualisable or not,
  with the service level it belongs to; validated by an audit.
- The **register** (A3): a transfer record per asset or contract (study, date, decision; what
  the EPCI bears). Only for a member with the socle complet, for mutualisable items of service
  levels 2 and 3, after a recorded study (``verifier_transfert``).
- The **état de sortie** (A4): its lines, computed from the register at the member's last day
  (``patrimoine/sortie.py``) or entered by the DSI (penalties, what the résiliation
  délibération decides), validated, then issued as the frais de sortie titre.
"""

from patrimoine.models.audits import MONTANT, Audit, Axe, Constat, NiveauService, Preconisation
from patrimoine.models.inventaire import Bien, Contrat, ElementInventaire
from patrimoine.models.registre import (
    Transfert,
    TransfertBien,
    TransfertContrat,
    verifier_transfert,
)
from patrimoine.models.sortie import EtatDeSortie, LigneEtatDeSortie

__all__ = [
    "MONTANT",
    "Audit",
    "Axe",
    "Bien",
    "Constat",
    "Contrat",
    "ElementInventaire",
    "EtatDeSortie",
    "LigneEtatDeSortie",
    "NiveauService",
    "Preconisation",
    "Transfert",
    "TransfertBien",
    "TransfertContrat",
    "verifier_transfert",
]
