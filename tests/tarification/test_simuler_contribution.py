"""The finance officer's command `simuler_contribution`: exactly the
specified interface, for every formula and bracket boundary (P2), the T5 window, and French
one-line errors on stderr with a non-zero exit code (checked in a real subprocess)."""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tarification.models import LigneBareme

D = Decimal
NB = "\u00a0"
MONTANT = re.compile(r"^-?\d+\.\d{2}$")

TRANCHES = {
    1499: "moins de 1 500",
    1500: "de 1 500 à moins de 3 000",
    2999: "de 1 500 à moins de 3 000",
    3000: "de 3 000 à 8 000",
    8000: "de 3 000 à 8 000",
    8001: "plus de 8 000",
}


def socle(p):  # T1
    if p > 8000:
        return None
    fixe = 1500 if p < 1500 else 2000 if p < 3000 else 2500
    return D(fixe) + D("1.50") * p


def audit(p):  # T2
    return None if p > 8000 else D(990 if p < 1500 else 3500 if p < 3000 else 7000)


def groupement(p):  # T3
    fixe = 750 if p < 1500 else 1250 if p < 3000 else 2000 if p <= 8000 else 3500
    return D(fixe) + D("0.25") * p


# formula → expected {line code: amount or None (cannot be priced: M6)}
ATTENDU = {
    "socle_complet": lambda p: {"socle_complet": socle(p)},
    "audit": lambda p: {"audit": audit(p)},
    "groupement": lambda p: {"groupement": groupement(p)},
    "annexe_complet": lambda p: {"audit": audit(p), "groupement": groupement(p)},  # T7
}


def simuler(*args) -> dict:
    sortie = StringIO()
    call_command("simuler_contribution", *map(str, args), "--json", stdout=sortie)
    return json.loads(sortie.getvalue())


def verifier_forme(resultat: dict) -> None:
    """Keys as specified; amounts are strings with two decimals; total = sum of the lines."""
    assert list(resultat) == ["population", "formule", "tranche", "lignes", "total", "anomalies"]
    for ligne in resultat["lignes"]:
        assert list(ligne) == ["code", "libelle", "base", "montant"]
        assert MONTANT.match(ligne["montant"]), ligne["montant"]
    if resultat["total"] is not None:
        assert MONTANT.match(resultat["total"])
        assert D(resultat["total"]) == sum(D(ligne["montant"]) for ligne in resultat["lignes"])


# ---------------------------------------------------------------------------------------------
# Every formula × every boundary (P2, T1, T2, T3, T7, M6)
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("population", list(TRANCHES))
@pytest.mark.parametrize("formule", list(ATTENDU))
def test_P2_each_formula_at_each_boundary(formule, population):
    resultat = simuler("--population", population, "--formule", formule, "--annee", 2026)

    verifier_forme(resultat)
    assert resultat["population"] == population
    assert resultat["formule"] == formule
    assert resultat["tranche"] == TRANCHES[population]
    attendu = ATTENDU[formule](population)
    tarifees = {code: f"{m:.2f}" for code, m in attendu.items() if m is not None}
    assert {ligne["code"]: ligne["montant"] for ligne in resultat["lignes"]} == tarifees
    if None in attendu.values():
        # M6 — the grid cannot price a service: listed lines only, total null, an anomaly says why.
        assert resultat["total"] is None
        assert [a["code"] for a in resultat["anomalies"]] == ["tarif_derogatoire_manquant"]
        assert "8 000" in resultat["anomalies"][0]["message"].replace(NB, " ")
    else:
        assert resultat["total"] == f"{sum(attendu.values()):.2f}"
        assert resultat["anomalies"] == []


@pytest.mark.django_db
def test_T1_convention_example_5532_50():
    resultat = simuler("--population", 2355, "--formule", "socle_complet", "--annee", 2026)
    assert resultat["total"] == "5532.50"
    (ligne,) = resultat["lignes"]
    assert ligne == {
        "code": "socle_complet",
        "libelle": "Socle complet — contribution annuelle 2026",
        "base": f"art. 7.1 — population municipale 2{NB}355 hab., tranche « de 1 500 à moins "
        f"de 3 000 » : part fixe 2{NB}000,00{NB}€ + 1,50{NB}€ × 2{NB}355 hab.",
        "montant": "5532.50",
    }


@pytest.mark.django_db
def test_T1_default_year_is_the_current_year():
    sortie = StringIO()
    call_command(
        "simuler_contribution", "--population", "2355", "--formule", "socle_complet", stdout=sortie
    )
    assert f"contribution annuelle {date.today().year}" in sortie.getvalue()


@pytest.mark.django_db
def test_T1_bareme_read_from_the_database_not_from_the_code():
    LigneBareme.objects.filter(service="socle_complet", part_fixe=D("2000")).update(
        part_fixe=D("2100")
    )
    resultat = simuler("--population", 2355, "--formule", "socle_complet", "--annee", 2026)
    assert resultat["total"] == "5632.50"


@pytest.mark.django_db
def test_T1_output_readable_in_french():
    sortie = StringIO()
    call_command(
        "simuler_contribution",
        "--population",
        "2355",
        "--formule",
        "socle_complet",
        "--annee",
        "2026",
        stdout=sortie,
    )
    texte = sortie.getvalue()
    assert f"Socle complet — contribution annuelle 2026 : 5{NB}532,50{NB}€" in texte
    assert f"part fixe 2{NB}000,00{NB}€ + 1,50{NB}€ × 2{NB}355 hab." in texte
    assert f"Total : 5{NB}532,50{NB}€ HT" in texte
    assert "tranche « de 1 500 à moins de 3 000 »" in texte


# ---------------------------------------------------------------------------------------------
# T5 — audit then socle complet; T6 — half-days
# ---------------------------------------------------------------------------------------------


def _t5(livre_le, effet, annee):
    return simuler(
        "--population",
        2355,
        "--formule",
        "socle_complet",
        "--annee",
        annee,
        "--audit-livre-le",
        livre_le,
        "--date-effet",
        effet,
    )


@pytest.mark.django_db
def test_T5_convention_example_2032_50():
    resultat = _t5("2024-04-15", "2024-09-01", 2024)
    verifier_forme(resultat)
    assert [(ligne["code"], ligne["montant"]) for ligne in resultat["lignes"]] == [
        ("socle_complet", "5532.50"),
        ("deduction_audit", "-3500.00"),
    ]
    assert resultat["total"] == "2032.50"
    assert resultat["anomalies"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("livre_le", "effet", "annee", "total"),
    [
        ("2024-04-15", "2024-10-15", 2024, "2032.50"),  # last day inside
        ("2024-04-15", "2024-10-16", 2024, "5532.50"),  # first day outside
        ("2024-08-31", "2025-02-28", 2025, "2032.50"),  # delivered on the 31st: clamped
        ("2024-08-31", "2025-03-01", 2025, "5532.50"),
        ("2024-04-15", "2024-01-01", 2024, "2032.50"),  # effect before delivery qualifies
    ],
)
def test_T5_edges_of_the_6_month_window(livre_le, effet, annee, total):
    resultat = _t5(livre_le, effet, annee)
    verifier_forme(resultat)
    assert resultat["total"] == total
    if total == "5532.50":
        assert [a["code"] for a in resultat["anomalies"]] == ["deduction_audit_hors_delai"]
        assert resultat["anomalies"][0]["bloquante"] is False


@pytest.mark.django_db
def test_T5_no_deduction_after_the_first_year():
    resultat = _t5("2024-04-15", "2024-09-01", 2025)
    assert resultat["total"] == "5532.50"
    assert [a["code"] for a in resultat["anomalies"]] == ["deduction_audit_hors_premiere_annee"]


@pytest.mark.django_db
def test_T5_audit_priced_with_the_bareme_of_the_delivery_date():
    # A grid version from 2025 with a dearer audit; the audit delivered in 2024 keeps 3 500 €.
    from tarification.models import VersionBareme

    article_7 = VersionBareme.objects.get()
    article_7.fin = date(2024, 12, 31)
    article_7.save()
    nouvelle = VersionBareme.objects.create(
        libelle="2025", reference="test", debut=date(2025, 1, 1)
    )
    for ligne in article_7.lignes.all():
        ligne.pk, ligne.version = None, nouvelle
        if ligne.service == "audit" and ligne.part_fixe == D("3500"):
            ligne.part_fixe = D("4000")
        ligne.save()
    assert _t5("2024-12-20", "2025-01-01", 2025)["total"] == "2032.50"
    assert _t5("2025-01-02", "2025-02-01", 2025)["total"] == "1532.50"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("formule", "demi_journees", "montant"),
    [
        ("socle_complet", 9, None),  # allowance 4,5 days = 9 half-days: nothing beyond
        ("socle_complet", 12, "600.00"),
        ("groupement", 3, "600.00"),  # no allowance without the socle complet
        ("audit", 1, "200.00"),
        ("annexe_complet", 2, "400.00"),
    ],
)
def test_T6_dotation_individuelle_half_days_beyond_the_dotation(
    formule, demi_journees, montant, dotation_individuelle
):
    resultat = simuler("--population", 2355, "--formule", formule, "--demi-journees", demi_journees)
    verifier_forme(resultat)
    lignes = {ligne["code"]: ligne["montant"] for ligne in resultat["lignes"]}
    assert lignes.get("niveau1_demi_journees") == montant
    remarque = next(a for a in resultat["anomalies"] if a["code"] == "niveau1_mode")
    assert remarque["bloquante"] is False
    assert "mode « dotation individuelle »" in remarque["message"]


@pytest.mark.django_db
def test_T6_volume_partage_simulated_half_days_come_after_those_of_the_year():
    # Nothing recorded this year: 12 half-days of a socle complet member stay within the pool.
    resultat = simuler("--population", 2355, "--formule", "socle_complet", "--demi-journees", 12)
    verifier_forme(resultat)
    assert [ligne["code"] for ligne in resultat["lignes"]] == ["socle_complet"]
    (remarque,) = resultat["anomalies"]
    assert remarque == {
        "code": "niveau1_mode",
        "message": remarque["message"],
        "bloquante": False,
    }
    assert "Niveau 1 en mode « volume partagé »" in remarque["message"]
    assert "utilisé à 0 demi-journées sur 234 (117 jours)" in remarque["message"]
    assert "seules celles au-delà du volume sont facturées" in remarque["message"]
    # Without the socle complet, outside the pool: from the first.
    groupement = simuler("--population", 2355, "--formule", "groupement", "--demi-journees", 3)
    assert {x["code"]: x["montant"] for x in groupement["lignes"]}["niveau1_demi_journees"] == (
        "600.00"
    )


# ---------------------------------------------------------------------------------------------
# Invalid input: a real subprocess, exit code ≠ 0, ONE line of French on stderr, no traceback
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_sqlite(tmp_path_factory):
    """A migrated SQLite database of its own (the Article 7 grid is seeded by a migration)."""
    chemin = tmp_path_factory.mktemp("simulation") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{chemin}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def lancer(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", "simuler_contribution", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_command_on_the_command_line_json(base_sqlite):
    fini = lancer(
        base_sqlite,
        "--population",
        "2355",
        "--formule",
        "socle_complet",
        "--annee",
        "2026",
        "--json",
    )
    assert fini.returncode == 0, fini.stderr
    assert fini.stderr == ""
    assert json.loads(fini.stdout)["total"] == "5532.50"


def test_M6_command_total_null_and_exit_code_0(base_sqlite):
    fini = lancer(base_sqlite, "--population", "8001", "--formule", "audit", "--json")
    assert fini.returncode == 0, fini.stderr
    resultat = json.loads(fini.stdout)
    assert resultat["total"] is None and resultat["lignes"] == []


ERREURS = [
    (["--population", "-5", "--formule", "audit"], "Population invalide : « -5 »"),
    (["--population", "12.5", "--formule", "audit"], "Population invalide : « 12.5 »"),
    (["--population", "deux mille", "--formule", "audit"], "Population invalide"),
    (["--formule", "audit"], "L'option --population est obligatoire."),
    (["--population", "100"], "L'option --formule est obligatoire."),
    (["--population", "100", "--formule", "socle"], "Formule inconnue : « socle »"),
    (
        ["--population", "100", "--formule", "socle_complet", "--audit-livre-le", "2024-04-15"],
        "L'option --audit-livre-le va avec --date-effet",
    ),
    (
        ["--population", "100", "--formule", "socle_complet", "--date-effet", "2024-09-01"],
        "L'option --date-effet va avec --audit-livre-le",
    ),
    (
        [
            *("--population", "100", "--formule", "socle_complet"),
            *("--audit-livre-le", "2025-02-30", "--date-effet", "2025-03-01"),
        ],
        "Date impossible pour --audit-livre-le : « 2025-02-30 »",
    ),
    (
        [
            *("--population", "100", "--formule", "socle_complet"),
            *("--audit-livre-le", "15/04/2024", "--date-effet", "2024-09-01"),
        ],
        "Date invalide pour --audit-livre-le : « 15/04/2024 » (format AAAA-MM-JJ).",
    ),
    (
        [
            *("--population", "100", "--formule", "groupement"),
            *("--audit-livre-le", "2024-04-15", "--date-effet", "2024-09-01"),
        ],
        "ne valent que pour --formule socle_complet",
    ),
    (
        ["--population", "100", "--formule", "audit", "--annee", "2019"],
        "Aucune version du barème n'est en vigueur au 1er janvier 2019.",
    ),
    (["--population", "100", "--formule", "audit", "--annee", "2O26"], "Année invalide"),
    (
        ["--population", "100", "--formule", "audit", "--demi-journees", "-1"],
        "Nombre de demi-journées invalide",
    ),
    (["--population", "100", "--formule", "audit", "--bidule"], "Argument inconnu : --bidule"),
    (["--population"], "L'option --population attend une valeur."),
]


@pytest.fixture(scope="module")
def erreurs(base_sqlite):
    """Every invalid case run for real, concurrently (a process costs ~1.5 s to start)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(lambda cas: lancer(base_sqlite, *cas[0]), ERREURS))


@pytest.mark.parametrize("index", range(len(ERREURS)), ids=[m for _, m in ERREURS])
def test_invalid_input_one_line_french_message(erreurs, index):
    message = ERREURS[index][1]
    fini = erreurs[index]
    assert fini.returncode != 0
    assert fini.stdout == ""
    erreur = fini.stderr.strip()
    assert "\n" not in erreur, erreur
    assert "Traceback" not in erreur and "usage:" not in erreur and "Error" not in erreur
    assert message in erreur


@pytest.mark.django_db
def test_invalid_input_through_call_command_raises_command_error():
    with pytest.raises(CommandError, match="Population invalide"):
        call_command("simuler_contribution", "--population", "-1", "--formule", "audit")
    with pytest.raises(CommandError, match="Argument inconnu"):
        call_command("simuler_contribution", "--population", "1", "--formule", "audit", "--x")
