"""One confirmation pattern for every irreversible act (B4, T2, art. 2.3.4): a valid form
first shows the recap (debtor, lines, amount, imputation, exercice) and issues nothing; only
the confirmation issues. Acts impossible on a closed exercice are not offered.

The recaps of the frais de sortie (tests/patrimoine/test_vues.py), of the appels de fonds
(tests/groupements/test_groupements_appels_de_fonds.py), of the audit
(tests/patrimoine/test_vues.py) and of the refacturation and mandat requests
(test_titres_pages.py) are checked where those acts are tested; here the corrections, and
the rule that a plain POST never issues, for every act."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tarification.models import DemandeMandat, TitreDeRecettes
from tarification.titres import emission

pytestmark = pytest.mark.django_db

NB = "\u00a0"


@pytest.fixture
def titre(emetteur, membre):
    return emission.emettre_titre(
        nature="appel_de_fonds",
        commune=membre(),
        objet="Appel de fonds téléphonie",
        lignes=[
            emission.LigneAFacturer("a", "Quote-part", Decimal("1234.50"), base_texte="art. 4")
        ],
        par=None,
    )


def _corrections(titre):
    return TitreDeRecettes.objects.filter(corrige=titre).count()


def test_B4_the_annulation_shows_its_recap_before_it_is_issued(
    client, responsable_financier, titre
):
    client.force_login(responsable_financier)
    url = reverse("tarification:titre_annuler", args=[titre.pk])
    assert "Vérifier avant d&#x27;émettre" in client.get(url).content.decode()
    recap = client.post(url, {"motif": "Erreur de débiteur"})
    contenu = html.unescape(recap.content.decode())
    assert recap.status_code == 200 and _corrections(titre) == 0
    for attendu in (
        "Vérifier avant d'émettre",
        titre.debiteur_nom,  # the debtor
        "Quote-part",  # the line
        f"-1{NB}234,50{NB}€",  # the amount
        emetteur_imputation(titre),
        f"Exercice</dt><dd>{titre.exercice}</dd>",
        "Erreur de débiteur",
        'name="motif" value="Erreur de débiteur"',
    ):
        assert attendu in contenu, attendu
    # Back to the form, its input kept: still nothing issued.
    retour = client.post(url, {"motif": "Erreur de débiteur", "modifier": "1"})
    assert "Erreur de débiteur</textarea>" in retour.content.decode() and _corrections(titre) == 0
    reponse = client.post(url, {"motif": "Erreur de débiteur", "confirme": "1"})
    annulation = TitreDeRecettes.objects.get(corrige=titre)
    assert reponse["Location"] == reverse("tarification:titre", args=[annulation.pk])
    assert annulation.total == Decimal("-1234.50")


def emetteur_imputation(titre):
    return titre.imputation


def test_B4_the_reduction_shows_its_recap_before_it_is_issued(client, responsable_financier, titre):
    client.force_login(responsable_financier)
    url = reverse("tarification:titre_reduire", args=[titre.pk])
    donnees = {"motif": "Geste commercial", f"ligne_{titre.lignes.get().pk}": "1 000,00"}
    recap = client.post(url, donnees)
    contenu = recap.content.decode()
    assert _corrections(titre) == 0
    assert f"-1{NB}000,00{NB}€" in contenu and "Émettre le titre de réduction" in contenu
    assert "n° " + str(titre.numero) in contenu
    client.post(url, {**donnees, "confirme": "1"})
    assert TitreDeRecettes.objects.get(corrige=titre).total == Decimal("-1000.00")


def test_B4_on_a_closed_exercice_the_annulation_is_not_offered(
    client, responsable_financier, titre, monkeypatch
):
    from tarification.titres import corrections

    monkeypatch.setattr(corrections, "aujourdhui", lambda: date(titre.exercice + 2, 3, 1))
    client.force_login(responsable_financier)
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert ">Annuler</a>" not in page and "Demander un mandat d'annulation" in page
    reponse = client.post(
        reverse("tarification:titre_annuler", args=[titre.pk]),
        {"motif": "Trop tard", "confirme": "1"},
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("tarification:titre_reduire", args=[titre.pk])
    assert _corrections(titre) == 0 and not DemandeMandat.objects.exists()


def test_a_correction_cannot_itself_be_annulled(client, responsable_financier, titre):
    client.force_login(responsable_financier)
    client.post(
        reverse("tarification:titre_annuler", args=[titre.pk]),
        {"motif": "Erreur", "confirme": "1"},
    )
    annulation = TitreDeRecettes.objects.get(corrige=titre)
    url = reverse("tarification:titre_annuler", args=[annulation.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "nom", ["titre_annuler", "titre_reduire", "refacturation", "audit_emettre"]
)
def test_a_plain_post_of_an_issuing_act_issues_nothing(client, responsable_financier, titre, nom):
    from membres.models import Adhesion

    """Whatever is posted, without the recap's confirmation nothing is issued."""
    client.force_login(responsable_financier)
    objet = {
        "titre_annuler": titre,
        "titre_reduire": titre,
        "audit_emettre": Adhesion.objects.get(),
    }
    url = (
        reverse(f"tarification:{nom}", args=[objet[nom].pk])
        if nom in objet
        else reverse(f"tarification:{nom}")
    )
    avant = TitreDeRecettes.objects.count()
    client.post(url, {"motif": "Essai", f"ligne_{titre.lignes.get().pk}": "10,00"})
    assert TitreDeRecettes.objects.count() == avant
