"""T6 — the niveau 1 half-days of a year as pricing reads them (art. 3.2.2, 4.1 (*), 7.1.1).

Two kinds of half-days, told apart by the database:

- the **shared pool**: the half-days of the members that have the socle complet in force on at
  least one day of the year (T8), in the order the convention's "volume partagé" is consumed —
  by intervention date, then by entry order (the intervention's id). Each entry carries
  ``avant``, the pool's half-days recorded before it (all members together): the pure
  calculator bills what falls beyond the pool (``calcul.SaisieVolume``);
- the **complement of diagnostic**: half-days of a mission flagged ``diagnostic`` done on a day
  the member had no socle complet in force. They are outside the pool and billed from the
  first (art. 4.1, note), whatever formula starts later that year.

A member without the socle complet in the year has no share and is outside the pool: its other
half-days are counted per commune (``demi_journees_par_commune_qs``).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Sum, Window
from django.db.models.expressions import RowRange

from membres.models import Adhesion, Formule
from missions.models import Intervention


def _interventions(annee: int) -> QuerySet:
    # A date range, not ``date__year``: the index on the date serves it.
    return Intervention.objects.filter(date__gte=date(annee, 1, 1), date__lte=date(annee, 12, 31))


def _socle_complet_le_jour() -> Exists:
    """A socle complet adhesion of the mission's member in force on the intervention's date."""
    return Exists(
        Adhesion.objects.filter(
            commune=OuterRef("mission__commune"),
            formule=Formule.SOCLE_COMPLET,
            date_effet__lte=OuterRef("date"),
        ).filter(Q(dernier_jour__isnull=True) | Q(dernier_jour__gte=OuterRef("date")))
    )


def _diagnostic_hors_socle() -> Q:
    """Art. 4.1 (*) — a diagnostic half-day done while the member had no socle complet."""
    return Q(mission__diagnostic=True) & ~_socle_complet_le_jour()


def saisies_du_volume(annee: int) -> QuerySet:
    """The entries of year ``annee`` that draw on the shared pool: those of the members with the
    socle complet in force in the year, except their diagnostic half-days done before it."""
    membres_du_socle = Adhesion.objects.pour_annee(annee).filter(
        commune=OuterRef("mission__commune"), formule=Formule.SOCLE_COMPLET
    )
    return _interventions(annee).filter(Exists(membres_du_socle)).exclude(_diagnostic_hors_socle())


def saisies_du_volume_qs(annee: int, communes=None) -> QuerySet:
    """T6 — the pool's entries of ``annee``, each with ``commune_id``, ``le`` (its date),
    ``demi_journees`` and ``avant`` (the pool's half-days before it, all members together, by
    date then entry order), ordered by commune, date, entry.

    ``avant`` is a window over the WHOLE pool; ``communes`` (ids or a queryset) then keeps some
    members' entries only. The restriction must apply after the window: Django puts a filter on
    a window expression in an outer query (its QUALIFY emulation), so the member is read through
    a window too — ``Max(commune) OVER (PARTITION BY commune)`` is the entry's own member."""
    qs = saisies_du_volume(annee).annotate(
        avant=Window(
            Sum("demi_journees"),
            order_by=[F("date").asc(), F("pk").asc()],
            frame=RowRange(start=None, end=-1),
        ),
    )
    if communes is not None:
        qs = qs.annotate(
            membre_fenetre=Window(Max("mission__commune"), partition_by=[F("mission__commune")])
        ).filter(membre_fenetre__in=communes)
    return qs.order_by("mission__commune", "date", "pk").values_list(
        "mission__commune", "date", "demi_journees", "avant"
    )


def demi_journees_du_volume(annee: int) -> int:
    """T6 — the half-days drawn on the pool of ``annee`` by all its members (one query)."""
    return saisies_du_volume(annee).aggregate(total=Sum("demi_journees"))["total"] or 0


def demi_journees_par_commune_qs(annee: int, communes=None) -> QuerySet:
    """The half-days of ``annee`` per member, as rows ``(commune id, half-days outside the
    complement of diagnostic, half-days of diagnostic done without socle complet)``, ordered by
    commune."""
    qs = _interventions(annee)
    if communes is not None:
        qs = qs.filter(mission__commune__in=communes)
    diagnostic = _diagnostic_hors_socle()
    return (
        qs.order_by()
        .values("mission__commune")
        .annotate(
            ordinaires=Sum("demi_journees", filter=~diagnostic, default=0),
            diagnostic=Sum("demi_journees", filter=diagnostic, default=0),
        )
        .order_by("mission__commune")
        .values_list("mission__commune", "ordinaires", "diagnostic")
    )


def demi_journees_par_commune(annee: int, communes=None) -> dict[int, int]:
    """All the niveau 1 half-days of ``annee`` per commune id (one query whatever the number)."""
    return {
        commune: ordinaires + diagnostic
        for commune, ordinaires, diagnostic in demi_journees_par_commune_qs(annee, communes)
    }
