"""The preview of the yearly campaign for year N (B1, B2): what would be issued, member by
member, before anything is.

For every member with an adhesion in force in N: the lines still to bill with their bases
(items already billed and not annulled are left out, B4), the total, the blocking anomalies
(missing population, tarif dérogatoire or review, M6…), the non-blocking warnings (missing
SIRET, Chorus code service or address, B8) and, when nothing is to be billed, why. The number
of queries does not depend on the number of members.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from membres.models import Adhesion, Commune, Formule
from tarification import calcul
from tarification.contribution import Contribution, contributions
from tarification.titres import (
    avertissements_debiteur,
    elements_factures,
    exercices_campagne,
)

A_EMETTRE = "a_emettre"
BLOQUE = "bloque"
RIEN = "rien"
STATUTS = [
    (A_EMETTRE, "à émettre"),
    (BLOQUE, "bloqué"),
    (RIEN, "rien à facturer"),
]
ZERO = Decimal("0.00")


@dataclass
class DejaFacturee:
    ligne: calcul.Ligne
    titre_numero: int
    titre_exercice: int
    titre_date: date

    def __str__(self):
        return (
            f"{self.ligne.libelle} : déjà facturé par le titre n° {self.titre_numero} "
            f"(exercice {self.titre_exercice}) du {self.titre_date:%d/%m/%Y}"
        )


@dataclass
class MembreApercu:
    commune: Commune
    contribution: Contribution
    lignes: list[calcul.Ligne] = field(default_factory=list)  # to bill now
    deja_facturees: list[DejaFacturee] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # blocking (B2)
    avertissements: list[str] = field(default_factory=list)  # non-blocking (B2, B8)
    statut: str = A_EMETTRE
    motif: str = ""  # why nothing is billed

    @property
    def total(self) -> Decimal | None:
        if self.statut == BLOQUE:
            return None
        return sum((ligne.montant for ligne in self.lignes), ZERO)  # T9

    @property
    def formules(self) -> str:
        return ", ".join(sorted({a.get_formule_display() for a in self.contribution.adhesions}))

    def get_statut_display(self) -> str:
        return dict(STATUTS)[self.statut]


@dataclass
class Apercu:
    annee: int
    exercice: int
    aujourd_hui: date
    membres: list[MembreApercu]

    @property
    def a_emettre(self) -> list[MembreApercu]:
        return [m for m in self.membres if m.statut == A_EMETTRE]

    @property
    def bloques(self) -> list[MembreApercu]:
        return [m for m in self.membres if m.statut == BLOQUE]

    @property
    def sans_titre(self) -> list[MembreApercu]:
        return [m for m in self.membres if m.statut == RIEN]

    @property
    def total(self) -> Decimal:
        return sum((m.total for m in self.a_emettre), ZERO)

    @property
    def nb_avertissements(self) -> int:
        return sum(1 for m in self.a_emettre if m.avertissements)

    @property
    def annee_terminee(self) -> bool:
        """B1 — a campaign for a year not over may be issued, with a visible warning."""
        return self.aujourd_hui > date(self.annee, 12, 31)

    @property
    def signature(self) -> str:
        """What would be issued, as a hash: the confirmation refers to this exact preview."""
        contenu = [
            [m.commune.pk, [[ligne.code, str(ligne.montant)] for ligne in m.lignes]]
            for m in self.a_emettre
        ]
        contenu = [self.annee, self.exercice, contenu]
        return hashlib.sha256(json.dumps(contenu).encode()).hexdigest()


def communes_de_la_campagne(annee: int, communes=None) -> QuerySet[Commune]:
    """The members billed for ``annee``: every commune with an adhesion in force on at least
    one day of the year (T8), optionally restricted to ``communes`` (a queryset, ids or
    objects). A queryset, used as a subquery: no list of ids travels to the database."""
    qs = Commune.objects.filter(
        Exists(Adhesion.objects.pour_annee(annee).filter(commune=OuterRef("pk")))
    )
    if isinstance(communes, QuerySet):
        qs = qs.filter(pk__in=communes.values("pk"))
    elif communes is not None:
        qs = qs.filter(pk__in=[c.pk if isinstance(c, Commune) else c for c in communes])
    return qs.order_by()


def _motif_sans_ligne(contribution: Contribution) -> str:
    formules = {a.formule for a in contribution.adhesions}
    if formules and formules <= {Formule.AUDIT}:
        return (
            "Audit seul : l'audit se facture à la livraison du rapport (T2), pas dans la "
            "campagne annuelle."
        )
    return f"Aucun élément facturable pour {contribution.annee}."


def apercu(
    *,
    annee: int,
    exercice: int | None = None,
    communes=None,
    aujourd_hui: date | None = None,
) -> Apercu:
    """B2 — the campaign for year ``annee`` as it would be issued now (nothing is written)."""
    jour = aujourd_hui or timezone.localdate()
    if exercice is None:
        exercice = annee + 1 if annee + 1 in exercices_campagne(annee, jour) else jour.year
    membres_de_l_annee = communes_de_la_campagne(annee, communes)
    contribs = contributions(annee, membres_de_l_annee)
    factures = elements_factures(annee=annee, communes=membres_de_l_annee) if contribs else {}

    membres = []
    for contribution in sorted(contribs.values(), key=lambda c: c.commune.nom):
        commune = contribution.commune
        resultat = contribution.resultat
        membre = MembreApercu(commune=commune, contribution=contribution)
        membre.anomalies = [a.message for a in resultat.anomalies if a.bloquante]
        membre.avertissements = avertissements_debiteur(commune) + [
            a.message for a in resultat.anomalies if not a.bloquante
        ]
        for ligne in resultat.lignes:
            deja = factures.get((commune.pk, ligne.code))
            if deja is None:
                membre.lignes.append(ligne)
            else:
                membre.deja_facturees.append(
                    DejaFacturee(
                        ligne, deja.titre.numero, deja.titre.exercice, deja.titre.date_emission
                    )
                )
        if membre.anomalies:
            membre.statut = BLOQUE
            membre.motif = "Facturation bloquée tant que l'anomalie n'est pas levée (B2)."
        elif not membre.lignes:
            membre.statut = RIEN
            if membre.deja_facturees:
                membre.motif = "Déjà facturé : " + " ; ".join(str(d) for d in membre.deja_facturees)
            else:
                membre.motif = _motif_sans_ligne(contribution)
        elif membre.total <= 0:
            membre.statut = RIEN
            if membre.deja_facturees:
                membre.motif = (
                    f"Total de {calcul.formater_euros(membre.total)} : la déduction de l'audit "
                    "porte sur un socle complet déjà facturé — émettez plutôt une réduction du "
                    "titre concerné (B4)."
                )
            else:
                membre.motif = (
                    "Total nul (la déduction de l'audit couvre le socle complet, T5) : aucun "
                    "titre n'est émis pour un total nul (B1)."
                )
        membres.append(membre)
    return Apercu(annee=annee, exercice=exercice, aujourd_hui=jour, membres=membres)
