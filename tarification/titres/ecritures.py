"""How the titres of one bordereau are written: a few kept in memory and inserted with their
ids (``EcritureListe``), or a whole campaign streamed in a fixed number of statements
(``EcritureFlux``, PostgreSQL)."""

from __future__ import annotations

from django.db import connection

from outils import flux
from tarification.models import Bordereau, LigneTitre, TitreDeRecettes


class EcritureListe:
    """Titres kept in memory and inserted at the end (two INSERTs), returned with their ids.
    ``lot``: insert every ``lot`` titres instead, keeping none (the campaign on SQLite)."""

    def __init__(self, lot: int | None = None):
        self.lot = lot
        self.titres: list[TitreDeRecettes] = []
        self.lignes: list[LigneTitre] = []

    def ecrire(self, titre: TitreDeRecettes, lignes: list[LigneTitre]) -> None:
        self.titres.append(titre)
        self.lignes.extend(lignes)
        if self.lot and len(self.titres) >= self.lot:
            self._inserer()
            self.titres, self.lignes = [], []

    def _inserer(self) -> None:
        TitreDeRecettes.objects.bulk_create(self.titres)
        for ligne in self.lignes:
            ligne.titre_id = ligne.titre.pk
        LigneTitre.objects.bulk_create(self.lignes)

    def terminer(self, bordereau: Bordereau) -> list[TitreDeRecettes]:
        if self.titres:
            self._inserer()
        return [] if self.lot else self.titres


class EcritureFlux:
    """Titres of a whole campaign, written in a fixed number of statements on PostgreSQL
    whatever their number, without keeping them: each titre and its lines go to a temporary
    file as CSV rows of a staging table (the titre's columns on its first line, its number on
    every line), sent by one ``COPY``; one statement then inserts the titres and, joined to
    the ids that insert returns, their lines (``servicecommun/flux.py``)."""

    TABLE = "sc_emission_en_cours"

    def __init__(self):
        self.champs_t = [c for c in TitreDeRecettes._meta.concrete_fields if not c.primary_key]
        self.champs_l = [
            c for c in LigneTitre._meta.concrete_fields if not c.primary_key and c.name != "titre"
        ]
        self.colonnes = (
            ["numero_titre"]
            + [f"t_{c.column}" for c in self.champs_t]
            + [f"l_{c.column}" for c in self.champs_l]
        )
        self.tampon = flux.Tampon(self.TABLE, self.colonnes)
        self.vide_t = [None] * len(self.champs_t)

    def ecrire(self, titre: TitreDeRecettes, lignes: list[LigneTitre]) -> None:
        valeurs_t = flux.valeurs(titre, self.champs_t)
        for ligne in lignes:
            self.tampon.ecrire(
                [titre.numero]
                + (valeurs_t if ligne.ordre == 1 else self.vide_t)
                + flux.valeurs(ligne, self.champs_l)
            )

    def terminer(self, bordereau: Bordereau) -> list[TitreDeRecettes]:
        qn = connection.ops.quote_name
        table = qn(self.TABLE)
        types = [("numero_titre", "integer")]
        types += [(f"t_{c.column}", c.db_type(connection)) for c in self.champs_t]
        types += [(f"l_{c.column}", c.db_type(connection)) for c in self.champs_l]
        t_cols = ", ".join(qn(c.column) for c in self.champs_t)
        l_cols = ", ".join(qn(c.column) for c in self.champs_l)
        with connection.cursor() as curseur:
            curseur.execute(
                f"CREATE TEMPORARY TABLE {table} ({', '.join(f'{qn(n)} {t}' for n, t in types)})"
            )
            self.tampon.envoyer()
            # Statistics of the staging table, so that the join below is planned on its real
            # size (a hash join), not on the guess for a table never analysed.
            curseur.execute(f"ANALYZE {table}")
            # The titres, in number order, then their lines joined to the ids the INSERT
            # returns (never to the titres table, whose statistics do not count these rows
            # yet: a join there can be planned as a nested loop over the whole campaign).
            curseur.execute(
                f"WITH nouveaux AS ("
                f"INSERT INTO {qn(TitreDeRecettes._meta.db_table)} ({t_cols}) "
                f"SELECT {', '.join(qn('t_' + c.column) for c in self.champs_t)} "
                f"FROM {table} WHERE {qn('l_ordre')} = 1 ORDER BY numero_titre "
                "RETURNING id, numero) "
                f"INSERT INTO {qn(LigneTitre._meta.db_table)} "
                f"({qn(LigneTitre._meta.get_field('titre').column)}, {l_cols}) "
                f"SELECT n.id, {', '.join('e.' + qn('l_' + c.column) for c in self.champs_l)} "
                f"FROM {table} e JOIN nouveaux n ON n.numero = e.numero_titre "
                f"ORDER BY e.numero_titre, e.{qn('l_ordre')}"
            )
            curseur.execute(f"DROP TABLE {table}")
        return []
