"""Query expressions every app uses."""

import unicodedata
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Transform,
    Value,
)
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


# ---------------------------------------------------------------------------------------------
# French search and sorting: accents ignored (« theh » finds « Théhillac »), « Béganne » before
# « Bruc-sur-Aff ». PostgreSQL: the ``unaccent`` extension (created by a migration) and the
# ICU collation ``fr-x-icu``; SQLite: the Python function below, registered on each connection.
# ---------------------------------------------------------------------------------------------


def sans_accents(texte: str | None) -> str | None:
    """« Théhillac » → « Thehillac » (the letters without their diacritics)."""
    if texte is None:
        return None
    decompose = unicodedata.normalize("NFKD", str(texte))
    return "".join(c for c in decompose if not unicodedata.combining(c))


class SansAccents(Transform):
    """``nom__sans_accents__icontains="theh"``: the column without its accents."""

    lookup_name = "sans_accents"
    output_field = CharField()

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"sans_accents({lhs})", params

    def as_postgresql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"unaccent(({lhs})::text)", params


class OrdreFrancais(Func):
    """An ordering key in French order: accents and case weigh after the letters."""

    output_field = CharField()

    def __init__(self, champ: str):
        super().__init__(F(champ))

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"lower(sans_accents({sql}))", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f'({sql}) COLLATE "fr-x-icu"', params


def sans_accents_contient(champ: str, valeur: str) -> Q:
    """``champ`` contains ``valeur``, case and accents ignored on both sides."""
    return Q(**{f"{champ}__sans_accents__icontains": sans_accents(valeur.strip())})


def installer(connection, **kwargs):
    """``connection_created``: SQLite learns ``sans_accents`` (PostgreSQL has ``unaccent``)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sans_accents", 1, sans_accents, deterministic=True)


CharField.register_lookup(SansAccents)
TextField.register_lookup(SansAccents)
