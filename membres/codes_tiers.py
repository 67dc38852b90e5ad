"""The debtor's codes in a PES V2 flow (B8/B9) and the SIRET–SIREN tie (B8): plain choices and
a check on values, read by the members' models and forms and by billing."""

from django.db import models

from outils.identifiants import siret_de_siren, siret_valide


class CategorieTiers(models.TextChoices):
    """B8/B9 — the debtor's category in a PES V2 flow (CatTiers of the DGFiP's schema), for the
    public bodies this service bills."""

    ETAT = "20", "20 — État et établissements publics nationaux"
    REGION = "21", "21 — région"
    DEPARTEMENT = "22", "22 — département"
    COMMUNE = "23", "23 — commune"
    GROUPEMENT = "24", "24 — groupement de collectivités"
    CAISSE_ECOLES = "25", "25 — caisse des écoles"
    CCAS = "26", "26 — centre communal d'action sociale"
    EPS = "27", "27 — établissement public de santé"


class NatureJuridique(models.TextChoices):
    """B8/B9 — the debtor's legal nature (NatJur of the DGFiP's schema)."""

    ETAT = "07", "07 — État ou organisme d'État"
    EPN = "08", "08 — établissement public national"
    COLLECTIVITE = "09", "09 — collectivité territoriale, EPL ou EPS"


# M7: the usual PES category of an établissement associé by type.
CATEGORIE_PAR_TYPE_ETABLISSEMENT = {
    "ccas": CategorieTiers.CCAS,
    "ecole": CategorieTiers.CAISSE_ECOLES,
    "ehpad": CategorieTiers.EPS,
}


def erreur_siret_siren(siret: str, siren: str) -> str | None:
    """B8 — a SIRET starts with its entity's SIREN (each checked by its key elsewhere)."""
    if siret_valide(siret) and siren and not siret_de_siren(siret, siren):
        return f"Le SIRET {siret} ne commence pas par le SIREN {siren} de cette entité (B8)."
    return None
