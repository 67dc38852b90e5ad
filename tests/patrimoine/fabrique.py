"""Small builders of the register for the tests of audits, inventories, transfers and exits."""

from datetime import date
from decimal import Decimal

from patrimoine import actes
from patrimoine.models import Bien, Contrat, TransfertContrat

D = Decimal


def contrat(commune, **champs) -> Contrat:
    valeurs = {
        "fournisseur": "Éditeur SA",
        "objet": "Hébergement du logiciel de gestion financière",
        "debut": date(2022, 1, 1),
        "fin": date(2022, 12, 31),
        "preavis_mois": 3,
        "cout_annuel": D("2400.00"),
        "reconduction": Contrat.Reconduction.TACITE,
        "niveau_service": "niveau2",
        "mutualisable": True,
    }
    valeurs.update(champs)
    objet = Contrat(commune=commune, **valeurs)
    objet.full_clean()
    objet.save()
    return objet


def bien(commune, **champs) -> Bien:
    valeurs = {
        "categorie": Bien.Categorie.MATERIEL,
        "designation": "Serveur de fichiers",
        "reference": "SRV-01",
        "niveau_service": "niveau3",
        "mutualisable": True,
        "valeur_acquisition": D("6000.00"),
    }
    valeurs.update(champs)
    objet = Bien(commune=commune, **valeurs)
    objet.full_clean()
    objet.save()
    return objet


def porter(objet: Contrat, *, debut, fin, montant, le=date(2023, 3, 1), **champs):
    """The EPCI takes the contract over (A3) for its period [debut, fin] at ``montant``."""
    valeurs = {
        "sort": TransfertContrat.Sort.REPRIS,
        "le": le,
        "etude_le": date(2023, 2, 1),
        "etude_conclusion": "Contrat mutualisable : hébergement au Datacenter (démo).",
        "decision_numero": "2023-45",
        "decision_date": date(2023, 2, 15),
        "periode_debut": debut,
        "periode_fin": fin,
        "montant_periode": montant,
    }
    valeurs.update(champs)
    return actes.enregistrer_sort_contrat(contrat=objet, par=None, **valeurs)


def transferer(objet: Bien, *, valeur, le=date(2023, 3, 1), duree=5):
    return actes.transferer_bien(
        bien=objet,
        etude_le=date(2023, 2, 1),
        etude_conclusion="Serveur centralisable au Datacenter.",
        transfere_le=le,
        decision_numero="2023-46",
        decision_date=date(2023, 2, 15),
        valeur=valeur,
        duree_amortissement_ans=duree,
        par=None,
    )
