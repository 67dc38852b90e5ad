"""Issue #9 — the campaign streamed: members priced one at a time (servicecommun/flux.py),
titres written in a fixed number of statements, the same titres and signature as before."""

import hashlib
import json
from datetime import UTC, date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membres.models import Commune
from outils import flux
from tarification.campagne import actes as actes_campagne
from tarification.campagne import apercu as module_apercu
from tarification.management.commands.verifier_titres import anomalies
from tarification.models import TitreDeRecettes
from tarification.titres import mentions

D = Decimal


# --- The merge of streams (pure) -------------------------------------------------------------


class _Ligne:
    def __init__(self, commune_id, valeur):
        self.commune_id, self.valeur = commune_id, valeur


def test_flux_yields_the_lines_of_each_commune_in_order():
    lignes = [_Ligne(1, "a"), _Ligne(1, "b"), _Ligne(3, "c"), _Ligne(5, "d"), _Ligne(8, "e")]
    f = flux.Flux(lignes)
    assert [x.valeur for x in f.pour(1)] == ["a", "b"]
    assert f.pour(2) == []
    # Commune 3 is not asked for (e.g. added between two statements): its row is dropped,
    # never handed to commune 5.
    assert [x.valeur for x in f.pour(5)] == ["d"]
    assert [x.valeur for x in f.pour(9)] == []  # 8 dropped too
    assert f.pour(10) == []


def test_flux_computed_key():
    f = flux.Flux([(2, "x"), (2, "y"), (4, "z")], lambda ligne: ligne[0])
    assert f.pour(2) == [(2, "x"), (2, "y")] and f.pour(4) == [(4, "z")]


# --- The signature, streamed -----------------------------------------------------------------

LE = date(2026, 2, 10)


@pytest.mark.django_db
def test_B2_streamed_signature_equals_that_of_the_list(emetteur, membre):
    for i in range(4):
        membre(nom=f"Commune {i}", population=1200 + 1000 * i)
    membre(nom="Audit seul", formule="audit")
    apercu = module_apercu.apercu(annee=2025, exercice=2026, aujourd_hui=LE)
    resume = module_apercu.Resume(2025, 2026)
    for m in module_apercu.parcourir(annee=2025):
        resume.ajouter(m)
    # The same JSON as ever: [annee, exercice, [[commune id, [[code, montant], …]], …]], in
    # commune id order, "à émettre" members only.
    contenu = [
        [m.commune.pk, [[ligne.code, str(ligne.montant)] for ligne in m.lignes]]
        for m in sorted(apercu.a_emettre, key=lambda m: m.commune.pk)
    ]
    attendu = hashlib.sha256(json.dumps([2025, 2026, contenu]).encode()).hexdigest()
    assert resume.signature == apercu.signature == attendu
    assert (resume.nb_membres, resume.nb_a_emettre, resume.nb_sans_titre) == (5, 4, 1)
    assert resume.total == apercu.total
    vide = module_apercu.Resume(2030, 2031)
    assert vide.signature == hashlib.sha256(b"[2030, 2031, []]").hexdigest()


# --- The issue, streamed ---------------------------------------------------------------------


def _ecritures(capture):
    return [
        " ".join(q["sql"].split()[:3])
        for q in capture
        if q["sql"].split()[0]
        in {"INSERT", "COPY", "UPDATE", "CREATE", "DROP", "DELETE", "ANALYZE", "WITH"}
    ]


@pytest.mark.django_db
def test_B1_issue_in_a_constant_number_of_queries(emetteur, membre):
    for i in range(3):
        membre(nom=f"Commune {i:02d}")
    with CaptureQueriesContext(connection) as petit:
        actes_campagne.emettre_campagne(
            annee=2024, exercice=2025, par=None, date_emission=date(2025, 2, 3)
        )
    for i in range(3, 33):
        membre(nom=f"Commune {i:02d}")
    with CaptureQueriesContext(connection) as grand:
        actes_campagne.emettre_campagne(annee=2025, exercice=2026, par=None, date_emission=LE)
    assert TitreDeRecettes.objects.filter(exercice=2025).count() == 3
    assert TitreDeRecettes.objects.filter(exercice=2026).count() == 33
    assert len(grand) == len(petit)
    if connection.vendor == "postgresql":
        (titres_et_lignes,) = [q["sql"] for q in grand if q["sql"].startswith("WITH")]
        assert 'INSERT INTO "tarification_titrederecettes"' in titres_et_lignes
        assert 'INSERT INTO "tarification_lignetitre"' in titres_et_lignes
        # Titres and lines: one COPY into a staging table, two INSERT … SELECT.
        assert _ecritures(grand) == [
            'INSERT INTO "tarification_compteur"',  # the counters, created if missing (B3)
            'INSERT INTO "tarification_compteur"',
            'UPDATE "tarification_compteur" SET',
            'INSERT INTO "tarification_bordereau"',
            "CREATE TEMPORARY TABLE",
            'COPY "sc_emission_en_cours" ("numero_titre",',
            'ANALYZE "sc_emission_en_cours"',
            "WITH nouveaux AS",  # INSERT the titres RETURNING their ids, INSERT their lines
            'DROP TABLE "sc_emission_en_cours"',
            'UPDATE "tarification_bordereau" SET',
            'UPDATE "tarification_compteur" SET',
            'INSERT INTO "tarification_campagne"',
            'UPDATE "tarification_bordereau" SET',  # the bordereau belongs to its run
        ]


@pytest.mark.django_db
def test_B3_B5_B7_titres_written_as_a_stream_complete_and_chained(
    emetteur, membre, commune_factory
):
    communes = [membre(nom=f"Commune {i}", population=900 + 2000 * i) for i in range(4)]
    sans_siret = membre(nom="Sans SIRET", siret="", code_service_chorus="")
    apercu = module_apercu.apercu(annee=2025, exercice=2026, aujourd_hui=LE)
    resultat = actes_campagne.emettre_campagne(
        annee=2025, exercice=2026, par=None, date_emission=LE, signature=apercu.signature
    )
    emis = list(
        TitreDeRecettes.objects.filter(bordereau=resultat.bordereau)
        .select_related("commune")
        .prefetch_related("lignes")
        .order_by("numero")
    )
    # B3: one titre per member, consecutive numbers, in commune id order.
    assert [t.numero for t in emis] == [1, 2, 3, 4, 5]
    assert [t.pk for t in emis] == sorted(t.pk for t in emis)  # ids follow the numbers
    assert [t.commune_id for t in emis] == sorted(c.pk for c in [*communes, sans_siret])
    assert resultat.bordereau.pdf_attendus == 5
    # B7: the hash chain is whole and every stored column hashes back to the stored hash.
    assert anomalies(avec_pdf=False) == []
    # Every column came back as written: the preview's lines, the snapshot of the issuer and
    # debtor, empty texts as empty texts (not NULL), NULLs as NULLs.
    par_commune = {m.commune.pk: m for m in apercu.a_emettre}
    populations = {c.pk: 900 + 2000 * i for i, c in enumerate(communes)} | {sans_siret.pk: 2355}
    for titre in emis:
        membre_apercu = par_commune[titre.commune_id]
        assert [(ligne.code, ligne.montant) for ligne in titre.lignes.all()] == [
            (ligne.code, ligne.montant) for ligne in membre_apercu.lignes
        ]
        assert [ligne.ordre for ligne in titre.lignes.all()] == list(
            range(1, len(membre_apercu.lignes) + 1)
        )
        assert titre.total == membre_apercu.total and isinstance(titre.total, Decimal)
        # The issuer's snapshot, plus the titre's own VAT wording and legal ground (B5).
        assert titre.emetteur == {
            **mentions.copie_emetteur(),
            "mention_tva": emetteur.mention_tva,
            "fondement": titre.emetteur["fondement"],
        }
        assert titre.emetteur["fondement"].startswith("Article L. 5211-4-2 du code général")
        assert titre.date_emission == LE and titre.cree_le is not None
        assert titre.statut == TitreDeRecettes.Statut.EMIS and titre.annee == 2025
        assert titre.motif == "" and titre.etablissement_id is None and titre.corrige_id is None
        assert titre.piece_jointe.name in ("", None) and titre.piece_jointe_sha256 == ""
        assert populations[titre.commune_id] in [ligne.population for ligne in titre.lignes.all()]
    sans = next(t for t in emis if t.commune_id == sans_siret.pk)
    assert sans.debiteur_siret == "" and sans.debiteur_code_service == ""
    # Nothing is billed twice (B4): a second run finds nothing.
    assert (
        actes_campagne.emettre_campagne(annee=2025, exercice=2026, par=None, date_emission=LE)
        is None
    )


@pytest.mark.django_db
def test_B1_nothing_to_issue_writes_nothing(emetteur, membre):
    membre(nom="Audit seul", formule="audit")
    with CaptureQueriesContext(connection) as capture:
        assert actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE) is None
    assert _ecritures(capture) == []


@pytest.mark.django_db
def test_B2_stale_apercu_cancels_the_whole_issue(emetteur, membre):
    commune = membre(nom="Allaire")
    apercu = module_apercu.apercu(annee=2025, exercice=2026, aujourd_hui=LE)
    Commune.objects.filter(pk=commune.pk).update(service_informatique=True)  # price changes
    membre(nom="Nouvelle")
    with pytest.raises(Exception) as erreur:
        actes_campagne.emettre_campagne(
            annee=2025, exercice=2026, par=None, date_emission=LE, signature=apercu.signature
        )
    assert getattr(erreur.value, "code", None) == "apercu_perime"
    assert not TitreDeRecettes.objects.exists()


def test_copy_values_as_csv():
    from datetime import datetime

    from psycopg.types.json import Jsonb

    assert flux._texte(None) is None  # NULL: the only value left unquoted
    assert flux._texte("") == ""  # quoted: an empty text, not NULL
    assert (flux._texte(True), flux._texte(False)) == ("t", "f")
    assert flux._texte(D("5532.50")) == "5532.50"
    assert flux._texte(date(2026, 2, 10)) == "2026-02-10"
    assert flux._texte(datetime(2026, 2, 10, 9, 30, tzinfo=UTC)) == "2026-02-10T09:30:00+00:00"
    assert json.loads(flux._texte(Jsonb({"nom": "Redon Agglomération"}))) == {
        "nom": "Redon Agglomération"
    }


@pytest.mark.postgresql
@pytest.mark.django_db
def test_B1_issue_whose_lines_go_through_a_file(emetteur, membre, monkeypatch):
    """Past ``EN_MEMOIRE`` bytes the rows wait in a file on disk: the same titres come out."""
    monkeypatch.setattr(flux, "EN_MEMOIRE", 200)
    for i in range(6):
        membre(nom=f"Commune {i}", population=1000 + 900 * i)
    apercu = module_apercu.apercu(annee=2025, exercice=2026, aujourd_hui=LE)
    resultat = actes_campagne.emettre_campagne(
        annee=2025, exercice=2026, par=None, date_emission=LE
    )
    emis = TitreDeRecettes.objects.filter(bordereau=resultat.bordereau)
    assert emis.count() == 6
    assert sum(t.total for t in emis) == apercu.total
    assert anomalies(avec_pdf=False) == []
