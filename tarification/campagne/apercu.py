"""The preview of the yearly campaign for year N (B1, B2): what would be issued, member by
member, before anything is.

For every member with an adhesion in force in N: the lines still to bill with their bases
(items already billed and not annulled are left out, B4), the total, the blocking anomalies
(missing population, tarif dérogatoire or review, M6…), the non-blocking warnings (missing
SIRET, Chorus code service or address, B8) and, when nothing is to be billed, why. The number
of queries does not depend on the number of members.

``parcourir`` streams the members one at a time (what the stored preview and the issue use:
their memory does not grow with the number of members either); ``apercu`` returns them all
in a list sorted by name, for the command line and the tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from membres.models import Adhesion, Commune, Formule
from outils import flux
from outils.formats import formater_euros
from tarification import calcul
from tarification.contribution import Contribution, parcourir_contributions
from tarification.deja_facture import est_annulee, lignes_facturees_de_l_annee
from tarification.models import ApercuMembre
from tarification.titres.exercices import exercices_campagne
from tarification.titres.mentions import anomalies_debiteur, avertissements_debiteur

# A member's status in the preview: one list, the stored preview's (ApercuMembre.Statut).
Statut = ApercuMembre.Statut
A_EMETTRE, BLOQUE, RIEN = Statut.A_EMETTRE, Statut.BLOQUE, Statut.RIEN
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
        return Statut(self.statut).label


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
    def resume(self) -> Resume:
        """Counts, total and signature, summed as the streamed preview sums them."""
        resume = Resume(self.annee, self.exercice)
        for membre in sorted(self.membres, key=lambda m: m.commune.pk):
            resume.ajouter(membre)
        return resume

    @property
    def total(self) -> Decimal:
        return self.resume.total

    @property
    def nb_avertissements(self) -> int:
        return self.resume.nb_avertissements

    @property
    def annee_terminee(self) -> bool:
        return annee_terminee(self.annee, self.aujourd_hui)

    @property
    def signature(self) -> str:
        """What would be issued, as a hash: the confirmation refers to this exact preview."""
        return self.resume.signature


def annee_terminee(annee: int, jour: date) -> bool:
    """B1 — a campaign for a year not over may be issued, with a visible warning."""
    return jour > date(annee, 12, 31)


class Signature:
    """The hash of what a campaign would issue, fed member by member in commune id order:
    the SHA-256 of the JSON ``[annee, exercice, [[commune id, [[code, montant], …]], …]]`` of
    the members "à émettre", written as it goes (no list of members is kept)."""

    def __init__(self, annee: int, exercice: int):
        self._hash = hashlib.sha256(f"[{annee}, {exercice}, [".encode())
        self._vide = True

    def ajouter(self, membre: MembreApercu) -> None:
        if membre.statut != A_EMETTRE:
            return
        contenu = [membre.commune.pk, [[ligne.code, str(ligne.montant)] for ligne in membre.lignes]]
        self._hash.update((("" if self._vide else ", ") + json.dumps(contenu)).encode())
        self._vide = False

    def hexdigest(self) -> str:
        fin = self._hash.copy()
        fin.update(b"]]")
        return fin.hexdigest()


@dataclass
class Resume:
    """The counts, total and signature of a preview, summed member by member."""

    annee: int
    exercice: int
    nb_membres: int = 0
    nb_a_emettre: int = 0
    nb_bloques: int = 0
    nb_rien: int = 0
    nb_avertissements: int = 0
    total: Decimal = ZERO

    def __post_init__(self):
        self._signature = Signature(self.annee, self.exercice)

    def ajouter(self, membre: MembreApercu) -> None:
        self.nb_membres += 1
        self._signature.ajouter(membre)
        if membre.statut == A_EMETTRE:
            self.nb_a_emettre += 1
            self.total += membre.total
            self.nb_avertissements += bool(membre.avertissements)
        elif membre.statut == BLOQUE:
            self.nb_bloques += 1
        else:
            self.nb_rien += 1

    @property
    def signature(self) -> str:
        return self._signature.hexdigest()


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


def exercice_par_defaut(annee: int, jour: date) -> int:
    """The exercice a campaign for ``annee`` is issued on by default: N+1 once open, else the
    current one (within the journée complémentaire)."""
    return annee + 1 if annee + 1 in exercices_campagne(annee, jour) else jour.year


def parcourir(*, annee: int, communes=None) -> Iterator[MembreApercu]:
    """B2 — the members of the campaign for year ``annee`` as they would be issued now, one
    at a time in commune id order (nothing is written). A fixed number of queries and a
    memory that does not grow with the number of members (``parcourir_contributions``, plus
    one stream of the items already billed)."""
    membres_de_l_annee = communes_de_la_campagne(annee, communes)
    factures = flux.Flux(
        flux.lire(
            lignes_facturees_de_l_annee(annee=annee, communes=membres_de_l_annee).order_by(
                "commune_id", "pk"
            )
        )
    )
    for contribution in parcourir_contributions(annee, membres_de_l_annee):
        deja = {
            ligne.service: ligne
            for ligne in factures.pour(contribution.commune.pk)
            if not est_annulee(ligne)
        }
        yield _membre(contribution, deja)


def _membre(contribution: Contribution, factures: dict[str, object]) -> MembreApercu:
    """One member of the preview: ``factures`` are its items of the year already billed and
    not annulled (B4), by service."""
    commune = contribution.commune
    resultat = contribution.resultat
    membre = MembreApercu(commune=commune, contribution=contribution)
    membre.anomalies = [a.message for a in resultat.anomalies if a.bloquante]
    membre.anomalies += anomalies_debiteur(commune)
    membre.avertissements = avertissements_debiteur(commune) + [
        a.message for a in resultat.anomalies if not a.bloquante
    ]
    for ligne in resultat.lignes:
        deja = factures.get(ligne.code)
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
                f"Total de {formater_euros(membre.total)} : la déduction de l'audit "
                "porte sur un socle complet déjà facturé — émettez plutôt une réduction du "
                "titre concerné (B4)."
            )
        else:
            membre.motif = (
                "Total nul (la déduction de l'audit couvre le socle complet, T5) : aucun "
                "titre n'est émis pour un total nul (B1)."
            )
    return membre


def apercu(
    *,
    annee: int,
    exercice: int | None = None,
    communes=None,
    aujourd_hui: date | None = None,
) -> Apercu:
    """B2 — the campaign for year ``annee`` as it would be issued now (nothing is written),
    every member in a list sorted by name (``parcourir`` streams them instead)."""
    jour = aujourd_hui or timezone.localdate()
    if exercice is None:
        exercice = exercice_par_defaut(annee, jour)
    membres = sorted(parcourir(annee=annee, communes=communes), key=lambda m: m.commune.nom)
    return Apercu(annee=annee, exercice=exercice, aujourd_hui=jour, membres=membres)
