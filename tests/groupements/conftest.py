"""Builders for groupements: a groupement at a given step, eligible members with needs."""

from datetime import date
from decimal import Decimal

import pytest

D = Decimal


@pytest.fixture
def groupement_factory(db):
    from groupements.models import Groupement

    compteur = iter(range(1, 10000))

    def creer(**kwargs):
        valeurs = {
            "objet": f"Groupement {next(compteur)}",
            "categorie": Groupement.Categorie.TELEPHONIE,
            "constitue_le": date(2025, 1, 6),
        }
        valeurs.update(kwargs)
        return Groupement.objects.create(**valeurs)

    return creer


@pytest.fixture
def membre_eligible(commune_factory, adhesion_factory):
    """A commune with the groupement formula (or the given one) in force since 2024."""

    def creer(formule="groupement", **kwargs):
        commune = commune_factory(**kwargs)
        adhesion_factory(commune, formule=formule, date_effet=date(2024, 1, 1))
        return commune

    return creer


@pytest.fixture
def agir(agent_dsi):
    """The acts, signed by the DSI agent (``par``)."""
    from groupements import actes

    class Agir:
        def adherer(self, groupement, commune, le=date(2025, 2, 1), **kwargs):
            return actes.adherer(
                groupement=groupement, commune=commune, le=le, par=agent_dsi, **kwargs
            )

        def besoins(self, adhesion, *montants, qualitatifs=""):
            lignes = [
                {"designation": f"Article {i}", "unite": "u", "quantite": 1, "montant_estime": m}
                for i, m in enumerate(montants, start=1)
            ]
            return actes.declarer_besoins(
                adhesion_groupement=adhesion,
                lignes=lignes,
                besoins_qualitatifs=qualitatifs,
                par=agent_dsi,
                le=date(2025, 2, 15),
            )

        def etape(self, groupement, vers, le, motif=""):
            return actes.passer_etape(
                groupement=groupement, vers=vers, le=le, motif=motif, par=agent_dsi
            )

        def lancer(self, groupement, le=date(2025, 3, 10)):
            groupement.refresh_from_db()
            if groupement.etape == "constitution":
                self.etape(groupement, "recensement", date(2025, 2, 1))
            return self.etape(groupement, "consultation", le)

    return Agir()


@pytest.fixture
def groupement_lance(groupement_factory, membre_eligible, agir):
    """A launched groupement of three members whose needs weigh 12 000, 3 000 and 0 €
    (the last one declared qualitative needs only)."""
    groupement = groupement_factory(objet="Téléphonie mobile")
    membres = []
    for nom, montants in [
        ("Redon", [D("10000.00"), D("2000.00")]),
        ("Allaire", [D("3000.00")]),
        ("Bains", []),
    ]:
        commune = membre_eligible(nom=nom)
        adhesion = agir.adherer(groupement, commune)
        agir.besoins(
            adhesion, *montants, qualitatifs="" if montants else "Pas de ligne, un standard."
        )
        membres.append(adhesion)
    agir.lancer(groupement)
    groupement.refresh_from_db()
    return groupement, membres


@pytest.fixture
def emetteur(db):
    """The issuer with every mention a titre needs (B5) and an imputation for appels de fonds."""
    from tarification.models import Emetteur

    return Emetteur.objects.create(
        nom="Redon Agglomération",
        siren="243500741",
        adresse="3 rue Charles Sillard",
        code_postal="35600",
        ville="Redon",
        ordonnateur_prenom="Prénom",
        ordonnateur_nom="Ordonnateur (test)",
        ordonnateur_qualite="Président",
        budget="Budget principal",
        comptable_public="Comptable public (test)",
        modalites_paiement="Par virement (test).",
        imputation_appel_de_fonds="70878",
    )
