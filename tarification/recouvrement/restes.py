"""B11 — each issued titre with what it still bills, what was paid, what remains and its state,
read in one query whatever the number of titres (subqueries per titre, never a join that would
multiply payments by corrections).

The titres followed are the issued titres that bill something (not the réductions and
annulations themselves: they reduce the titre they correct). Corrections come from
``deja_facture`` — the one definition of what a titre still bills (B4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    DecimalField,
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tarification.deja_facture import avec_corrections
from tarification.models import EvenementTitre, Paiement, TitreDeRecettes
from tarification.recouvrement import calcul
from tarification.titres import en_json as en_json_titres

ZERO = calcul.ZERO
_ARGENT = DecimalField(max_digits=14, decimal_places=2)
NatureEvenement = EvenementTitre.Nature


def _somme(queryset: QuerySet, champ: str):
    sous_requete = (
        queryset.filter(titre=OuterRef("pk"))
        .order_by()
        .values("titre")
        .annotate(somme=Sum(champ))
        .values("somme")
    )
    return Coalesce(Subquery(sous_requete, output_field=_ARGENT), Value(ZERO), output_field=_ARGENT)


def _a_l_etat(nature: str):
    return Exists(EvenementTitre.objects.filter(titre=OuterRef("pk"), nature=nature))


def titres_suivis(titres: QuerySet | None = None) -> QuerySet:
    """The issued titres that bill something (``titres`` narrows them), each annotated with
    ``corrige_de``, ``mandats``, ``paye``, ``non_valeur``, ``pris_en_charge``, ``rejete``."""
    if titres is None:
        titres = TitreDeRecettes.objects.all()
    titres = titres.emis().exclude(nature__in=TitreDeRecettes.Nature.corrections())
    return avec_corrections(titres).annotate(
        paye=_somme(Paiement.objects.all(), "montant"),
        non_valeur=_somme(
            EvenementTitre.objects.filter(nature=NatureEvenement.NON_VALEUR), "montant"
        ),
        pris_en_charge=_a_l_etat(NatureEvenement.PRIS_EN_CHARGE),
        rejete=_a_l_etat(NatureEvenement.REJETE),
    )


def situation(titre) -> calcul.Situation:
    """The figures and state of a titre annotated by ``titres_suivis``."""
    return calcul.situation(
        emis=titre.total,
        corrections=titre.corrige_de,
        mandats=titre.mandats,
        paye=titre.paye,
        non_valeur=titre.non_valeur,
        pris_en_charge=titre.pris_en_charge,
        rejete=titre.rejete,
    )


def echeance(titre) -> date:
    return calcul.echeance(titre.date_emission, settings.RECOUVREMENT_DELAI_PAIEMENT)


def situation_du_titre(titre: TitreDeRecettes) -> calcul.Situation | None:
    """A single titre's situation (``None`` for a réduction or an annulation)."""
    suivi = titres_suivis(TitreDeRecettes.objects.filter(pk=titre.pk)).first()
    return situation(suivi) if suivi is not None else None


COLONNES = (
    "exercice", "budget", "numero", "numero_officiel", "date_emission", "total", "statut",
    "nature", "objet", "debiteur_nom", "commune__code_insee", "commune__nom", "commune__siret",
    "etablissement__nom", "etablissement__siret",
)  # fmt: skip


@dataclass(frozen=True)
class Reste:
    titre: TitreDeRecettes
    situation: calcul.Situation
    echeance: date
    age: str  # calcul.TRANCHES_D_AGE key, for what remains

    @property
    def etat(self) -> calcul.Etat:
        return self.situation.etat

    @property
    def etat_libelle(self) -> str:
        return self.situation.etat.libelle

    @property
    def age_libelle(self) -> str:
        return calcul.TRANCHES_D_AGE[self.age] if self.situation.reste else ""


@dataclass(frozen=True)
class Totaux:
    nombre: int
    emis: Decimal
    corrige: Decimal
    paye: Decimal
    non_valeur: Decimal
    reste: Decimal
    trop_percu: Decimal


def restes(
    *,
    exercice: int | None = None,
    etat: str | None = None,
    commune: int | None = None,
    age: str | None = None,
    jour: date | None = None,
    titres: QuerySet | None = None,
    complets: bool = False,
) -> list[Reste]:
    """B11 — every followed titre (of ``exercice`` when given), soldé ones included, with its
    figures; filtered by state, debtor (commune id) and age of what remains. One query.

    The titres carry the columns the lists, exports and JSON show (a titre's row is wide: its
    issuer's snapshot); ``complets``: every column (a letter is rendered from them)."""
    jour = jour or timezone.localdate()
    qs = titres_suivis(titres)
    if exercice is not None:
        qs = qs.filter(exercice=exercice)
    if commune is not None:
        qs = qs.filter(commune_id=commune)
    qs = qs.select_related("commune", "etablissement").order_by("exercice", "budget", "numero")
    if not complets:
        qs = qs.only(*COLONNES)
    resultat = []
    for titre in qs:
        sit = situation(titre)
        if etat and sit.etat != etat:
            continue
        due = echeance(titre)
        tranche = calcul.tranche_d_age(due, jour)
        if age and (not sit.reste or tranche != age):
            continue
        resultat.append(Reste(titre, sit, due, tranche))
    return resultat


def totaux(lignes: list[Reste]) -> Totaux:
    def somme(attribut):
        return sum((getattr(ligne.situation, attribut) for ligne in lignes), ZERO)

    return Totaux(
        nombre=len(lignes),
        emis=somme("emis"),
        corrige=somme("corrige"),
        paye=somme("paye"),
        non_valeur=somme("non_valeur"),
        reste=somme("reste"),
        trop_percu=somme("trop_percu"),
    )


def en_json(lignes: list[Reste], *, exercice: int | None) -> dict:
    """The restes à recouvrer as one JSON object (the conventions of ``titres/en_json.py``):
    every titre, soldé ones included with ``"reste": "0.00"``."""
    return {
        "exercice": exercice,
        "total_reste": en_json_titres.montant(totaux(lignes).reste),
        "titres": [
            {
                **en_json_titres.titre(ligne.titre),
                "debiteur": en_json_titres.debiteur(ligne.titre.commune, ligne.titre.etablissement),
                "emis": en_json_titres.montant(ligne.situation.emis),
                "corrige": en_json_titres.montant(ligne.situation.corrige),
                "paye": en_json_titres.montant(ligne.situation.paye),
                "reste": en_json_titres.montant(ligne.situation.reste),
                "trop_percu": en_json_titres.montant(ligne.situation.trop_percu),
                "etat": str(ligne.situation.etat),
                "echeance": ligne.echeance.isoformat(),
            }
            for ligne in lignes
        ],
    }


@dataclass(frozen=True)
class SituationMembre:
    """What a member owes on its titres: past due (since its oldest due date) and not due
    yet (by its next due date); "à jour" when nothing is past due."""

    echu: Decimal
    depuis: date | None
    a_echoir: Decimal
    prochaine: date | None

    @property
    def a_jour(self) -> bool:
        return self.echu == 0


def situation_du_membre(titres: QuerySet, *, jour: date | None = None) -> SituationMembre:
    """B11 — the member's "payé / à payer" over ``titres`` (its issued titres). One query."""
    jour = jour or timezone.localdate()
    echu, a_echoir = ZERO, ZERO
    depuis = prochaine = None
    for ligne in restes(titres=titres, jour=jour):
        if not ligne.situation.reste or ligne.etat not in calcul.A_RECOUVRER:
            continue
        if ligne.echeance < jour:
            echu += ligne.situation.reste
            depuis = min(depuis or ligne.echeance, ligne.echeance)
        else:
            a_echoir += ligne.situation.reste
            prochaine = min(prochaine or ligne.echeance, ligne.echeance)
    return SituationMembre(echu=echu, depuis=depuis, a_echoir=a_echoir, prochaine=prochaine)


def situations_par_titre(titres: QuerySet) -> dict[int, Reste]:
    """Each followed titre of ``titres`` by id, with its figures and state. One query."""
    return {ligne.titre.pk: ligne for ligne in restes(titres=titres)}
