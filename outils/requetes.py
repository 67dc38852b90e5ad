"""Query expressions every app uses."""

from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def somme(champ: str):
    """The sum of the money field ``champ``, 0,00 (not NULL) when there is no row."""
    return Coalesce(
        Sum(champ),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def compte(queryset, chemin: str):
    """The number of rows of ``queryset`` pointing (through ``chemin``) to each row of the outer
    query, as a subquery: several counts on one query without multiplying its rows by joins."""
    return Coalesce(
        Subquery(
            queryset.filter(**{chemin: OuterRef("pk")})
            .order_by()
            .values(chemin)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
