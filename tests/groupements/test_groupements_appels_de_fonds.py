"""G6 end to end: from declared needs to issued appels de fonds (titres de recettes)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groupements import actes
from groupements.models import PartRepartition, Repartition
from membres.models import Etablissement
from tarification.models import TitreDeRecettes

D = Decimal
pytestmark = pytest.mark.django_db


def test_G6_from_declared_needs_to_issued_appels_de_fonds(
    groupement_factory, membre_eligible, agir, agent_dsi, responsable_financier, emetteur, client
):
    # Four members, one of them an établissement (its own debtor, M7); needs declared.
    groupement = groupement_factory(objet="Téléphonie mobile (RESAH)")
    redon = membre_eligible(nom="Redon", siret="21350236200022")
    ccas = Etablissement.objects.create(commune=redon, nom="CCAS de Redon", type="ccas")
    membres = [
        agir.adherer(groupement, redon),
        agir.adherer(groupement, redon, etablissement=ccas),
        agir.adherer(groupement, membre_eligible(nom="Pipriac", formule="groupement")),
        agir.adherer(groupement, membre_eligible(nom="Allaire", formule="socle_complet")),
        agir.adherer(groupement, membre_eligible(nom="Rieux", formule="socle_complet")),
    ]
    for adhesion, montants in zip(
        membres,
        [[D("9000.00"), D("1000.00")], [D("1000.00")], [D("3000.00")], [D("3000.00")], []],
        strict=True,
    ):
        agir.besoins(adhesion, *montants, qualitatifs="" if montants else "Sans ligne mobile.")
    agir.lancer(groupement)

    # A termination indemnity of 10 000,01 € is recorded and previewed on its page.
    client.force_login(agent_dsi)
    reponse = client.post(
        reverse("groupements:repartition_nouvelle", args=[groupement.pk]),
        {
            "sens": "charge",
            "motif": "indemnite_resiliation",
            "libelle": "Indemnité de résiliation du marché",
            "montant": "10 000,01",
            "piece": "Décompte de résiliation (démo)",
            "piece_date": "2025-10-01",
        },
    )
    repartition = Repartition.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("groupements:repartition", args=[repartition.pk])
    apercu = client.get(reponse["Location"]).content.decode()
    assert "Aperçu des parts" in apercu and "Vérifier les appels de fonds" not in apercu
    assert not TitreDeRecettes.objects.exists()
    # DSI staff prepare the répartition; only the finance officer issues its titres.
    emettre = reverse("groupements:repartition_emettre", args=[repartition.pk])
    assert client.post(emettre).status_code == 403
    client.force_login(responsable_financier)
    assert "Vérifier les appels de fonds" in client.get(reponse["Location"]).content.decode()

    # Weights 10 000 / 1 000 / 3 000 / 3 000 / 0 over 17 000: exact shares 5 882,3588…,
    # 588,2358…, 1 764,7076… (twice), 0; the three cents left go to the largest remainders
    # (0,88, 0,76 and 0,76 of a cent), not to the CCAS (0,588).
    parts = list(repartition.parts.order_by("rang"))
    assert [p.montant for p in parts] == [
        D("5882.36"),
        D("588.23"),
        D("1764.71"),
        D("1764.71"),
        D("0.00"),
    ]

    # The recap first (debtors, amounts, imputation, exercice): nothing is issued yet.
    recap = client.post(emettre)
    assert recap.status_code == 200 and not TitreDeRecettes.objects.exists()
    contenu = recap.content.decode()
    assert "Vérifier avant d'émettre" in contenu and "Émettre les 4 appels de fonds" in contenu
    assert "5\u00a0882,36\u00a0€" in contenu and "0,00\u00a0€" not in contenu
    reponse = client.post(emettre, {"confirme": "1"})
    assert reponse.status_code == 302
    repartition.refresh_from_db()
    assert repartition.statut == Repartition.Statut.EMISE

    titres = list(TitreDeRecettes.objects.order_by("numero"))
    assert len(titres) == 4  # none for the member whose share is 0 (B1)
    assert sum(t.total for t in titres) == repartition.montant == D("10000.01")
    assert {t.nature for t in titres} == {TitreDeRecettes.Nature.APPEL_DE_FONDS}
    assert {t.statut for t in titres} == {TitreDeRecettes.Statut.EMIS}
    assert [t.numero for t in titres] == [1, 2, 3, 4]
    assert len({t.bordereau_id for t in titres}) == 1  # B3: issued together, one bordereau
    assert [(t.debiteur_nom, t.total) for t in titres] == [
        ("Commune de Redon", D("5882.36")),
        ("CCAS de Redon", D("588.23")),
        ("Commune de Pipriac", D("1764.71")),
        ("Commune d'Allaire", D("1764.71")),
    ]
    ccas_titre = titres[1]
    assert (ccas_titre.commune, ccas_titre.etablissement) == (redon, ccas)
    assert ccas_titre.imputation == "70878"
    ligne = ccas_titre.lignes.get()
    assert ligne.montant == D("588.23")
    assert "art. 4.2.7.1" in ligne.base_texte
    assert "poids 1 000,00 € sur 17 000,00 € (5,88 %)" in ligne.base_texte.replace("\u00a0", " ")
    assert {p.titre_id for p in PartRepartition.objects.filter(montant__gt=0)} == {
        t.pk for t in titres
    }

    # Issued: nothing can be issued twice nor changed.
    with pytest.raises(ValidationError, match="ne peut\\s+plus être modifiée"):
        actes.emettre_appels_de_fonds(repartition=repartition, par=agent_dsi)
    assert TitreDeRecettes.objects.count() == 4
    page = client.get(reverse("groupements:repartition", args=[repartition.pk])).content.decode()
    assert "Appels de fonds émis" in page and "Titre n° 2" in page


def test_G6_issue_all_or_nothing(groupement_lance, agent_dsi, emetteur):
    """Without an imputation for appels de fonds (B6) no titre is issued at all."""
    emetteur.imputation_appel_de_fonds = ""
    emetteur.save()
    groupement, _ = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="charge",
        motif="frais_contentieux",
        libelle="Frais d'avocat",
        montant=D("750.00"),
        piece="Note d'honoraires (démo)",
        piece_date=date(2025, 11, 3),
        par=agent_dsi,
    )
    with pytest.raises(
        ValidationError, match="Aucune imputation budgétaire pour la nature « appel de fonds »"
    ):
        actes.emettre_appels_de_fonds(repartition=repartition, par=agent_dsi)
    repartition.refresh_from_db()
    assert repartition.est_brouillon
    assert not TitreDeRecettes.objects.exists()
    assert not PartRepartition.objects.filter(titre__isnull=False).exists()


def test_G6_issue_restricted_to_those_with_the_right(
    groupement_lance, agent_dsi, emetteur, client, django_user_model
):
    groupement, _ = groupement_lance
    repartition = actes.enregistrer_repartition(
        groupement=groupement,
        sens="charge",
        motif="dommages",
        libelle="Dommages",
        montant=D("10.00"),
        piece="P",
        piece_date=date(2025, 11, 3),
        par=agent_dsi,
    )
    from django.contrib.auth.models import Permission

    lecteur = django_user_model.objects.create_user("lecteur", password="x", is_staff=True)
    lecteur.user_permissions.set(Permission.objects.filter(codename="view_groupement"))
    client.force_login(lecteur)
    assert (
        client.post(reverse("groupements:repartition_emettre", args=[repartition.pk])).status_code
        == 403
    )
    assert (
        "Vérifier les appels de fonds"
        not in client.get(
            reverse("groupements:repartition", args=[repartition.pk])
        ).content.decode()
    )
    assert not TitreDeRecettes.objects.exists()
