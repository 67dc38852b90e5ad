"""A module is read whole: none outside migrations and tests grows past 800 lines (split it
by story instead, docs/architecture.md)."""

from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
EXCLUS = {".venv", "node_modules", "tests", "migrations", ".git"}
LIMITE = 800


def test_no_module_outside_migrations_and_tests_exceeds_800_lines():
    trop_longs = {
        str(chemin.relative_to(RACINE)): n
        for chemin in RACINE.rglob("*.py")
        if not EXCLUS.intersection(chemin.relative_to(RACINE).parts)
        and (n := len(chemin.read_text(encoding="utf-8").splitlines())) > LIMITE
    }
    assert trop_longs == {}
