"""Demo data: the versions of the grid and their niveau 1 billing mode (T6).

The seeded Article 7 version (migration) bills niveau 1 in *volume partagé*, the convention's
default. The demo's titres of 2024 and 2025 were priced in *dotation individuelle* (each
half-day beyond the member's share billed): the demo records that reading as the mode of the
version in force from 2022 to 2025, with a decision marked « démo », and a version in
*volume partagé* from 2026 with the same lines. Idempotent: run after the members' demo and
before the titres' (which issues the 2024 and 2025 campaigns).
"""

from datetime import date

from django.db import transaction

from tarification import calcul
from tarification.models import LigneBareme, VersionBareme

FIN_DOTATION_INDIVIDUELLE = date(2025, 12, 31)
DEBUT_VOLUME_PARTAGE = date(2026, 1, 1)
FONDEMENT_DOTATION_INDIVIDUELLE = (
    "décision du comité de pilotage n° démo 2021-07 du 14/12/2021 : chaque demi-journée "
    "au-delà de la part du membre est facturée"
)
FONDEMENT_VOLUME_PARTAGE = (
    "délibération du conseil communautaire n° démo 2025-118 du 15/12/2025 : retour au volume "
    "de 117 jours partagés de la convention (art. 3.2.2 et 7.1.1)"
)
CHAMPS_LIGNE = [
    "service",
    "tranche",
    "borne_inf",
    "inf_incluse",
    "borne_sup",
    "sup_incluse",
    "part_fixe",
    "taux",
    "jours",
    "derogation_requise",
    "article",
]


@transaction.atomic
def charger():
    if VersionBareme.objects.filter(debut=DEBUT_VOLUME_PARTAGE).exists():
        return
    ancienne = VersionBareme.objects.en_vigueur_le(DEBUT_VOLUME_PARTAGE).first()
    if ancienne is None or ancienne.debut >= DEBUT_VOLUME_PARTAGE:
        return
    ancienne.fin = FIN_DOTATION_INDIVIDUELLE
    ancienne.mode_niveau1 = calcul.ModeNiveau1.DOTATION_INDIVIDUELLE.value
    ancienne.fondement_mode = FONDEMENT_DOTATION_INDIVIDUELLE
    ancienne.full_clean()
    ancienne.save()
    nouvelle = VersionBareme(
        libelle=f"{ancienne.libelle} — niveau 1 en volume partagé",
        reference=ancienne.reference,
        debut=DEBUT_VOLUME_PARTAGE,
        pool_jours=ancienne.pool_jours,
        prix_demi_journee=ancienne.prix_demi_journee,
        mode_niveau1=calcul.ModeNiveau1.VOLUME_PARTAGE.value,
        fondement_mode=FONDEMENT_VOLUME_PARTAGE,
    )
    nouvelle.full_clean()
    nouvelle.save()
    LigneBareme.objects.bulk_create(
        [
            LigneBareme(
                version=nouvelle, **{champ: getattr(ligne, champ) for champ in CHAMPS_LIGNE}
            )
            for ligne in ancienne.lignes.all()
        ]
    )
