"""B11, the issue's "done when": from a fresh demo, the 2026 campaign issued, a CSV from the
comptable that pays one titre in full and another in part; ``recouvrement --restes --json``
shows the first soldé with "0.00" remaining and the second with exactly the difference; the
same file again changes nothing; a file with one bad line imports nothing and names it."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tarification.models import Paiement, TitreDeRecettes


def _restes(*args) -> dict:
    sortie = io.StringIO()
    call_command("recouvrement", "--restes", *args, "--json", stdout=sortie)
    return json.loads(sortie.getvalue())


@pytest.mark.django_db
def test_B11_done_when_on_the_demo(tmp_path, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")
    call_command("campagne_titres", "--annee", "2026", "--emettre", "--utilisateur", "finances")
    titres = list(
        TitreDeRecettes.objects.emis()
        .filter(annee=2026, nature="contribution")
        .order_by("exercice", "numero")
    )
    assert len(titres) >= 2
    premier, second = titres[0], titres[1]
    assert premier.exercice == second.exercice
    exercice = premier.exercice
    partiel = (second.total / 3).quantize(Decimal("0.01"))
    jour = timezone.localdate()
    fichier = tmp_path / "paiements.csv"
    fichier.write_bytes(
        (
            "\ufeffexercice;titre;date;montant;reference\r\n"
            f"{exercice};{premier.numero};{jour:%d/%m/%Y};{str(premier.total).replace('.', ',')};VIR-1\r\n"
            f"{exercice};{second.numero};{jour.isoformat()};{str(partiel).replace('.', ',')};VIR-2\r\n"
        ).encode()
    )
    call_command("recouvrement", "--importer", str(fichier))
    assert "2 paiement(s) enregistré(s), 0 déjà enregistré(s)" in capsys.readouterr().out

    objet = _restes("--exercice", str(exercice))
    assert set(objet) == {"exercice", "total_reste", "titres"}
    assert objet["exercice"] == exercice
    par_numero = {t["numero"]: t for t in objet["titres"]}
    un, deux = par_numero[premier.numero], par_numero[second.numero]
    assert set(un) == {
        "exercice", "budget", "numero", "numero_officiel", "debiteur", "emis", "corrige",
        "paye", "reste", "trop_percu", "etat", "echeance",
    }  # fmt: skip
    assert (un["etat"], un["reste"], un["paye"]) == ("solde", "0.00", f"{premier.total:.2f}")
    assert un["debiteur"]["code_insee"] == premier.commune.code_insee
    assert deux["etat"] == "partiellement_paye"
    assert deux["reste"] == f"{second.total - partiel:.2f}"
    # Every titre of the exercice is listed, the total ties to them to the cent.
    attendus = (
        TitreDeRecettes.objects.emis()
        .filter(exercice=exercice)
        .exclude(nature__in=["reduction", "annulation"])
    )
    assert len(objet["titres"]) == attendus.count()
    assert Decimal(objet["total_reste"]) == sum(Decimal(t["reste"]) for t in objet["titres"])

    # The same file again changes nothing.
    call_command("recouvrement", "--importer", str(fichier))
    assert "0 paiement(s) enregistré(s), 2 déjà enregistré(s)" in capsys.readouterr().out
    assert _restes("--exercice", str(exercice)) == objet
    assert (
        Paiement.objects.count()
        == 2 + Paiement.objects.exclude(titre__in=[premier, second]).count()
    )

    # A file with one bad line imports nothing and names that line.
    mauvais = tmp_path / "mauvais.csv"
    mauvais.write_bytes(
        (
            "exercice;titre;date;montant\n"
            f"{exercice};{titres[2].numero};{jour.isoformat()};10,00\n"
            f"{exercice};{second.numero};{jour.isoformat()};dix euros\n"
        ).encode()
    )
    avant = Paiement.objects.count()
    with pytest.raises(CommandError):
        call_command("recouvrement", "--importer", str(mauvais))
    assert "Ligne 3 : montant « dix euros » invalide" in capsys.readouterr().err
    assert Paiement.objects.count() == avant
