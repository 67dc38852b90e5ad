"""What is already billed (B4, T5): the reads that pricing, the campaign and the titres share.

Below both the titres and the campaign: it reads issued titres, their lines and the mandat
requests, never issues. A line or a titre is "corrected" by the réductions and annulations that
refer to it (negative amounts) and by the mandat requests in force against it (account 673, a
closed exercice): what it still bills — its *reste* — is its amount, plus its corrections,
minus its mandats.

For the yearly campaign, an item is (member, year, service): what it bills *net* is the sum of
the restes of the lines billing it — the ordinary titre's line and those of the titres
complémentaires issued since (``lignes_de_l_annee``, ``ElementFacture``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    DecimalField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from tarification import calcul
from tarification.models import DemandeMandat, LigneTitre, TitreDeRecettes

ZERO = Decimal("0.00")
Nature = TitreDeRecettes.Nature
_ARGENT = DecimalField(max_digits=14, decimal_places=2)


def _somme(queryset: QuerySet, cle: str, champ: str):
    """The sum of ``champ`` over ``queryset`` rows whose ``cle`` is the outer row, 0,00 when
    none: a subquery, so that two sums over two relations never multiply each other's rows."""
    sous_requete = (
        queryset.filter(**{cle: OuterRef("pk")})
        .order_by()
        .values(cle)
        .annotate(somme=Sum(champ))
        .values("somme")
    )
    return Coalesce(Subquery(sous_requete, output_field=_ARGENT), Value(ZERO), output_field=_ARGENT)


def corrections_de_la_ligne():
    """B4 — the sum of the réduction and annulation lines against a line (negative)."""
    return _somme(LigneTitre.objects.all(), "ligne_corrigee", "montant")


def mandats_de_la_ligne():
    """B4 — the mandat requests in force against a line (positive: what they cancel)."""
    return _somme(DemandeMandat.objects.en_vigueur(), "ligne", "montant")


def avec_restes(lignes: QuerySet) -> QuerySet:
    """``lignes`` each with ``corrige_de`` (its corrections, ≤ 0) and ``mandats`` (≥ 0); what
    the line still bills is ``reste(ligne)``."""
    return lignes.annotate(corrige_de=corrections_de_la_ligne(), mandats=mandats_de_la_ligne())


def reste(ligne) -> Decimal:
    """What a line (annotated by ``avec_restes``) still bills."""
    return ligne.montant + ligne.corrige_de - ligne.mandats


def lignes_facturees(**filtres) -> QuerySet:
    """Original (not corrective) lines of issued titres with a B4 item key, each with
    ``corrige_de`` and ``mandats`` (``reste``)."""
    return avec_restes(
        LigneTitre.objects.filter(
            titre__statut=TitreDeRecettes.Statut.EMIS, ligne_corrigee__isnull=True, **filtres
        ).exclude(service="")
    )


def est_annulee(ligne) -> bool:
    """B4 — a line is annulled when its corrections (titres or mandats) bring it to zero."""
    corrigee = ligne.corrige_de != 0 or ligne.mandats != 0
    return corrigee and reste(ligne) == 0


def lignes_de_l_annee(*, annee: int, communes) -> QuerySet:
    """B4 — the lines of issued ordinary and complementary titres billing the yearly items of
    ``annee`` (``calcul.CODES_ANNUELS``) to ``communes`` themselves (a queryset, used as a
    subquery, or ids), with their titre and what each still bills, in commune order then in
    the order they were issued."""
    if isinstance(communes, QuerySet):
        communes = communes.values("pk")
    return (
        lignes_facturees(
            annee=annee,
            commune_id__in=communes,
            etablissement__isnull=True,
            service__in=calcul.CODES_ANNUELS,
            titre__nature__in=Nature.contributions(),
        )
        .select_related("titre")
        .order_by("commune_id", "titre__date_emission", "titre__numero", "pk")
    )


@dataclass
class ElementFacture:
    """B4 — one yearly item (member, year, service) as billed: the lines billing it, in the
    order they were issued, each with what it still bills."""

    service: str
    lignes: list = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return sum((reste(ligne) for ligne in self.lignes), ZERO)

    @property
    def derniere(self):
        """The latest line still billing something (else the latest line): its base is the
        base "then" of the item."""
        vivantes = [ligne for ligne in self.lignes if reste(ligne) != 0]
        return (vivantes or self.lignes)[-1] if self.lignes else None


def elements(lignes: Iterable) -> dict[str, ElementFacture]:
    """The lines of one member and year (``lignes_de_l_annee``) grouped by item."""
    par_service: dict[str, ElementFacture] = {}
    for ligne in lignes:
        par_service.setdefault(ligne.service, ElementFacture(ligne.service)).lignes.append(ligne)
    return par_service


def elements_factures(*, annee: int, communes) -> dict[tuple[int, str], object]:
    """B4 — the yearly items (commune, service) of ``annee`` billed to ``communes`` and not
    entirely corrected, with the latest line billing them (and its titre). One query."""
    resultat: dict[tuple[int, str], object] = {}
    groupes: dict[tuple[int, str], ElementFacture] = {}
    for ligne in lignes_de_l_annee(annee=annee, communes=communes):
        cle = (ligne.commune_id, ligne.service)
        groupes.setdefault(cle, ElementFacture(ligne.service)).lignes.append(ligne)
    for cle, element in groupes.items():
        if element.net != 0:
            resultat[cle] = element.derniere
    return resultat


def corrections_du_titre():
    """B4 — the sum of the issued réductions and annulations of a titre (negative)."""
    return _somme(TitreDeRecettes.objects.emis(), "corrige", "total")


def mandats_du_titre():
    """B4 — what the mandat requests in force cancel of a titre (positive)."""
    return _somme(DemandeMandat.objects.en_vigueur(), "titre", "montant")


def avec_corrections(titres: QuerySet) -> QuerySet:
    """``titres`` each with ``corrige_de`` (its réductions and annulations, ≤ 0) and
    ``mandats`` (≥ 0): what a titre still bills is ``total + corrige_de − mandats`` (B4, and
    what recouvrement starts from, B11)."""
    return titres.annotate(corrige_de=corrections_du_titre(), mandats=mandats_du_titre())


def titres_audit_emis(**filtres) -> QuerySet:
    """T5 — the issued audit titres matching ``filtres``, each with ``corrige_de``: the sum of
    its réductions and annulations, and ``mandats``: what mandat requests in force cancel of it
    (the ONE definition of "the audit as billed": total + corrige_de − mandats)."""
    return avec_corrections(TitreDeRecettes.objects.emis().filter(nature=Nature.AUDIT, **filtres))


def audits_emis_nets(adhesion_ids: Iterable[int]) -> dict[int, Decimal]:
    """T5 — per adhesion id, its issued audit titre net of its réductions, annulations and
    mandats; absent: no audit titre issued. One query. (The price an audit is deducted at,
    titre or grid, is ``contribution.prix_audits_retenus``.)"""
    montants: dict[int, Decimal] = {}
    titres = titres_audit_emis(adhesion_id__in=list(adhesion_ids)).values_list(
        "adhesion_id", "total", "corrige_de", "mandats"
    )
    for adhesion_id, total, corrige_de, mandats in titres:
        montants[adhesion_id] = montants.get(adhesion_id, ZERO) + total + corrige_de - mandats
    return montants


def restes_par_ligne(titre: TitreDeRecettes) -> list[tuple[LigneTitre, Decimal]]:
    """Each line of ``titre`` with what remains of it after the corrections already issued
    and the mandats requested."""
    lignes = avec_restes(LigneTitre.objects.filter(titre=titre)).order_by("ordre")
    return [(ligne, reste(ligne)) for ligne in lignes]
