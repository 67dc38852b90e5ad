"""The preview of the yearly campaign for year N (B1, B2, B4): what would be issued, member by
member, before anything is.

For every member with an adhesion in force in N, or with something billed for N: its items
(member, year, service) as computed now against what is billed net of corrections
(``ecarts.Element``); the total computed, billed and to issue; the blocking anomalies (missing
population, tarif dérogatoire or review, M6…), the non-blocking warnings (missing SIRET,
Chorus code service or address, B8) and, when nothing is billed, why. Its status:

- ``a_emettre``: a titre to issue (nothing billed yet for N), or differences to bill — a titre
  complémentaire for increases, réductions or mandat requests for decreases (B4);
- ``bloque``: a blocking anomaly (nothing computed);
- ``sans_titre``: nothing billed and nothing to bill (total nil: no titre, B1);
- ``a_jour``: everything computed is billed, to the cent.

The number of queries does not depend on the number of members. ``parcourir`` streams the
members one at a time (what the stored preview and the issue use: their memory does not grow
with the number of members either); ``apercu`` returns them all in a list sorted by name, for
the command line and the tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from membres.models import Adhesion, Commune, Formule
from outils import flux
from tarification import calcul
from tarification.campagne.ecarts import Element, elements_du_membre
from tarification.contribution import Contribution, parcourir_contributions
from tarification.deja_facture import elements, lignes_de_l_annee
from tarification.models import ApercuMembre, LigneTitre, TitreDeRecettes
from tarification.titres.exercices import aujourdhui, exercice_par_defaut
from tarification.titres.mentions import anomalies_debiteur, avertissements_debiteur

# A member's status in the preview: one list, the stored preview's (ApercuMembre.Statut).
Statut = ApercuMembre.Statut
A_EMETTRE, BLOQUE = Statut.A_EMETTRE, Statut.BLOQUE
SANS_TITRE, A_JOUR = Statut.SANS_TITRE, Statut.A_JOUR
ZERO = Decimal("0.00")


@dataclass
class MembreApercu:
    commune: Commune
    contribution: Contribution
    elements: list[Element] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)  # blocking (B2)
    avertissements: list[str] = field(default_factory=list)  # non-blocking (B2, B8)
    statut: str = A_EMETTRE
    motif: str = ""  # why nothing is billed, or why it is blocked
    # B4: nothing is billed for the year yet (or all of it was annulled): an ordinary titre.
    premiere_facturation: bool = True

    @property
    def calcule(self) -> Decimal | None:
        if self.statut == BLOQUE:
            return None
        return sum((e.calcule for e in self.elements), ZERO)  # T9

    @property
    def deja_facture(self) -> Decimal:
        return sum((e.deja_facture for e in self.elements), ZERO)

    @property
    def a_emettre(self) -> Decimal:
        """What this run would issue for the member: its titre, or its complements less its
        réductions and mandat requests."""
        if self.statut != A_EMETTRE:
            return ZERO
        return self.calcule - self.deja_facture

    @property
    def total(self) -> Decimal | None:
        """What this run would issue (``None`` when blocked)."""
        return None if self.statut == BLOQUE else self.a_emettre

    @property
    def lignes(self) -> list[calcul.Ligne]:
        """The lines of the ordinary titre to issue (the first billing of the year)."""
        if self.statut != A_EMETTRE or not self.premiere_facturation:
            return []
        return [e.ligne for e in self.elements if e.ligne is not None]

    @property
    def complements(self) -> list[Element]:
        if self.statut != A_EMETTRE or self.premiere_facturation:
            return []
        return [e for e in self.elements if e.ecart > 0]

    @property
    def diminutions(self) -> list[Element]:
        if self.statut != A_EMETTRE or self.premiere_facturation:
            return []
        return [e for e in self.elements if e.ecart < 0]

    @property
    def ecarts(self) -> list[tuple[str, Decimal]]:
        """What this run would bill, item by item: the signature's content."""
        if self.premiere_facturation:
            return [(ligne.code, ligne.montant) for ligne in self.lignes]
        return [(e.code, e.ecart) for e in self.elements if e.ecart != 0]

    @property
    def formules(self) -> str:
        return ", ".join(sorted({a.get_formule_display() for a in self.contribution.adhesions}))

    def motif_element(self, element: Element) -> str:
        return element.motif(premiere_facturation=self.premiere_facturation)

    def get_statut_display(self) -> str:
        return Statut(self.statut).label


@dataclass
class Apercu:
    annee: int
    exercice: int
    aujourd_hui: date
    membres: list[MembreApercu]

    def _de_statut(self, statut) -> list[MembreApercu]:
        return [m for m in self.membres if m.statut == statut]

    @property
    def a_emettre(self) -> list[MembreApercu]:
        return self._de_statut(A_EMETTRE)

    @property
    def bloques(self) -> list[MembreApercu]:
        return self._de_statut(BLOQUE)

    @property
    def sans_titre(self) -> list[MembreApercu]:
        return self._de_statut(SANS_TITRE)

    @property
    def a_jour(self) -> list[MembreApercu]:
        return self._de_statut(A_JOUR)

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
    the SHA-256 of the JSON ``[annee, exercice, [[commune id, [[code, écart], …]], …]]`` of
    the members "à émettre", written as it goes (no list of members is kept)."""

    def __init__(self, annee: int, exercice: int):
        self._hash = hashlib.sha256(f"[{annee}, {exercice}, [".encode())
        self._vide = True

    def ajouter(self, membre: MembreApercu) -> None:
        if membre.statut != A_EMETTRE:
            return
        contenu = [membre.commune.pk, [[code, str(ecart)] for code, ecart in membre.ecarts]]
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
    nb_sans_titre: int = 0
    nb_a_jour: int = 0
    nb_avertissements: int = 0
    total: Decimal = ZERO

    def __post_init__(self):
        self._signature = Signature(self.annee, self.exercice)

    def ajouter(self, membre: MembreApercu) -> None:
        self.nb_membres += 1
        self._signature.ajouter(membre)
        if membre.statut == A_EMETTRE:
            self.nb_a_emettre += 1
            self.total += membre.a_emettre
            self.nb_avertissements += bool(membre.avertissements)
        elif membre.statut == BLOQUE:
            self.nb_bloques += 1
        elif membre.statut == A_JOUR:
            self.nb_a_jour += 1
        else:
            self.nb_sans_titre += 1

    @property
    def signature(self) -> str:
        return self._signature.hexdigest()


def communes_de_la_campagne(annee: int, communes=None) -> QuerySet[Commune]:
    """The members of the campaign for ``annee``: every commune with an adhesion in force on at
    least one day of the year (T8), and every commune with yearly items of the year billed
    (an adhesion corrected since is then reduced, B4); optionally restricted to ``communes``
    (a queryset, ids or objects). A queryset, used as a subquery: no list of ids travels to
    the database."""
    factures = LigneTitre.objects.filter(
        commune=OuterRef("pk"),
        annee=annee,
        etablissement__isnull=True,
        service__in=calcul.CODES_ANNUELS,
        titre__statut=TitreDeRecettes.Statut.EMIS,
        titre__nature__in=TitreDeRecettes.Nature.contributions(),
    )
    qs = Commune.objects.filter(
        Q(Exists(Adhesion.objects.pour_annee(annee).filter(commune=OuterRef("pk"))))
        | Q(Exists(factures))
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


def parcourir(*, annee: int, communes=None, le: date | None = None) -> Iterator[MembreApercu]:
    """B2 — the members of the campaign for year ``annee`` as they would be issued on ``le``
    (today by default: a decrease of an item billed on a closed exercice goes to a mandat
    request), one at a time in commune id order (nothing is written). A fixed number of
    queries and a memory that does not grow with the number of members
    (``parcourir_contributions``, plus one stream of the lines already billing the year)."""
    jour = le or aujourdhui()
    membres_de_l_annee = communes_de_la_campagne(annee, communes)
    factures = flux.Flux(flux.lire(lignes_de_l_annee(annee=annee, communes=membres_de_l_annee)))
    for contribution in parcourir_contributions(annee, membres_de_l_annee):
        deja = elements(factures.pour(contribution.commune.pk))
        yield _membre(contribution, deja, jour)


def _membre(contribution: Contribution, factures: dict, jour: date) -> MembreApercu:
    """One member of the preview: ``factures`` are its items of the year already billed, by
    service (``deja_facture.ElementFacture``)."""
    commune = contribution.commune
    resultat = contribution.resultat
    membre = MembreApercu(commune=commune, contribution=contribution)
    membre.anomalies = [a.message for a in resultat.anomalies if a.bloquante]
    membre.anomalies += anomalies_debiteur(commune)
    membre.avertissements = avertissements_debiteur(commune) + [
        a.message for a in resultat.anomalies if not a.bloquante
    ]
    grille = contribution.grille
    membre.elements = elements_du_membre(
        resultat.lignes,
        factures,
        prix_demi_journee=grille.prix_demi_journee if grille is not None else None,
    )
    membre.premiere_facturation = all(e.deja_facture == 0 for e in membre.elements)
    if membre.anomalies:
        membre.statut = BLOQUE
        membre.motif = "Facturation bloquée tant que l'anomalie n'est pas levée (B2)."
        return membre
    if not membre.premiere_facturation:
        for element in membre.elements:
            element.planifier(jour)
        if any(e.ecart != 0 for e in membre.elements):
            membre.statut = A_EMETTRE
        else:
            membre.statut = A_JOUR
            membre.motif = "Déjà facturé : " + " ; ".join(
                f"{e.libelle} : {e.deja_en_mots()}" for e in membre.elements if e.facture
            )
        return membre
    total = membre.calcule
    if total > 0:
        membre.statut = A_EMETTRE
    elif not membre.elements:
        membre.statut = SANS_TITRE
        membre.motif = _motif_sans_ligne(contribution)
    else:
        membre.statut = SANS_TITRE
        membre.motif = (
            "Total nul (la déduction de l'audit couvre le socle complet, T5) : aucun titre "
            "n'est émis pour un total nul (B1)."
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
    every member in a list sorted by name (``parcourir`` streams them instead). The exercice
    defaults to the one open today (B3)."""
    jour = aujourd_hui or aujourdhui()
    if exercice is None:
        exercice = exercice_par_defaut(annee, jour)
    membres = sorted(
        parcourir(annee=annee, communes=communes, le=jour), key=lambda m: m.commune.nom
    )
    return Apercu(annee=annee, exercice=exercice, aujourd_hui=jour, membres=membres)
