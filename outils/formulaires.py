"""Form fields for French input."""

from django import forms
from django.db import models

# Spaces a French user or a copy-paste puts between thousands: space, no-break space,
# narrow no-break space.
ESPACES = (" ", "\u00a0", "\u202f")


class NombreFrancais(forms.DecimalField):
    """A decimal typed the French way: « 1 250,50 », « 1250,5 » or « 1250.50 »; shown back
    with a decimal comma. Django strips thousands separators only when it also prints them
    (``USE_THOUSAND_SEPARATOR``), which would write years as « 2 026 »: the spaces are
    stripped here instead."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            for espace in ESPACES:
                value = value.replace(espace, "")
        return super().to_python(value)


class SaisieFrancaiseMixin:
    """Admin pages (lists, forms, inlines) read and show decimals the French way: « 1 234,50 »
    is accepted and « 990,00 » shown, never « 990.00 »."""

    formfield_overrides = {
        models.DecimalField: {"form_class": NombreFrancais},
    }
