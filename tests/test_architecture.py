"""The layers of docs/architecture.md hold (``lint-imports``), and a new violation is caught.

One test, in sequence: the throw-away modules it writes into the project's packages must not be
seen by another worker checking the clean project at the same time."""

import subprocess
import sys
import uuid
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports() -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=RACINE, capture_output=True, text=True, timeout=120
    )


def _nom() -> str:
    return f"_temporaire_{uuid.uuid4().hex[:8]}"


def test_import_contracts_hold_and_a_new_violation_fails():
    resultat = _lint_imports()
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "0 broken" in resultat.stdout

    # A member module importing billing: two contracts broken, named.
    violation = RACINE / "membres" / f"{_nom()}.py"
    violation.write_text("from tarification import calcul  # noqa: F401\n", encoding="utf-8")
    try:
        resultat = _lint_imports()
    finally:
        violation.unlink()
    assert resultat.returncode != 0
    assert "membres imports no billing, groupements or missions BROKEN" in resultat.stdout
    assert f"membres.{violation.stem} -> tarification.calcul" in resultat.stdout

    # Two modules of outils importing each other, one of them inside a function.
    premier, second = _nom(), _nom()
    fichiers = [RACINE / "outils" / f"{premier}.py", RACINE / "outils" / f"{second}.py"]
    fichiers[0].write_text(f"def f():\n    from outils import {second}  # noqa\n", encoding="utf-8")
    fichiers[1].write_text(f"from outils import {premier}  # noqa\n", encoding="utf-8")
    try:
        resultat = _lint_imports()
    finally:
        for fichier in fichiers:
            fichier.unlink()
    assert resultat.returncode != 0
    assert "No import cycle between modules (function-level imports count) BROKEN" in (
        resultat.stdout
    )
    assert f"- outils.{premier}" in resultat.stdout and f"- outils.{second}" in resultat.stdout
