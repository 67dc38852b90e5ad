"""Which rows billing froze (P1 revised, B4): a row that priced or appears on an issued titre.

Registered with ``outils.historique`` when the app is ready, so that the members' models and
their admin refuse the deletion of, or a change to, a row the titres rely on without
importing billing. The same rules hold in SQL on PostgreSQL (migration ``0017``).
"""

from __future__ import annotations

from django.db.models import Q

from membres.models import Adhesion, Etablissement, Population
from outils.historique import garder
from tarification.models import LigneBareme, LigneTitre, TitreDeRecettes, VersionBareme
from tarification.models.bareme import version_figee

EMIS = TitreDeRecettes.Statut.EMIS
Nature = TitreDeRecettes.Nature


def _raison_version(version: VersionBareme) -> str | None:
    titre = version.titres_tarifes().order_by("exercice", "numero").first()
    if titre is None:
        return None
    return (
        f"la version « {version.libelle} » a tarifé des titres émis (dont le titre "
        f"n° {titre.numero}, exercice {titre.exercice}). Créez une nouvelle version."
    )


def _raison_population(population: Population) -> str | None:
    ligne = (
        LigneTitre.objects.filter(
            titre__statut=EMIS,
            commune_id=population.commune_id,
            annee=population.annee,
            population__isnull=False,
        )
        .select_related("titre")
        .first()
    )
    if ligne is None:
        return None
    return (
        f"la population {population.annee} de cette commune a tarifé le titre "
        f"n° {ligne.titre.numero} (exercice {ligne.titre.exercice})."
    )


def _raison_adhesion(adhesion: Adhesion) -> str | None:
    annees = Q(annee__gte=adhesion.date_effet.year)
    if adhesion.dernier_jour:
        annees &= Q(annee__lte=adhesion.dernier_jour.year)
    titre = (
        TitreDeRecettes.objects.filter(statut=EMIS)
        .filter(
            Q(adhesion=adhesion)
            | (Q(commune_id=adhesion.commune_id, nature__in=Nature.contributions()) & annees)
        )
        .order_by("exercice", "numero")
        .first()
    )
    if titre is None:
        return None
    return f"cette adhésion a servi au titre n° {titre.numero} (exercice {titre.exercice})."


def _raison_etablissement(etablissement: Etablissement) -> str | None:
    titre = (
        TitreDeRecettes.objects.filter(statut=EMIS, etablissement=etablissement)
        .order_by("exercice", "numero")
        .first()
    )
    if titre is None:
        return None
    return f"cet établissement est débiteur du titre n° {titre.numero} (exercice {titre.exercice})."


def enregistrer_gardes() -> None:
    garder(VersionBareme, _raison_version)
    garder(LigneBareme, lambda ligne: version_figee(ligne.version_id))
    garder(Population, _raison_population)
    garder(Adhesion, _raison_adhesion)
    garder(Etablissement, _raison_etablissement)
