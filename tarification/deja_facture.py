"""What is already billed (B4, T5): the reads that pricing, the campaign and the titres share.

Below both the titres and the campaign: it reads issued titres and lines, never issues.
A line or a titre is "corrected" by the réductions and annulations that refer to it (negative
amounts); what it still bills is its amount plus the sum of its corrections.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, QuerySet

from outils.requetes import somme
from tarification.models import LigneTitre, TitreDeRecettes

ZERO = Decimal("0.00")


def somme_des_corrections(champ: str):
    """The sum of ``champ`` over the corrections (negative amounts), 0 when there is none:
    ``corrections__montant`` on lines, ``corrections__total`` on titres."""
    return somme(champ)


def lignes_facturees(**filtres) -> QuerySet:
    """Original (not corrective) lines of issued titres with a B4 item key, each with
    ``corrige_de`` (the sum of its corrections) and ``nb_corrections``."""
    return (
        LigneTitre.objects.filter(
            titre__statut=TitreDeRecettes.Statut.EMIS, ligne_corrigee__isnull=True, **filtres
        )
        .exclude(service="")
        .annotate(
            corrige_de=somme_des_corrections("corrections__montant"),
            nb_corrections=Count("corrections"),
        )
    )


def est_annulee(ligne) -> bool:
    """B4 — a line is annulled when corrections bring it to exactly zero."""
    return ligne.nb_corrections > 0 and ligne.montant + ligne.corrige_de == 0


def lignes_facturees_de_l_annee(*, annee: int, communes) -> QuerySet:
    """B4 — the lines billing yearly items of ``annee`` to ``communes`` themselves (a queryset,
    used as a subquery, or ids), with their titre, annulled or not (``est_annulee``)."""
    if isinstance(communes, QuerySet):
        communes = communes.values("pk")
    return lignes_facturees(
        annee=annee, commune_id__in=communes, etablissement__isnull=True
    ).select_related("titre")


def elements_factures(*, annee: int, communes) -> dict[tuple[int, str], object]:
    """B4 — the yearly items (commune, service) of ``annee`` already billed to ``communes``
    and not entirely annulled, with the line billing them (and its titre). One query whatever
    the number of communes."""
    lignes = lignes_facturees_de_l_annee(annee=annee, communes=communes)
    return {(ligne.commune_id, ligne.service): ligne for ligne in lignes if not est_annulee(ligne)}


def titres_audit_emis(**filtres) -> QuerySet:
    """T5 — the issued audit titres matching ``filtres``, each with ``corrige_de``: the sum of
    its réductions and annulations (the ONE definition of "the audit as billed")."""
    return (
        TitreDeRecettes.objects.emis()
        .filter(nature=TitreDeRecettes.Nature.AUDIT, **filtres)
        .annotate(corrige_de=somme_des_corrections("corrections__total"))
    )


def audits_emis_nets(adhesion_ids: Iterable[int]) -> dict[int, Decimal]:
    """T5 — per adhesion id, its issued audit titre net of its réductions and annulations;
    absent: no audit titre issued. One query. (The price an audit is deducted at, titre or
    grid, is ``contribution.prix_audits_retenus``.)"""
    montants: dict[int, Decimal] = {}
    titres = titres_audit_emis(adhesion_id__in=list(adhesion_ids)).values_list(
        "adhesion_id", "total", "corrige_de"
    )
    for adhesion_id, total, corrige_de in titres:
        montants[adhesion_id] = montants.get(adhesion_id, ZERO) + total + corrige_de
    return montants


def restes_par_ligne(titre: TitreDeRecettes) -> list[tuple[LigneTitre, Decimal]]:
    """Each line of ``titre`` with what remains of it after the corrections already issued."""
    lignes = (
        LigneTitre.objects.filter(titre=titre)
        .annotate(corrige_de=somme_des_corrections("corrections__montant"))
        .order_by("ordre")
    )
    return [(ligne, ligne.montant + ligne.corrige_de) for ligne in lignes]
