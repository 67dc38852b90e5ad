"""B2 — ``campagne_titres --json``: one JSON object, the same the web preview stores and shows;
and the issue's "done when" on a fresh demo: issue the 2026 campaign, record two more
half-days on a member's diagnostic mission, the JSON preview shows exactly 400.00 to issue for
that member, issuing again leaves nothing to issue and what is billed equal to what is
computed. "Today" is fixed (``--aujourdhui``), so that the tests keep their meaning on
1 January."""

import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from membres.models import Commune
from missions.models import Intervention, Mission
from tarification.campagne.apercu_enregistre import enregistrer_apercu
from tarification.models import ApercuMembre, Bordereau, TitreDeRecettes
from tarification.titres import en_json

pytestmark = pytest.mark.django_db
D = Decimal
MONTANT = re.compile(r"^-?\d+\.\d{2}$")
CLES_MEMBRE = [
    "code_insee",
    "siret",
    "nom",
    "statut",
    "calcule",
    "deja_facture",
    "a_emettre",
    "lignes",
    "anomalies",
    "avertissements",
]
CLES_LIGNE = ["code", "libelle", "base", "montant", "deja_facture", "ecart", "motif"]


def apercu_json(*args) -> dict:
    sortie = io.StringIO()
    call_command("campagne_titres", *args, "--json", stdout=sortie)
    return json.loads(sortie.getvalue())  # the output is the JSON object, nothing else


def verifier_forme(objet: dict) -> None:
    assert list(objet) == ["annee", "exercice", "budget", "total", "membres"]
    assert MONTANT.match(objet["total"])
    for membre in objet["membres"]:
        assert list(membre) == CLES_MEMBRE
        assert membre["statut"] in {"a_emettre", "bloque", "sans_titre", "a_jour"}
        for cle in ("deja_facture", "a_emettre"):
            assert MONTANT.match(membre[cle]), membre
        if membre["statut"] == "bloque":
            assert membre["calcule"] is None and membre["lignes"] == [] and membre["anomalies"]
        else:
            assert MONTANT.match(membre["calcule"])
            assert D(membre["a_emettre"]) == (
                D(membre["calcule"]) - D(membre["deja_facture"])
                if membre["statut"] == "a_emettre"
                else 0
            )
        for ligne in membre["lignes"]:
            assert list(ligne) == CLES_LIGNE
            for cle in ("montant", "deja_facture", "ecart"):
                assert MONTANT.match(ligne[cle])
            assert D(ligne["ecart"]) == D(ligne["montant"]) - D(ligne["deja_facture"])
    a_emettre = [D(m["a_emettre"]) for m in objet["membres"] if m["statut"] == "a_emettre"]
    assert D(objet["total"]) == sum(a_emettre, D("0.00"))


@pytest.fixture
def membres_varies(membre, commune_factory, adhesion_factory):
    allaire = membre(nom="Allaire", code_insee="56001")
    membre(nom="Plessé", service_informatique=True)  # blocked: review missing (M6)
    membre(nom="Les Fougerêts", formule="audit", population=800)  # nothing billed (T2)
    return allaire


def test_B2_json_object_of_the_preview(emetteur, membres_varies):
    objet = apercu_json("--annee", "2025", "--aujourdhui", "2026-02-10")
    verifier_forme(objet)
    assert (objet["annee"], objet["exercice"], objet["budget"]) == (2025, 2026, "Budget principal")
    assert objet["total"] == "5532.50"
    par_nom = {m["nom"]: m for m in objet["membres"]}
    allaire = par_nom["Allaire"]
    assert allaire["code_insee"] == "56001" and allaire["siret"] == "21560001600004"
    assert (allaire["statut"], allaire["calcule"], allaire["deja_facture"]) == (
        "a_emettre",
        "5532.50",
        "0.00",
    )
    assert allaire["lignes"] == [
        {
            "code": "socle_complet",
            "libelle": "Socle complet — contribution annuelle 2025",
            "base": "art. 7.1 — population municipale 2\u00a0355 hab. (millésime 2022), "
            "tranche « de 1 500 à moins de 3 000 » : part fixe 2\u00a0000,00\u00a0€ + "
            "1,50\u00a0€ × 2\u00a0355 hab.",
            "montant": "5532.50",
            "deja_facture": "0.00",
            "ecart": "5532.50",
            "motif": "à facturer",
        }
    ]
    assert par_nom["Plessé"]["statut"] == "bloque"
    assert "revue des moyens" in par_nom["Plessé"]["anomalies"][0]
    fougerets = par_nom["Les Fougerêts"]
    assert fougerets["statut"] == "sans_titre" and fougerets["a_emettre"] == "0.00"
    assert "l'audit se facture à la livraison" in fougerets["avertissements"][-1]


def test_B2_the_web_preview_stores_the_commands_object(emetteur, membres_varies):
    objet = apercu_json("--annee", "2025", "--exercice", "2026")
    enregistrer_apercu(annee=2025, exercice=2026, par=None)
    stockes = {m.code_insee: m.donnees for m in ApercuMembre.objects.all()}
    assert {m["code_insee"]: m for m in objet["membres"]} == stockes


def test_B2_json_prints_the_preview_only(emetteur, membres_varies):
    with pytest.raises(CommandError, match="--json affiche l'aperçu seul"):
        call_command("campagne_titres", "--annee", "2025", "--json", "--emettre")
    assert not TitreDeRecettes.objects.exists()
    demain = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="sert qu'à rejouer une date passée"):
        call_command("campagne_titres", "--annee", "2025", "--aujourdhui", demain)


def test_B1_command_refuses_a_future_date_in_french_and_issues_nothing(emetteur, membres_varies):
    with pytest.raises(CommandError, match="jamais daté dans le futur \\(B1\\)"):
        call_command(
            "campagne_titres",
            "--annee",
            "2025",
            "--emettre",
            "--exercice",
            "2026",
            "--date",
            "2026-06-30",
            "--aujourdhui",
            "2026-02-10",
        )
    assert not TitreDeRecettes.objects.exists()


def test_json_conventions_of_a_titre_and_a_debtor(emetteur, membres_varies):
    call_command("campagne_titres", "--annee", "2025", "--emettre", "--aujourdhui", "2026-02-10")
    titre = TitreDeRecettes.objects.get()
    assert en_json.titre(titre) == {
        "exercice": 2026,
        "budget": "Budget principal",
        "numero": 1,
        "numero_officiel": "",
    }
    assert en_json.debiteur(membres_varies) == {
        "code_insee": "56001",
        "siret": "21560001600004",
        "nom": "Allaire",
    }
    assert en_json.montant(D("400")) == "400.00" and en_json.montant(None) is None
    with pytest.raises(TypeError):
        en_json.montant(400.0)


# --- The issue's "done when", on a fresh demo ------------------------------------------------


JOUR = "2026-12-06"


def _deux_demi_journees_de_plus(mission: Mission) -> None:
    """Two more half-days on the mission, on a day its agent has none (entry rules kept)."""
    jour = mission.debut
    while jour <= mission.fin:
        intervention = Intervention(
            mission=mission, date=jour, agent=mission.interventions.first().agent, demi_journees=2
        )
        try:
            intervention.full_clean()
        except Exception:  # noqa: BLE001 — a day taken or off: try the next one
            jour += timedelta(days=1)
            continue
        intervention.save()
        return
    raise AssertionError("aucun jour libre dans la mission")


def test_B4_done_when_fresh_demo_two_more_diagnostic_half_days_give_exactly_400(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo", stdout=io.StringIO())
        call_command(
            "campagne_titres",
            "--annee",
            "2026",
            "--emettre",
            "--date",
            JOUR,
            "--aujourdhui",
            JOUR,
            stdout=io.StringIO(),
        )
    # B3: issued on 6 December 2026, the campaign 2026 is on exercice 2026 (not 2027).
    campagne_2026 = TitreDeRecettes.objects.filter(nature="contribution", annee=2026)
    assert set(campagne_2026.values_list("exercice", "date_emission")) == {
        (2026, date(2026, 12, 6))
    }
    fegreac = Commune.objects.get(nom="Fégréac")
    titre = campagne_2026.get(commune=fegreac)
    assert {ligne.code: ligne.montant for ligne in titre.lignes.all()} == {
        "groupement": D("1810.75"),
        "niveau1_diagnostic": D("800.00"),
    }
    apres = apercu_json("--annee", "2026", "--aujourdhui", JOUR)
    verifier_forme(apres)
    assert apres["total"] == "0.00"

    _deux_demi_journees_de_plus(Mission.objects.get(commune=fegreac, diagnostic=True))

    objet = apercu_json("--annee", "2026", "--aujourdhui", JOUR)
    verifier_forme(objet)
    membre = next(m for m in objet["membres"] if m["nom"] == "Fégréac")
    assert (membre["statut"], membre["a_emettre"]) == ("a_emettre", "400.00")
    assert (membre["calcule"], membre["deja_facture"]) == ("3010.75", "2610.75")
    diagnostic = next(x for x in membre["lignes"] if x["code"] == "niveau1_diagnostic")
    assert (diagnostic["montant"], diagnostic["deja_facture"], diagnostic["ecart"]) == (
        "1200.00",
        "800.00",
        "400.00",
    )
    assert diagnostic["motif"] == (
        "facturé 800,00\u00a0€, calculé 1\u00a0200,00\u00a0€, écart 400,00\u00a0€ : "
        "demi-journées facturables ajoutées : 4 → 6 ; titre complémentaire"
    )
    assert objet["total"] == "400.00"  # nobody else changed

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "campagne_titres",
            "--annee",
            "2026",
            "--emettre",
            "--date",
            JOUR,
            "--aujourdhui",
            JOUR,
            stdout=io.StringIO(),
        )
    complement = TitreDeRecettes.objects.get(nature="complement")
    assert (complement.commune, complement.total, complement.exercice) == (
        fegreac,
        D("400.00"),
        2026,
    )
    assert complement.bordereau.genre == Bordereau.Genre.COMPLEMENTS
    assert complement.pdf  # rendered, like any titre

    fin = apercu_json("--annee", "2026", "--aujourdhui", JOUR)
    verifier_forme(fin)
    membre = next(m for m in fin["membres"] if m["nom"] == "Fégréac")
    assert membre["a_emettre"] == "0.00" and membre["statut"] == "a_jour"
    assert membre["deja_facture"] == membre["calcule"] == "3010.75"
    assert fin["total"] == "0.00"
    call_command("verifier_titres", stdout=io.StringIO())
