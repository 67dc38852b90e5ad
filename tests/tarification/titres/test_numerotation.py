"""B3 — one continuous series per exercice and budget, without gap or duplicate, also under
concurrent issuing; bordereaux in their own series; the series is chronological."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tarification.campagne import actes as actes_campagne
from tarification.models import Bordereau, Compteur, TitreDeRecettes
from tarification.titres import emission
from tarification.titres.emission import LigneAFacturer

LE = date(2026, 2, 10)


def _ligne(montant="100.00"):
    return LigneAFacturer(
        code="divers", libelle="Prestation", montant=Decimal(montant), base_texte="base"
    )


def _emettre(commune, **kwargs):
    valeurs = {
        "nature": TitreDeRecettes.Nature.APPEL_DE_FONDS,
        "commune": commune,
        "objet": "Appel de fonds",
        "lignes": [_ligne()],
        "par": None,
        "date_emission": LE,
    }
    valeurs.update(kwargs)
    return emission.emettre_titre(**valeurs)


@pytest.mark.django_db
def test_B3_continuous_numbers_and_bordereaux(emetteur, membre):
    a, b, c = membre(nom="Allaire"), membre(nom="Redon"), membre(nom="Rieux")
    campagne = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    seul = _emettre(a)
    assert list(campagne.bordereau.titres.order_by("numero").values_list("numero", flat=True)) == [
        1,
        2,
        3,
    ]
    assert [t.commune for t in campagne.bordereau.titres.order_by("numero")] == [a, b, c]
    assert (seul.numero, seul.bordereau.numero) == (4, 2)
    compteur = Compteur.objects.get(exercice=2026, serie=Compteur.Serie.TITRE)
    assert compteur.dernier == 4 and compteur.derniere_empreinte == seul.empreinte


@pytest.mark.django_db
def test_B3_one_series_per_exercice_and_per_budget(emetteur, membre):
    commune = membre()
    _emettre(commune, exercice=2025, date_emission=date(2026, 1, 15))
    _emettre(commune, date_emission=date(2026, 1, 20))
    _emettre(commune, budget="Budget annexe", date_emission=date(2026, 1, 20))
    _emettre(commune, date_emission=date(2026, 1, 21))
    series = sorted(TitreDeRecettes.objects.values_list("exercice", "budget", "numero"))
    assert series == [
        (2025, "Budget principal", 1),
        (2026, "Budget annexe", 1),
        (2026, "Budget principal", 1),
        (2026, "Budget principal", 2),
    ]
    assert Bordereau.objects.filter(exercice=2026, budget="Budget principal").count() == 2


@pytest.mark.django_db
def test_B3_each_titre_chains_the_hash_of_the_previous_one(emetteur, membre):
    commune = membre()
    premier, second = _emettre(commune), _emettre(commune)
    assert premier.empreinte_precedente == ""
    assert second.empreinte_precedente == premier.empreinte


@pytest.mark.django_db
def test_B3_chronological_series(emetteur, membre):
    commune = membre()
    _emettre(commune, date_emission=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="antérieure au dernier titre"):
        _emettre(commune, date_emission=date(2026, 2, 1))
    assert TitreDeRecettes.objects.count() == 1


@pytest.mark.django_db
def test_B3_unique_constraint_in_the_database(emetteur, membre):
    titre = _emettre(membre())
    doublon = TitreDeRecettes.objects.filter(pk=titre.pk).values().get()
    doublon.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        TitreDeRecettes.objects.bulk_create([TitreDeRecettes(**doublon)])


@pytest.mark.django_db
def test_B3_nothing_is_numbered_if_the_issue_fails(emetteur, membre):
    commune = membre()
    _emettre(commune)
    with pytest.raises(ValidationError):
        _emettre(commune, lignes=[_ligne("0.00")])
    assert _emettre(commune).numero == 2  # no hole left by the failed issue


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_B3_concurrent_issues_contiguous_series_without_duplicate(
    bareme_article_7, emetteur, membre
):
    """Eight threads (eight database connections) issue 5 titres each at the same time, plus
    a campaign: the exercice's series is exactly 1..n, every number once."""
    communes = [membre(nom=f"Commune {i}") for i in range(8)]
    depart = threading.Barrier(len(communes) + 1)
    erreurs = []

    def emettre(commune):
        try:
            depart.wait()
            for _ in range(5):
                _emettre(commune)
        except Exception as erreur:  # noqa: BLE001 — reported below
            erreurs.append(erreur)
        finally:
            connection.close()

    def campagne():
        try:
            depart.wait()
            actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
        except Exception as erreur:  # noqa: BLE001
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=emettre, args=(c,)) for c in communes]
    fils.append(threading.Thread(target=campagne))
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=120)
    assert not erreurs, erreurs

    numeros = list(
        TitreDeRecettes.objects.filter(exercice=2026)
        .order_by("numero")
        .values_list("numero", flat=True)
    )
    attendus = len(communes) * 5 + len(communes)  # + one campaign titre per member
    assert numeros == list(range(1, attendus + 1))
    bordereaux = sorted(Bordereau.objects.filter(exercice=2026).values_list("numero", flat=True))
    assert bordereaux == list(range(1, len(communes) * 5 + 2))
    # The hash chain follows the numbers, whatever the interleaving of the threads.
    precedente = ""
    for titre in TitreDeRecettes.objects.filter(exercice=2026).order_by("numero"):
        assert titre.empreinte_precedente == precedente
        precedente = titre.empreinte


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_B4_concurrent_campagnes_do_not_bill_twice(bareme_article_7, emetteur, membre):
    """Two finance officers issue the same campaign at the same moment: one bills, the other
    finds nothing left (the members' rows are locked before reading what is billed)."""
    for i in range(5):
        membre(nom=f"Commune {i}")
    depart = threading.Barrier(2)
    resultats, erreurs = [], []

    def campagne():
        try:
            depart.wait()
            resultats.append(
                actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
            )
        except Exception as erreur:  # noqa: BLE001
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=campagne) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=120)
    assert not erreurs, erreurs
    assert sorted(r is None for r in resultats) == [False, True]
    assert TitreDeRecettes.objects.count() == 5
