"""B1, B4 — the yearly campaign: issued in one transaction (``emettre_campagne``), in the
background (``DemandeEmission`` and its task).

At 35,000 communes the issue takes tens of seconds: too long to hang on a web request (a proxy
or worker timeout would leave the finance officer with an error page while the titres are
being written). So confirming the preview records a request and enqueues a task; the task
runs ``emettre_campagne`` (one transaction: everything is issued or nothing is) and records
how it ended; the preview page shows the request's state until it ends.

Safe to run twice: the issue bills only the differences with what is billed (B4) and locks
the members, so a second request finds nothing left to bill. That is why a request pending
for longer than ``DELAI_ABANDON`` (a worker stopped while running it) may be replaced.

The campaign imports the titres' engine, never the reverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from outils import flux, taches
from tarification.campagne import apercu as module_apercu
from tarification.campagne import apercu_enregistre
from tarification.models import (
    ApercuCampagne,
    Bordereau,
    Campagne,
    DemandeEmission,
    DemandeMandat,
    TitreDeRecettes,
)
from tarification.titres.corrections import projet_correction
from tarification.titres.ecritures import EcritureFlux, EcritureListe
from tarification.titres.emission import Emission, LigneAFacturer, Projet
from tarification.titres.exercices import (
    aujourdhui,
    exercice_par_defaut,
    verifier_exercice_campagne,
)
from tarification.titres.mentions import fondement_adhesion, nom_epci
from tarification.titres.numerotation import verrouiller_debiteurs

Nature = TitreDeRecettes.Nature


def objet_campagne(annee: int) -> str:
    return (
        f"Contribution {annee} au service commun des systèmes d'information "
        "(article 7 de la convention de service commun)"
    )


def objet_complement(annee: int) -> str:
    return (
        f"Complément de la contribution {annee} au service commun des systèmes d'information "
        "(article 7 de la convention de service commun)"
    )


def motif_regularisation(annee: int, elements) -> str:
    raisons = "; ".join(f"{e.libelle} : {e.raison()}" for e in elements)
    return f"Régularisation de la contribution {annee} par la campagne (B4) — {raisons}"


@dataclass
class _Regularisations:
    """B4 — what a run bills besides the ordinary titres, gathered as the members stream by
    and issued once the ordinary titres are: a titre complémentaire per member, a réduction
    per titre concerned (in that titre's exercice), a mandat request per line of a closed
    exercice. Only members with something already billed for the year are here: usually few."""

    annee: int
    complements: list[Projet] = field(default_factory=list)
    reductions: dict[int, tuple[TitreDeRecettes, list, dict, list]] = field(default_factory=dict)
    mandats: list[DemandeMandat] = field(default_factory=list)

    def ajouter(self, membre, *, jour: date, par, fondement: str) -> None:
        complements = membre.complements
        if complements:
            self.complements.append(
                Projet(
                    nature=Nature.COMPLEMENT,
                    commune=membre.commune,
                    objet=objet_complement(self.annee),
                    annee=self.annee,
                    fondement=fondement,
                    lignes=[
                        LigneAFacturer(
                            code=e.code,
                            libelle=f"Complément — {e.libelle}",
                            montant=e.ecart,
                            base=e.base_complement_structuree(),
                            base_texte=e.base_complement(),
                            service=e.code,
                            annee=self.annee,
                        )
                        for e in complements
                    ],
                )
            )
        for element in membre.diminutions:
            for diminution in element.diminutions:
                ligne = diminution.ligne
                if diminution.par_mandat:
                    self.mandats.append(
                        DemandeMandat(
                            titre=ligne.titre,
                            ligne=ligne,
                            montant=diminution.montant,
                            motif=motif_regularisation(self.annee, [element]),
                            demandee_le=jour,
                            demandee_par=par,
                        )
                    )
                    continue
                titre, lignes, bases, motifs = self.reductions.setdefault(
                    ligne.titre_id, (ligne.titre, [], {}, [])
                )
                lignes.append((ligne, -diminution.montant))
                bases[ligne.pk] = element.base_diminution(diminution)
                if element not in motifs:
                    motifs.append(element)

    def emettre(self, *, exercice: int, jour: date, aujourd_hui: date, par) -> list:
        """Issue the complements (one bordereau), the réductions (one bordereau per exercice
        and budget) and record the mandat requests; the bordereaux issued."""
        bordereaux = []
        if self.complements:
            emission = Emission(
                exercice=exercice,
                date_emission=jour,
                par=par,
                aujourd_hui=aujourd_hui,
                libelle=f"Campagne {self.annee} — titres complémentaires",
            )
            for projet in self.complements:
                emission.preparer(projet)
                emission.ajouter(projet)
            bordereaux.append(emission.terminer()[0])
        par_serie: dict[tuple[int, str], list[Projet]] = {}
        for titre, lignes, bases, motifs in self.reductions.values():
            projet = projet_correction(
                titre,
                nature=Nature.REDUCTION,
                lignes=lignes,
                motif=motif_regularisation(self.annee, motifs),
                bases=bases,
            )
            par_serie.setdefault((titre.exercice, titre.budget), []).append(projet)
        for (exercice_titre, budget), projets in sorted(par_serie.items()):
            emission = Emission(
                exercice=exercice_titre,
                budget=budget,
                date_emission=jour,
                par=par,
                aujourd_hui=aujourd_hui,
                libelle=f"Campagne {self.annee} — réductions",
            )
            for projet in projets:
                emission.preparer(projet)
                emission.ajouter(projet)
            bordereaux.append(emission.terminer()[0])
        return bordereaux


@transaction.atomic
def emettre_campagne(
    *,
    annee: int,
    exercice: int | None = None,
    par,
    date_emission: date | None = None,
    aujourd_hui: date | None = None,
    communes=None,
    signature: str | None = None,
) -> Campagne | None:
    """B1, B4 — issue, for year N: one titre per member billed for the first time whose total
    is above zero, one line per item, in one bordereau; for members already billed, the
    differences between what is computed now and what is billed net of corrections — a titre
    complémentaire per member for the increases (a bordereau of its own), a réduction of each
    titre concerned for the decreases (a bordereau of réductions per exercice), or a mandat
    request when that titre's exercice is closed. ``None`` when there is nothing (more) to bill.

    Dates (B1, B3): ``date_emission`` (today by default) lies within ``exercice`` (by default
    the one open that day) and never after ``aujourd_hui`` (today by default; tests pass it).

    Idempotent (B4): a re-run bills only what changed since, so nothing is billed twice and no
    change is lost. The members' rows are locked first, so two concurrent runs cannot bill the
    same item: what is already billed is read under that lock by the preview itself
    (``campagne.parcourir``). ``signature`` (from the preview the finance officer confirmed)
    makes the run refuse if the data changed since. Members with a blocking anomaly (B2) are
    not billed; the preview says why.

    At scale the members are priced one at a time as the preview streams them, and their
    ordinary titres written in a fixed number of statements (``EcritureFlux``): the number of
    queries and the memory do not grow with the number of members.
    """
    aujourd_hui = aujourd_hui or aujourdhui()
    jour = date_emission or aujourd_hui
    exercice = exercice or exercice_par_defaut(annee, jour)
    verifier_exercice_campagne(annee, exercice, jour, aujourd_hui)
    membres = module_apercu.communes_de_la_campagne(annee, communes)
    verrouiller_debiteurs(membres)
    emission = Emission(
        exercice=exercice,
        date_emission=jour,
        par=par,
        aujourd_hui=aujourd_hui,
        libelle=f"Campagne {annee} — contributions annuelles au service commun",
        ecriture=EcritureFlux() if flux.copie_possible() else EcritureListe(lot=flux.LOT),
    )
    regularisations = _Regularisations(annee)
    resume = module_apercu.Resume(annee, exercice)
    epci = nom_epci()
    for membre in module_apercu.parcourir(annee=annee, communes=membres, le=jour):
        resume.ajouter(membre)
        if membre.statut != module_apercu.A_EMETTRE:
            continue
        fondement = fondement_adhesion(
            membre.contribution.adhesions, epci=epci, article="article 7"
        )
        if not membre.premiere_facturation:
            regularisations.ajouter(membre, jour=jour, par=par, fondement=fondement)
            continue
        projet = Projet(
            nature=Nature.CONTRIBUTION,
            commune=membre.commune,
            objet=objet_campagne(annee),
            annee=annee,
            fondement=fondement,
            lignes=[
                LigneAFacturer.depuis(ligne, service=ligne.code, annee=annee)
                for ligne in membre.lignes
            ],
        )
        emission.preparer(projet)
        emission.ajouter(projet)
    # The whole run is rolled back if the data changed since the confirmed preview.
    if signature is not None and signature != resume.signature:
        raise ValidationError(
            "Les données ont changé depuis l'aperçu (adhésions, populations, missions ou titres) : "
            "vérifiez le nouvel aperçu avant d'émettre.",
            code="apercu_perime",
        )
    bordereau, _ = emission.terminer()
    autres = regularisations.emettre(exercice=exercice, jour=jour, aujourd_hui=aujourd_hui, par=par)
    if bordereau is None and not autres and not regularisations.mandats:
        return None
    campagne = Campagne.objects.create(
        annee=annee, exercice=exercice, bordereau=bordereau, lancee_par=par
    )
    Bordereau.objects.filter(pk__in=[b.pk for b in [bordereau, *autres] if b]).update(
        campagne=campagne
    )
    for demande in regularisations.mandats:
        demande.campagne = campagne
    DemandeMandat.objects.bulk_create(regularisations.mandats)
    return campagne


logger = logging.getLogger(__name__)

DELAI_ABANDON = timedelta(minutes=30)
EN_ATTENTE = DemandeEmission.Etat.EN_ATTENTE


def demande_en_cours(*, annee: int, exercice: int) -> DemandeEmission | None:
    return DemandeEmission.objects.filter(annee=annee, exercice=exercice, etat=EN_ATTENTE).first()


def derniere_demande(*, annee: int, exercice: int) -> DemandeEmission | None:
    """The latest request to issue this campaign, with who made it and the campaign issued."""
    return (
        DemandeEmission.objects.select_related("demandee_par", "campagne__bordereau")
        .filter(annee=annee, exercice=exercice)
        .first()
    )


def demander_emission(*, annee: int, exercice: int, par, signature: str) -> DemandeEmission:
    """Record the confirmed request to issue the campaign previewed with ``signature`` and
    enqueue its task (in the same transaction: with the database task queue, the task exists
    exactly when the request does).

    Refused, in French, when the stored preview was recomputed or deleted since the page was
    shown (``apercu_perime``) or when a request for this campaign is already pending
    (``emission_en_cours``)."""
    maintenant = timezone.now()
    with transaction.atomic():
        apercu = (
            ApercuCampagne.objects.select_for_update()
            .filter(annee=annee, exercice=exercice)
            .first()
        )
        if apercu is None or apercu.signature != signature:
            raise ValidationError(
                "L'aperçu a été recalculé ou supprimé depuis l'affichage de la page : vérifiez "
                "l'aperçu enregistré avant d'émettre.",
                code="apercu_perime",
            )
        en_cours = demande_en_cours(annee=annee, exercice=exercice)
        if en_cours is not None:
            if maintenant - en_cours.demandee_le < DELAI_ABANDON:
                raise ValidationError(
                    f"Une émission de cette campagne est déjà en cours (demandée le "
                    f"{timezone.localtime(en_cours.demandee_le):%d/%m/%Y à %H:%M}) : attendez "
                    "qu'elle se termine.",
                    code="emission_en_cours",
                )
            _terminer(
                en_cours,
                DemandeEmission.Etat.ECHOUEE,
                erreur="Sans nouvelles de la tâche après 30 minutes : remplacée par une "
                "nouvelle demande.",
            )
        demande = DemandeEmission.objects.create(
            annee=annee,
            exercice=exercice,
            signature=signature,
            demandee_le=maintenant,
            demandee_par=par,
        )
        emettre_campagne_demandee.enqueue(demande.pk)
    return demande


# A pending request whose task has been neither waiting nor running for this long was cut
# short (its worker killed, the database restarted and the retries spent): it may be resumed.
DELAI_REPRISE = timedelta(minutes=1)


def demande_bloquee(demande: DemandeEmission | None, *, maintenant=None) -> bool:
    """Whether a pending request lost its task: the finance officer may resume it."""
    if demande is None or demande.etat != EN_ATTENTE:
        return False
    maintenant = maintenant or timezone.now()
    if maintenant - demande.demandee_le < DELAI_REPRISE:
        return False
    return not taches.tache_active(emettre_campagne_demandee, demande.pk)


def reprendre_emission(*, demande: DemandeEmission, par) -> DemandeEmission:
    """Enqueue again the task of a pending request that lost it (``demande_bloquee``). Safe:
    the issue bills only what is not billed yet (B4), in one transaction, and a request that
    ended meanwhile is left alone."""
    with transaction.atomic():
        demande = DemandeEmission.objects.select_for_update().get(pk=demande.pk)
        if not demande_bloquee(demande):
            raise ValidationError(
                "Cette émission n'est pas interrompue : sa tâche est en attente ou en cours.",
                code="emission_active",
            )
        logger.warning("Émission %s reprise par %s", demande.pk, par)
        emettre_campagne_demandee.enqueue(demande.pk)
    return demande


def _terminer(demande: DemandeEmission, etat: str, *, erreur: str = "", campagne=None) -> None:
    """Record how a pending request ended (once: a request already ended is left alone)."""
    DemandeEmission.objects.filter(pk=demande.pk, etat=EN_ATTENTE).update(
        etat=etat, erreur=erreur, campagne=campagne, terminee_le=timezone.now()
    )


def executer(demande_id: int) -> int | None:
    """Run a pending request (the task's body): issue the campaign, then record the result;
    the stored preview is deleted once its campaign is issued. Returns the campaign's id, or
    ``None`` when nothing was issued."""
    demande = DemandeEmission.objects.select_related("demandee_par").get(pk=demande_id)
    if demande.etat != EN_ATTENTE:
        return None
    try:
        campagne = emettre_campagne(
            annee=demande.annee,
            exercice=demande.exercice,
            par=demande.demandee_par,
            signature=demande.signature,
        )
    except ValidationError as erreur:
        message = " ".join(erreur.messages)
        if erreur.code == "apercu_perime":
            message += " Recalculez l'aperçu, vérifiez-le, puis émettez."
        _terminer(demande, DemandeEmission.Etat.ECHOUEE, erreur=message)
        return None
    except Exception:
        logger.exception("Émission de la campagne %s (demande %s)", demande.annee, demande.pk)
        _terminer(
            demande,
            DemandeEmission.Etat.ECHOUEE,
            erreur="Erreur inattendue pendant l'émission : aucun titre n'a été émis. L'équipe "
            "technique est prévenue ; vous pouvez relancer l'émission.",
        )
        raise
    _terminer(demande, DemandeEmission.Etat.TERMINEE, campagne=campagne)
    if campagne is None:
        return None
    apercu_enregistre.oublier_apercu(annee=campagne.annee, exercice=campagne.exercice)
    return campagne.pk


@task(priority=10)
def emettre_campagne_demandee(demande_id: int) -> int | None:
    """B1 — issue the campaign of a confirmed request (``executer``), ahead of any PDF work
    waiting in the queue (higher priority); the id of the campaign issued, ``None`` when
    nothing was."""
    return executer(demande_id)
