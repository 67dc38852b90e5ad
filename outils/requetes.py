"""Query expressions every app uses."""

from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce


def somme(champ: str):
    """The sum of the money field ``champ``, 0,00 (not NULL) when there is no row."""
    return Coalesce(
        Sum(champ),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
