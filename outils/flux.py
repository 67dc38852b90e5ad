"""Reading and writing tens of thousands of rows in a fixed number of statements and a memory
that does not grow with their number (the campaign at 35,000 communes).

Reading: ``lire(queryset)`` streams the rows. On PostgreSQL it is Django's ``iterator()``, a
server-side cursor fetched 2,000 rows at a time: one statement, however many rows. Elsewhere
(SQLite, the embedded development database) the rows are read into a list: SQLite has no
server-side cursor, and a cursor left open while the same connection writes may see the new
rows.

``Flux`` takes the rows of such a stream commune by commune: every stream read together is
ordered by commune id, and the caller walks the communes in the same order (a merge join, in
Python). Rows of a commune the caller does not ask for (one added between two statements) are
skipped, never attached to another commune.

Writing: ``Tampon`` keeps rows in a temporary file as they are produced and sends them to a
table with one PostgreSQL ``COPY … FROM STDIN`` statement once the streams are read;
``inserer`` does it for a model, and elsewhere inserts with ``bulk_create`` in batches of
``LOT`` (the number of statements then grows with the rows, on the development database
only). ``COPY`` runs through psycopg's own cursor, so it is recorded in
``connection.queries`` (and counted by ``assertNumQueries``) by hand, like any statement.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from django.db import connection
from django.db.models import Model, QuerySet
from psycopg.types.json import Jsonb

TAILLE_LECTURE = 2000  # rows per FETCH of a server-side cursor
LOT = 500  # rows per INSERT where COPY is not available
EN_MEMOIRE = 2**20  # bytes of rows for a COPY kept in memory before going to a file

_FIN = object()


def copie_possible() -> bool:
    return connection.vendor == "postgresql"


def lister(queryset: QuerySet) -> Iterator:
    """The rows of ``queryset``, read at once (a few rows: no cursor to declare and close)."""
    return iter(list(queryset))


def lire(queryset: QuerySet) -> Iterator:
    """The rows of ``queryset``, streamed on PostgreSQL (see the module's docstring)."""
    if copie_possible():
        return queryset.iterator(chunk_size=TAILLE_LECTURE)
    return lister(queryset)


class Flux:
    """The rows of a stream ordered by commune id, taken commune by commune (ascending ids)."""

    def __init__(self, lignes: Iterable, cle: str | Callable = "commune_id"):
        self._lignes = iter(lignes)
        self._cle = cle if callable(cle) else (lambda ligne: getattr(ligne, cle))
        self._tete = next(self._lignes, _FIN)

    def pour(self, pk: int) -> list:
        """The rows of commune ``pk``; rows of lower ids not asked for are dropped."""
        pris = []
        while self._tete is not _FIN:
            cle = self._cle(self._tete)
            if cle > pk:
                break
            if cle == pk:
                pris.append(self._tete)
            self._tete = next(self._lignes, _FIN)
        return pris


def _noter(sql: str, debut: float) -> None:
    """Record a statement run outside Django's cursor wrapper, as the wrapper would."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - debut:.3f}"})


def valeurs(objet: Model, champs) -> list:
    """The database values of ``objet``'s ``champs``, prepared as ``bulk_create`` would
    (``pre_save`` fills ``auto_now_add`` fields)."""
    return [c.get_db_prep_save(c.pre_save(objet, True), connection) for c in champs]


def _texte(valeur):
    """A value as PostgreSQL reads it in a CSV ``COPY`` (``None``: NULL)."""
    if valeur is None or isinstance(valeur, str):
        return valeur
    if isinstance(valeur, bool):
        return "t" if valeur else "f"
    if isinstance(valeur, Jsonb):
        return valeur.dumps(valeur.obj) if valeur.dumps else json.dumps(valeur.obj)
    if isinstance(valeur, date):  # and datetime
        return valeur.isoformat()
    return str(valeur)


class Tampon:
    """Rows for one ``COPY … FROM STDIN`` into ``table`` (``colonnes`` in order), kept in a
    temporary file (in memory up to 1 MiB, then on disk) while the streams are still being
    read: a connection cannot run a ``COPY`` and fetch from its cursors at the same time.
    ``envoyer()`` sends them all in one statement. PostgreSQL only (``copie_possible()``).

    CSV with every value quoted except NULLs (``QUOTE_NOTNULL``), so that an empty string
    stays an empty string."""

    def __init__(self, table: str, colonnes: list[str]):
        qn = connection.ops.quote_name
        self.sql = (
            f"COPY {qn(table)} ({', '.join(qn(c) for c in colonnes)}) FROM STDIN WITH (FORMAT csv)"
        )
        self.nombre = 0
        self._fichier = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by envoyer)
            max_size=EN_MEMOIRE, mode="w+", newline="", encoding="utf-8"
        )
        self._csv = csv.writer(self._fichier, quoting=csv.QUOTE_NOTNULL)

    def ecrire(self, ligne: list) -> None:
        self._csv.writerow([_texte(v) for v in ligne])
        self.nombre += 1

    def envoyer(self) -> int:
        """Send the rows (one statement) and free the file; the number of rows sent."""
        debut = time.monotonic()
        try:
            if self.nombre:
                self._fichier.seek(0)
                with connection.cursor() as curseur, curseur.cursor.copy(self.sql) as copie:
                    while morceau := self._fichier.read(2**20):
                        copie.write(morceau)
                _noter(self.sql, debut)
        finally:
            self._fichier.close()
        return self.nombre


def inserer(modele: type[Model], objets: Iterable[Model]) -> int:
    """Insert ``objets`` (no primary key set, none needed back): one ``COPY`` on PostgreSQL,
    batches of ``bulk_create`` elsewhere. Returns the number of rows inserted."""
    champs = [c for c in modele._meta.concrete_fields if not c.primary_key]
    if copie_possible():
        tampon = Tampon(modele._meta.db_table, [c.column for c in champs])
        for objet in objets:
            tampon.ecrire(valeurs(objet, champs))
        return tampon.envoyer()
    nombre, lot = 0, []
    for objet in objets:
        lot.append(objet)
        if len(lot) == LOT:
            nombre += len(modele.objects.bulk_create(lot))
            lot = []
    if lot:
        nombre += len(modele.objects.bulk_create(lot))
    return nombre


def verrouiller(queryset: QuerySet) -> int:
    """``SELECT … FOR UPDATE`` every row of ``queryset`` in primary key order (against
    deadlocks) without bringing them back: one statement returning their number. Inside a
    transaction; on SQLite, where the writing transaction locks the whole database, it only
    counts."""
    sql, params = queryset.select_for_update().order_by("pk").values("pk").query.sql_with_params()
    with connection.cursor() as curseur:
        curseur.execute(f"SELECT COUNT(*) FROM ({sql}) verrou", params)
        return curseur.fetchone()[0]
