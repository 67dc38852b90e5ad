"""B2 — the campaign preview, computed on demand and stored (ApercuCampagne, ApercuMembre).

Computing the preview (tarification/campagne.py) costs one contribution per member: seconds
at tens of thousands of members, far too slow for a page that is opened, filtered and paged
again and again. So the finance officer asks for the computation (one POST, on the preview
page) and the page reads the stored rows, paginated and filtered in the database, in a number
of queries that does not depend on the number of members.

A stored preview may be stale: the data can change after it was computed. Nothing is issued
from it. Issuing recomputes the preview inside the issuing transaction and refuses when its
signature differs from the stored one (titres.emettre_campagne); the page then invites to
compute the preview again. Once a campaign is issued, its stored preview is forgotten
(``oublier_apercu``): every member it lists as "à émettre" is billed by then.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from outils import flux
from tarification.campagne import apercu as campagne
from tarification.campagne.apercu_json import membre_en_json
from tarification.models import ApercuCampagne, ApercuMembre


def _membre(apercu: ApercuCampagne, membre: campagne.MembreApercu) -> ApercuMembre:
    """The member as the page shows it: its JSON object (the command's), and the columns the
    page sorts and filters on, copied from the same preview."""
    return ApercuMembre(
        apercu=apercu,
        commune_id=membre.commune.pk,
        nom=membre.commune.nom,
        code_insee=membre.commune.code_insee,
        statut=membre.statut,
        calcule=membre.calcule,
        deja_facture=membre.deja_facture,
        a_emettre=membre.a_emettre,
        formules=membre.formules,
        donnees=membre_en_json(membre),
    )


def _resume(resume: campagne.Resume) -> dict:
    champs = (
        "nb_membres",
        "nb_a_emettre",
        "nb_bloques",
        "nb_sans_titre",
        "nb_a_jour",
        "nb_avertissements",
        "total",
    )
    return {"signature": resume.signature, **{c: getattr(resume, c) for c in champs}}


def enregistrer_apercu(
    *, annee: int, exercice: int, par, aujourd_hui: date | None = None
) -> ApercuCampagne:
    """Compute the preview of the campaign for year ``annee`` and ``exercice`` (as of today,
    or ``aujourd_hui``) and store it in place of the previous one, if any.

    One transaction, in a constant number of queries and a memory that does not grow with the
    number of members: the summary row is updated or created under a row lock
    (``update_or_create``: two concurrent computations of the same preview wait for each
    other instead of failing on the unique (annee, exercice) constraint, and the last one
    wins), its previous members are deleted in one DELETE, the members are computed one at a
    time (``campagne.parcourir``) and streamed into the table (one ``COPY`` on PostgreSQL,
    ``servicecommun/flux.py``), then the summary gets its counts, total and signature.
    """
    jour = aujourd_hui or timezone.localdate()
    resume = campagne.Resume(annee, exercice)
    with transaction.atomic():
        apercu, _ = ApercuCampagne.objects.update_or_create(
            annee=annee,
            exercice=exercice,
            defaults={
                "calcule_le": timezone.now(),
                "calcule_par": par,
                "annee_terminee": campagne.annee_terminee(annee, jour),
                **_resume(resume),
            },
        )
        # No signal and nothing refers to these rows: Django deletes them in one DELETE.
        ApercuMembre.objects.filter(apercu=apercu).delete()

        def membres():
            for membre in campagne.parcourir(annee=annee, le=jour):
                resume.ajouter(membre)
                yield _membre(apercu, membre)

        flux.inserer(ApercuMembre, membres())
        final = _resume(resume)
        for champ, valeur in final.items():
            setattr(apercu, champ, valeur)
        apercu.save(update_fields=list(final))
    return apercu


def apercu_enregistre(*, annee: int, exercice: int) -> ApercuCampagne | None:
    """The stored preview for (annee, exercice), with who computed it; ``None`` if none."""
    return (
        ApercuCampagne.objects.select_related("calcule_par")
        .filter(annee=annee, exercice=exercice)
        .first()
    )


def oublier_apercu(*, annee: int, exercice: int) -> None:
    """Delete the stored preview of (annee, exercice), e.g. once its campaign is issued."""
    ApercuCampagne.objects.filter(annee=annee, exercice=exercice).delete()
