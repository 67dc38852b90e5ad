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
from tarification.models import ApercuCampagne, ApercuMembre
from tarification.textes import texte_base


def _texte(messages) -> str:
    """One message per line (a message never spans lines in the stored text)."""
    return "\n".join(" ".join(str(message).split()) for message in messages)


def _membre(apercu: ApercuCampagne, membre: campagne.MembreApercu) -> ApercuMembre:
    return ApercuMembre(
        apercu=apercu,
        commune_id=membre.commune.pk,
        nom=membre.commune.nom,
        code_insee=membre.commune.code_insee,
        statut=membre.statut,
        total=membre.total,
        formules=membre.formules,
        lignes=[
            {
                "code": ligne.code,
                "libelle": ligne.libelle,
                "base": texte_base(ligne.base),
                "montant": str(ligne.montant),
            }
            for ligne in membre.lignes
        ],
        deja_facturees=_texte(membre.deja_facturees),
        anomalies=_texte(membre.anomalies),
        avertissements=_texte(membre.avertissements),
        motif=membre.motif,
    )


def _resume(resume: campagne.Resume) -> dict:
    champs = ("nb_membres", "nb_a_emettre", "nb_bloques", "nb_rien", "nb_avertissements", "total")
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
            for membre in campagne.parcourir(annee=annee):
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
