"""INSEE population import (P1): all rows validated first; one bad row → nothing imported."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from membres.models import Commune, Population

ROOT = Path(__file__).resolve().parents[2]
FICHIER_REEL = ROOT / "demo" / "donnees" / "redon-agglomeration-communes.csv"
ENTETE = (
    "insee,nom,departement,code_postal,population,population_kind,population_year,siren,source\n"
)


@pytest.fixture
def communes(db):
    from demo.membres import charger_communes

    charger_communes()
    return Commune.objects.count()


def ecrire(tmp_path, lignes):
    chemin = tmp_path / "pop.csv"
    chemin.write_text(ENTETE + "".join(lignes), encoding="utf-8")
    return chemin


def test_P1_real_file_imports_as_the_populations_in_force_in_2026(communes):
    assert communes == 31
    call_command("importer_populations", str(FICHIER_REEL), "--annee", "2026")
    assert Population.objects.filter(annee=2026).count() == 31
    redon = Population.objects.get(commune__code_insee="35236", annee=2026)
    assert (redon.valeur, redon.millesime, redon.nature) == (9542, 2023, "municipale")
    assert "INSEE" in redon.source


def test_P1_reimporting_the_same_file_changes_nothing(communes, capsys):
    call_command("importer_populations", str(FICHIER_REEL), "--annee", "2026")
    historique = Population.history.count()
    call_command("importer_populations", str(FICHIER_REEL), "--annee", "2026")
    assert "0 créée(s), 0 modifiée(s), 31 inchangée(s)" in capsys.readouterr().out
    assert Population.history.count() == historique


def test_P1_one_bad_row_imports_nothing_and_names_every_bad_line(communes, tmp_path):
    chemin = ecrire(
        tmp_path,
        [
            "35013,Bains-sur-Oust,35,35600,3535,population municipale,2023,213500135,src\n",
            "99999,Inconnue,35,35000,100,population municipale,2023,1,src\n",
            "35045,Bruc-sur-Aff,35,35550,-855,population municipale,2023,213500457,src\n",
            "35064,La Chapelle-de-Brain,35,35660,1114,population municipale,2022,213500648,src\n",
            "35145,Langon,35,35660,14.5,population municipale,2023,213501455,src\n",
        ],
    )
    with pytest.raises(CommandError) as exc:
        call_command("importer_populations", str(chemin), "--annee", "2026")
    message = str(exc.value)
    assert "rien n'a été enregistré" in message
    assert "ligne 2" not in message  # the good row is not reported
    assert "ligne 3 : code INSEE inconnu « 99999 »" in message
    assert "ligne 4 : population « -855 »" in message
    assert "ligne 5 : millésime « 2022 »" in message and "2023" in message
    assert "ligne 6 : population « 14.5 »" in message
    assert Population.objects.count() == 0


def test_P1_command_exits_non_zero_without_traceback(tmp_path):
    chemin = ecrire(tmp_path, ["99999,X,35,35000,100,population municipale,2023,1,s\n"])
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    resultat = subprocess.run(
        [sys.executable, "manage.py", "importer_populations", str(chemin), "--annee", "2026"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert resultat.returncode != 0
    assert "Traceback" not in resultat.stderr
    assert "code INSEE inconnu" in resultat.stderr


def test_P1_missing_columns_are_reported(communes, tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("insee,pop\n35013,3535\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Colonnes manquantes : population, population_kind"):
        call_command("importer_populations", str(chemin), "--annee", "2026")


def test_P1_a_correction_updates_the_figure_and_keeps_its_history(communes, tmp_path):
    call_command("importer_populations", str(FICHIER_REEL), "--annee", "2026")
    chemin = ecrire(
        tmp_path, ["35013,Bains-sur-Oust,35,35600,3536,population municipale,2023,1,s\n"]
    )
    call_command("importer_populations", str(chemin), "--annee", "2026")
    bains = Population.objects.get(commune__code_insee="35013", annee=2026)
    assert bains.valeur == 3536
    assert bains.history.count() == 2
