"""Business acts of the member portal (keyword-only functions named after the act, one
transaction each; e-mails leave after the commit)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from membres import notifications
from membres.models import Commune, Contact, Etablissement
from portail.models import DemandeModification, FicheProjet

IDENTIFIANTS_FACTURATION = ("siret", "code_service_chorus", "reference_engagement")


# --- Fiches projet (annexe 3, R3) ----------------------------------------------------------


def _verrouiller_fiche(fiche: FicheProjet) -> FicheProjet:
    # The row lock serialises two clicks (or a member and a DSI agent) on the same fiche.
    return FicheProjet.objects.select_for_update().get(pk=fiche.pk)


@transaction.atomic
def soumettre_fiche(*, fiche: FicheProjet, par) -> FicheProjet:
    """The member sends its draft to the DSI; every section annexe 3 asks for is needed."""
    fiche = _verrouiller_fiche(fiche)
    if fiche.statut != FicheProjet.Statut.BROUILLON:
        raise ValidationError("Cette fiche projet a déjà été soumise.")
    manquants = fiche.champs_manquants()
    if manquants:
        raise ValidationError(
            "Complétez la fiche avant de la soumettre. Rubriques vides : "
            + ", ".join(manquants)
            + "."
        )
    fiche.statut = FicheProjet.Statut.SOUMISE
    fiche.soumise_le = timezone.now()
    fiche.save()
    return fiche


@transaction.atomic
def etudier_fiche(*, fiche: FicheProjet, par) -> FicheProjet:
    """The DSI starts studying a submitted fiche (art. 3.3.2: existing solutions, shared needs,
    planning with the member)."""
    fiche = _verrouiller_fiche(fiche)
    if fiche.statut != FicheProjet.Statut.SOUMISE:
        raise ValidationError(
            f"Seule une fiche soumise peut être mise à l'étude (statut : "
            f"{fiche.get_statut_display()})."
        )
    fiche.statut = FicheProjet.Statut.A_L_ETUDE
    fiche.save()
    return fiche


@transaction.atomic
def decider_fiche(
    *, fiche: FicheProjet, acceptee: bool, motif: str, le: date | None = None, par
) -> FicheProjet:
    """The comité de pilotage's arbitration (art. 3.3.2, 3.4.2), recorded by DSI staff; the
    member's contacts are told by e-mail once it is saved."""
    fiche = _verrouiller_fiche(fiche)
    if fiche.statut not in (FicheProjet.Statut.SOUMISE, FicheProjet.Statut.A_L_ETUDE):
        raise ValidationError(
            f"Seule une fiche soumise ou à l'étude peut être décidée (statut : "
            f"{fiche.get_statut_display()})."
        )
    if not acceptee and not motif.strip():
        raise ValidationError("Un refus doit être motivé.")
    fiche.statut = FicheProjet.Statut.ACCEPTEE if acceptee else FicheProjet.Statut.REFUSEE
    fiche.decidee_le = le or timezone.localdate()
    fiche.decision_motif = motif.strip()
    fiche.full_clean()
    fiche.save()
    avis = notifications.Avis(
        commune_id=fiche.commune_id,
        sujet=f"Fiche projet « {fiche.intitule} » : {fiche.get_statut_display()}",
        gabarit="notifications/fiche_decidee.txt",
        contexte={
            "intitule": fiche.intitule,
            "decidee_le": fiche.decidee_le,
            "decision": fiche.get_statut_display(),
            "motif": fiche.decision_motif,
        },
        page="fiche",
        page_kwargs={"pk": fiche.pk},
    )
    transaction.on_commit(lambda: notifications.envoyer([avis]))
    return fiche


# --- Billing identifiers (B8) --------------------------------------------------------------


@transaction.atomic
def demander_modification_facturation(
    *,
    commune: Commune,
    etablissement: Etablissement | None = None,
    siret: str,
    code_service_chorus: str,
    reference_engagement: str,
    motif: str = "",
    par,
) -> DemandeModification:
    """B8: a member asks to change its billing identifiers; nothing changes on the member until
    DSI staff validate. A newer request replaces a pending one (marked "remplacée")."""
    if etablissement is not None and etablissement.commune_id != commune.pk:
        raise ValidationError("Cet établissement n'appartient pas à cette commune.")
    # Lock the member row: two requests at once must not both stay pending.
    if etablissement is not None:
        membre = Etablissement.objects.select_for_update().get(pk=etablissement.pk)
    else:
        membre = Commune.objects.select_for_update().get(pk=commune.pk)
    nouveaux = {
        "siret": siret.strip(),
        "code_service_chorus": code_service_chorus.strip(),
        "reference_engagement": reference_engagement.strip(),
    }
    if all(getattr(membre, champ) == valeur for champ, valeur in nouveaux.items()):
        raise ValidationError("Ces identifiants sont déjà ceux enregistrés : rien à modifier.")
    DemandeModification.objects.filter(
        commune=commune,
        etablissement=etablissement,
        statut=DemandeModification.Statut.EN_ATTENTE,
    ).update(statut=DemandeModification.Statut.REMPLACEE)
    demande = DemandeModification(
        commune=commune,
        etablissement=etablissement,
        ancien_siret=membre.siret,
        ancien_code_service_chorus=membre.code_service_chorus,
        ancienne_reference_engagement=membre.reference_engagement,
        motif=motif.strip(),
        demandee_par=par,
        **nouveaux,
    )
    demande.full_clean()
    demande.save()
    return demande


def _verrouiller_demande(demande: DemandeModification) -> DemandeModification:
    demande = DemandeModification.objects.select_for_update().get(pk=demande.pk)
    if demande.statut != DemandeModification.Statut.EN_ATTENTE:
        raise ValidationError(
            f"Cette demande n'est plus en attente (statut : {demande.get_statut_display()})."
        )
    return demande


@transaction.atomic
def valider_demande(*, demande: DemandeModification, par) -> DemandeModification:
    """B8: DSI staff validate; the identifiers are copied onto the member (historised)."""
    demande = _verrouiller_demande(demande)
    membre = demande.etablissement or demande.commune
    membre = type(membre).objects.select_for_update().get(pk=membre.pk)
    for champ in IDENTIFIANTS_FACTURATION:
        setattr(membre, champ, getattr(demande, champ))
    membre._change_reason = f"demande de modification n° {demande.pk} validée (B8)"
    membre.full_clean()
    membre.save()
    demande.statut = DemandeModification.Statut.VALIDEE
    demande.traitee_par = par
    demande.traitee_le = timezone.now()
    demande.save()
    return demande


@transaction.atomic
def refuser_demande(*, demande: DemandeModification, motif: str, par) -> DemandeModification:
    demande = _verrouiller_demande(demande)
    if not motif.strip():
        raise ValidationError("Un refus doit être motivé.")
    demande.statut = DemandeModification.Statut.REFUSEE
    demande.motif_refus = motif.strip()
    demande.traitee_par = par
    demande.traitee_le = timezone.now()
    demande.save()
    return demande


# --- Contacts (M5) ------------------------------------------------------------------------


def _roles_perdus(commune: Commune, *, sans: Contact, remplace_par: Contact | None) -> list[str]:
    """M5 roles (décideur, technique) the commune would lose if `sans` were removed or
    replaced by `remplace_par`: a role held before and by nobody after."""
    autres = list(
        Contact.objects.filter(commune=commune, etablissement__isnull=True).exclude(pk=sans.pk)
    )
    perdus = []
    for role, libelle in [("decideur", "décideur"), ("technique", "technique")]:
        avait = getattr(sans, role) or any(getattr(c, role) for c in autres)
        garde = any(getattr(c, role) for c in autres) or bool(
            remplace_par and getattr(remplace_par, role)
        )
        if avait and not garde:
            perdus.append(libelle)
    return perdus


def _message_roles(perdus: list[str]) -> str:
    roles = " et ".join(f"d'interlocuteur {r}" for r in perdus)
    return (
        f"Votre commune n'aurait plus {roles} (art. 6.2 de la convention) : "
        "désignez d'abord un autre contact pour ce rôle."
    )


@transaction.atomic
def enregistrer_contact(*, contact: Contact, par) -> Contact:
    """M5: a member adds or edits one of its contacts directly (the record is historised);
    a change that would leave it without a décideur or a technique contact is refused."""
    Commune.objects.select_for_update().get(pk=contact.commune_id)
    if contact.pk:
        avant = Contact.objects.get(pk=contact.pk)
        perdus = _roles_perdus(contact.commune, sans=avant, remplace_par=contact)
        if perdus:
            raise ValidationError(_message_roles(perdus))
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def supprimer_contact(*, contact: Contact, par) -> None:
    Commune.objects.select_for_update().get(pk=contact.commune_id)
    perdus = _roles_perdus(contact.commune, sans=contact, remplace_par=None)
    if perdus:
        raise ValidationError(_message_roles(perdus))
    contact.delete()
