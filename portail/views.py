"""The member portal: thin function-based views. Every object is fetched through the user's
members with a `_get_<thing>_for_user` helper; another member's object is a 404, never a 403
(it does not tell that the object exists)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from groupements.models import AdhesionGroupement
from membres.acces import communes_du_portail
from membres.models import Adhesion, Commune, Contact, Document, Etablissement, Formule
from missions.dotations import bilan_niveau1
from missions.models import Intervention, Mission
from missions.pdf import rendre_lettre_mission
from patrimoine import sortie as sortie_patrimoine
from patrimoine.models import Audit, Bien, Contrat, EtatDeSortie
from portail import actes
from portail.forms import (
    ContactForm,
    FacturationForm,
    FicheProjetForm,
)
from portail.models import ConsultationCommeLaCommune, DemandeModification, FicheProjet
from securite.roles import DSI, FINANCES, a_le_role, reserve_personnel
from tarification.contribution import contributions, etat_du_volume, prix_audits_retenus
from tarification.estimation import estimer_annee_suivante
from tarification.models import TitreDeRecettes
from tarification.recouvrement import restes as recouvrement

# --- Access -------------------------------------------------------------------------------


CLE_VOIR_COMME = "portail_voir_comme"  # the commune a staff member is viewing, read-only
METHODES_SURES = ("GET", "HEAD", "OPTIONS")


def _get_commune_for_user(request, code_insee) -> tuple[Commune, list[Commune]]:
    """The commune asked for, and all the user's communes (one query, for the switcher). A
    staff member who chose « voir comme la commune » for this commune sees it alone."""
    if request.session.get(CLE_VOIR_COMME) == code_insee and a_le_role(request.user, DSI, FINANCES):
        commune = get_object_or_404(Commune, code_insee=code_insee)
        request.lecture_seule = True
        return commune, [commune]
    communes = list(communes_du_portail(request.user).order_by("nom"))
    for commune in communes:
        if commune.code_insee == code_insee:
            return commune, communes
    raise Http404("Commune introuvable.")


def portail(view):
    """Login required, then the commune of the URL resolved through the user's members. In
    « voir comme la commune », only reading: any other method is refused before the view."""

    @login_required
    @wraps(view)
    def enveloppe(request, code_insee, **kwargs):
        request.lecture_seule = False
        request.commune, request.communes = _get_commune_for_user(request, code_insee)
        if request.lecture_seule and request.method not in METHODES_SURES:
            raise PermissionDenied(
                "Vous consultez l'espace de la commune en lecture seule : aucune modification "
                "n'est possible."
            )
        return view(request, request.commune, **kwargs)

    return enveloppe


def _get_fiche_for_user(commune, pk) -> FicheProjet:
    return get_object_or_404(
        FicheProjet.objects.select_related("commune", "cree_par"), pk=pk, commune=commune
    )


def _get_contact_for_user(commune, pk) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related("commune"),
        pk=pk,
        commune=commune,
        etablissement__isnull=True,
    )


def _get_etablissement_for_user(commune, pk) -> Etablissement:
    return get_object_or_404(
        Etablissement.objects.select_related("commune"), pk=pk, commune=commune
    )


def _get_document_for_user(commune, pk) -> Document:
    return get_object_or_404(Document.objects.select_related("commune"), pk=pk, commune=commune)


def _page(request, gabarit, section, **contexte):
    contexte.update(
        commune=request.commune,
        communes_utilisateur=request.communes,
        section=section,
        lecture_seule=request.lecture_seule,
    )
    return render(request, gabarit, contexte)


def _erreurs(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- « Voir comme la commune »: staff read a commune's portal, recorded --------------------


@reserve_personnel
@require_POST
def voir_comme(request, code_insee):
    """Open a commune's portal as it sees it, read-only; every use is recorded."""
    commune = get_object_or_404(Commune, code_insee=code_insee)
    ConsultationCommeLaCommune.objects.create(par=request.user, commune=commune)
    request.session[CLE_VOIR_COMME] = commune.code_insee
    return redirect("portail:accueil", code_insee=commune.code_insee)


@reserve_personnel
@require_POST
def voir_comme_quitter(request):
    code_insee = request.session.pop(CLE_VOIR_COMME, None)
    messages.info(request, "Vous avez quitté l'espace de la commune.")
    if code_insee and a_le_role(request.user, DSI):
        return redirect("membres:acces_commune", code_insee=code_insee)
    return redirect("accueil")


# --- Choosing a commune ---------------------------------------------------------------------


@login_required
def choisir(request):
    """/portail/: straight to the user's commune, or a choice when it has several."""
    communes = list(communes_du_portail(request.user).order_by("nom"))
    if len(communes) == 1:
        return redirect("portail:accueil", code_insee=communes[0].code_insee)
    if not communes and request.user.is_staff:
        return redirect("accueil")  # staff have their role's home
    return render(request, "portail/choisir.html", {"communes": communes})


# --- Home: adhesion, renewal (M3), notice (M4), contacts (M5) -----------------------------


@portail
def accueil(request, commune):
    aujourdhui = timezone.localdate()
    adhesions = list(commune.adhesions.order_by("-date_effet"))
    actuelles = [a for a in adhesions if not a.dernier_jour or a.dernier_jour >= aujourdhui]
    en_vigueur = [a for a in actuelles if a.date_effet <= aujourdhui]
    anciennes = [a for a in adhesions if a not in actuelles]
    # M4: the adhesion in force that a résiliation notified today would end.
    sans_preavis = [a for a in en_vigueur if not a.resiliation_notifiee_le and not a.dernier_jour]
    preavis = [a for a in actuelles if a.resiliation_notifiee_le]
    contacts = list(commune.contacts.filter(etablissement__isnull=True).order_by("nom"))
    return _page(
        request,
        "portail/accueil.html",
        "accueil",
        a_faire=_a_faire(commune, aujourdhui, en_vigueur, contacts),
        aujourdhui=aujourdhui,
        actuelles=actuelles,
        anciennes=anciennes,
        fin_si_resiliation=Adhesion.fin_apres_preavis(aujourdhui) if sans_preavis else None,
        preavis=preavis,
        contacts=contacts,
        # B11: "à jour", or what is due and since when.
        paiements=recouvrement.situation_du_membre(_titres_emis(commune), jour=aujourdhui),
    )


def _a_faire(commune, aujourdhui, en_vigueur, contacts) -> dict:
    """The secretary's « à faire »: what is due and why, next year's estimate for the budget
    (art. 4.2.3), needs and documents to provide, the next renewal; a fixed number of queries."""
    annee = aujourdhui.year
    courante = contributions(annee, [commune]).get(commune.pk) if en_vigueur else None
    titres_annee = (
        _titres_emis(commune)
        .filter(exercice=annee)
        .aggregate(nombre=Count("pk"), total=Sum("total"))
    )
    besoins = list(
        AdhesionGroupement.objects.de_commune(commune)
        .filter(
            retrait_notifie_le__isnull=True,
            besoins_declares_le__isnull=True,
            groupement__consultation_lancee_le__isnull=True,
        )
        .select_related("groupement", "etablissement", "commune")
        .order_by("groupement__date_limite_besoins", "pk")
    )
    reconductions = [a.prochaine_reconduction(aujourdhui) for a in en_vigueur]
    return {
        "courante": courante,
        "titres_annee": titres_annee,
        "estimation": estimer_annee_suivante(commune, annee, courante) if en_vigueur else None,
        "besoins": besoins,
        "brouillons": FicheProjet.objects.filter(
            commune=commune, statut=FicheProjet.Statut.BROUILLON
        ).count(),
        "demande_en_attente": DemandeModification.objects.filter(
            commune=commune, statut=DemandeModification.Statut.EN_ATTENTE
        ).exists(),
        "sans_contact": not any(c.email for c in contacts),
        "reconduction": min((r for r in reconductions if r), default=None),
    }


# --- What we owe: this year's estimate and the past years (T1–T9) --------------------------


def _annees_adhesion(adhesions, jusqu_a: int) -> list[int]:
    """Years (up to `jusqu_a`) in which at least one adhesion was in force (T8: whole years)."""
    annees = set()
    for adhesion in adhesions:
        fin = adhesion.dernier_jour.year if adhesion.dernier_jour else jusqu_a
        annees.update(range(adhesion.date_effet.year, min(fin, jusqu_a) + 1))
    return sorted(annees, reverse=True)


def _titres_par_annee(commune) -> dict[int, list]:
    """The issued titres that bill a year (contribution and its corrections), by year."""
    par_annee: dict[int, list] = {}
    for titre in (
        _titres_emis(commune).filter(annee__isnull=False).order_by("date_emission", "numero")
    ):
        par_annee.setdefault(titre.annee, []).append(titre)
    return par_annee


@portail
def contribution(request, commune):
    annee = timezone.localdate().year
    adhesions = list(commune.adhesions.order_by("date_effet"))
    annees = _annees_adhesion(adhesions, annee)
    # One calculation per year, through the campaign's own code path (so the page and the
    # titre always agree); a handful of queries per year, whatever the data.
    par_annee = [contributions(a, [commune])[commune.pk] for a in annees]
    # T6: the niveau 1 mode and the shared pool's use of each year (two queries a year).
    volumes = {a: etat_du_volume(a) for a in annees}
    titres_par_annee = _titres_par_annee(commune)
    courante = par_annee[0] if par_annee and par_annee[0].annee == annee else None
    passees = [
        (c, titres_par_annee.get(c.annee, []), volumes[c.annee])
        for c in par_annee
        if c.annee != annee
    ]
    audits = [a for a in adhesions if a.audit]
    prix_audits = prix_audits_retenus(audits) if audits else {}
    return _page(
        request,
        "portail/contribution.html",
        "contribution",
        annee=annee,
        courante=courante,
        volume_courant=volumes.get(annee),
        passees=passees,
        audits=[(a, prix_audits.get(a.pk)) for a in audits],
        titres_courante=titres_par_annee.get(annee, []),
    )


# --- Titres de recettes (B1–B5) -----------------------------------------------------------


def _titres_emis(commune):
    # The commune's own titres and those of its établissements (M7: the commune is set too).
    return TitreDeRecettes.objects.emis().filter(commune=commune)


def _get_titre_for_user(commune, pk):
    return get_object_or_404(_titres_emis(commune), pk=pk)


@portail
def titres(request, commune):
    liste = list(
        _titres_emis(commune)
        .select_related("etablissement", "corrige")
        .prefetch_related("lignes")
        .order_by("-date_emission", "-exercice", "-numero")
    )
    # B11: each titre's state and what remains (one query for all).
    suivis = recouvrement.situations_par_titre(_titres_emis(commune))
    for titre in liste:
        titre.recouvrement = suivis.get(titre.pk)
    return _page(request, "portail/titres.html", "titres", titres=liste)


@portail
def titre_pdf(request, commune, pk):
    titre = _get_titre_for_user(commune, pk)
    if not titre.pdf:
        raise Http404("Le PDF de ce titre est en cours de production.")
    return _fichier(titre.pdf, "application/pdf", nom=titre.nom_fichier_pdf())


# --- Niveau 1: missions and half-days against the allowance (T6) --------------------------


def _annee_demandee(request, defaut: int) -> int:
    try:
        annee = int(request.GET.get("annee", defaut))
    except ValueError:
        return defaut
    return annee if 2000 <= annee <= defaut + 1 else defaut


@portail
def niveau1(request, commune):
    aujourdhui = timezone.localdate()
    annee = _annee_demandee(request, aujourdhui.year)
    adhesions = list(commune.adhesions.order_by("date_effet"))
    annees = _annees_adhesion(adhesions, aujourdhui.year) or [aujourdhui.year]
    bilan = bilan_niveau1(annee, communes=[commune.pk])
    solde = bilan.solde(commune)
    missions = list(
        Mission.objects.filter(commune=commune)
        .exclude(statut=Mission.Statut.BROUILLON)
        .annotate(
            demi_journees_annee=Sum(
                "interventions__demi_journees", filter=Q(interventions__date__year=annee)
            ),
            demi_journees_total=Sum("interventions__demi_journees"),
        )
        .order_by("-debut", "-pk")
    )
    interventions = list(
        Intervention.objects.filter(mission__commune=commune, date__year=annee)
        .select_related("mission")
        .order_by("-date", "-pk")
    )
    return _page(
        request,
        "portail/niveau1.html",
        "niveau1",
        annee=annee,
        annees=annees,
        bilan=bilan,
        solde=solde,
        missions=missions,
        interventions=interventions,
    )


def _get_mission_for_user(commune, pk):
    # A draft lettre de mission is not shown to the member until it is signed.
    return get_object_or_404(
        Mission.objects.select_related("commune").exclude(statut=Mission.Statut.BROUILLON),
        pk=pk,
        commune=commune,
    )


@portail
def lettre_mission(request, commune, pk):
    # WeasyPrint takes about half a second to import: only when a lettre is asked for.

    mission = _get_mission_for_user(commune, pk)
    reponse = HttpResponse(rendre_lettre_mission(mission), content_type="application/pdf")
    reponse["Content-Disposition"] = (
        f'attachment; filename="lettre-de-mission-{mission.reference}.pdf"'
    )
    return reponse


# --- Fiches projet (annexe 3, R3) ---------------------------------------------------------


@portail
def fiches(request, commune):
    liste = list(
        FicheProjet.objects.filter(commune=commune)
        .select_related("cree_par")
        .order_by("-modifie_le")
    )
    return _page(request, "portail/fiches.html", "fiches", fiches=liste)


@portail
def fiche_nouvelle(request, commune):
    form = FicheProjetForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        fiche = form.save(commit=False)
        fiche.commune = commune
        fiche.cree_par = request.user
        fiche.save()
        messages.success(
            request, "Brouillon enregistré. Vous pourrez le compléter puis le soumettre."
        )
        return redirect("portail:fiche", code_insee=commune.code_insee, pk=fiche.pk)
    return _page(request, "portail/fiche_form.html", "fiches", form=form, fiche=None)


@portail
def fiche(request, commune, pk):
    fiche = _get_fiche_for_user(commune, pk)
    return _page(
        request, "portail/fiche.html", "fiches", fiche=fiche, form=FicheProjetForm(instance=fiche)
    )


@portail
def fiche_modifier(request, commune, pk):
    fiche = _get_fiche_for_user(commune, pk)
    if not fiche.modifiable:
        messages.error(request, "Cette fiche a été soumise : seule la DSI peut encore la modifier.")
        return redirect("portail:fiche", code_insee=commune.code_insee, pk=fiche.pk)
    form = FicheProjetForm(data=request.POST or None, instance=fiche)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Brouillon enregistré.")
        return redirect("portail:fiche", code_insee=commune.code_insee, pk=fiche.pk)
    return _page(request, "portail/fiche_form.html", "fiches", form=form, fiche=fiche)


@portail
@require_POST
def fiche_soumettre(request, commune, pk):
    fiche = _get_fiche_for_user(commune, pk)
    try:
        actes.soumettre_fiche(fiche=fiche, par=request.user)
    except ValidationError as exc:
        for message in _erreurs(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            "Fiche projet soumise à la DSI. Vous serez informé par courriel de la décision.",
        )
    return redirect("portail:fiche", code_insee=commune.code_insee, pk=fiche.pk)


# --- Contacts (M5) and billing identifiers (B8) -------------------------------------------


@portail
def contacts(request, commune):
    etablissements = list(commune.etablissements.order_by("nom"))
    demandes = list(
        DemandeModification.objects.filter(commune=commune)
        .select_related("etablissement", "demandee_par", "traitee_par")
        .order_by("-demandee_le")[:20]
    )
    en_attente = {d.etablissement_id: d for d in demandes if d.statut == d.Statut.EN_ATTENTE}
    membres = [(commune, None, en_attente.get(None))] + [
        (e, e.pk, en_attente.get(e.pk)) for e in etablissements
    ]
    historique = list(
        Contact.history.filter(commune_id=commune.pk, etablissement_id__isnull=True)
        .select_related("history_user")
        .order_by("-history_date")[:10]
    )
    return _page(
        request,
        "portail/contacts.html",
        "contacts",
        historique=historique,
        contacts=list(commune.contacts.filter(etablissement__isnull=True).order_by("nom")),
        membres=membres,
        demandes=demandes,
    )


@portail
def contact_nouveau(request, commune):
    return _contact_form(request, commune, Contact(commune=commune))


@portail
def contact_modifier(request, commune, pk):
    return _contact_form(request, commune, _get_contact_for_user(commune, pk))


def _contact_form(request, commune, contact):
    form = ContactForm(data=request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            actes.enregistrer_contact(contact=form.instance, par=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Contact « {form.instance} » enregistré.")
            return redirect("portail:contacts", code_insee=commune.code_insee)
    return _page(request, "portail/contact_form.html", "contacts", form=form, contact=contact)


@portail
def contact_supprimer(request, commune, pk):
    contact = _get_contact_for_user(commune, pk)
    erreurs = []
    if request.method == "POST":
        try:
            actes.supprimer_contact(contact=contact, par=request.user)
        except ValidationError as exc:
            erreurs = _erreurs(exc)
        else:
            messages.success(request, f"Contact « {contact} » supprimé.")
            return redirect("portail:contacts", code_insee=commune.code_insee)
    return _page(
        request, "portail/contact_supprimer.html", "contacts", contact=contact, erreurs=erreurs
    )


@portail
def facturation(request, commune):
    return _facturation(request, commune, None)


@portail
def facturation_etablissement(request, commune, pk):
    return _facturation(request, commune, _get_etablissement_for_user(commune, pk))


def _facturation(request, commune, etablissement):
    membre = etablissement or commune
    initial = {
        "siret": membre.siret,
        "code_service_chorus": membre.code_service_chorus,
        "reference_engagement": membre.reference_engagement,
    }
    form = FacturationForm(data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actes.demander_modification_facturation(
                commune=commune, etablissement=etablissement, par=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Demande enregistrée : les nouveaux identifiants s'appliqueront aux titres "
                "dès que la DSI les aura validés.",
            )
            return redirect("portail:contacts", code_insee=commune.code_insee)
    en_attente = DemandeModification.objects.filter(
        commune=commune, etablissement=etablissement, statut=DemandeModification.Statut.EN_ATTENTE
    ).first()
    return _page(
        request,
        "portail/facturation.html",
        "contacts",
        form=form,
        membre=membre,
        etablissement=etablissement,
        en_attente=en_attente,
    )


# --- Audit, inventory and register (A1–A3); exit (A4) ---------------------------------------


@portail
def audit(request, commune):
    """A1 — the member's audits: their state, findings, recommendations and report, and after
    delivery the date until which the socle complet still deducts the audit (T5); A2, A3 —
    its inventory and what was transferred to the EPCI."""
    audits = list(
        Audit.objects.filter(commune=commune)
        .select_related("adhesion", "rapport")
        .prefetch_related("constats", "preconisations")
        .order_by("-demande_le", "-pk")
    )
    factures = [a.adhesion for a in audits if a.est_facture and a.livre_le]
    prix = prix_audits_retenus(factures) if factures else {}
    # T5 only matters while the member has no socle complet (current or to come).
    socle = commune.adhesions.filter(formule=Formule.SOCLE_COMPLET, dernier_jour__isnull=True)
    a_le_socle = socle.exists()
    biens = list(
        Bien.objects.filter(commune=commune)
        .select_related("transfert")
        .order_by("categorie", "designation", "pk")
    )
    contrats = list(
        Contrat.objects.filter(commune=commune)
        .select_related("transfert")
        .order_by("fournisseur", "objet", "pk")
    )
    return _page(
        request,
        "portail/audit.html",
        "audit",
        audits=[(a, prix.get(a.adhesion_id)) for a in audits],
        a_le_socle=a_le_socle,
        aujourdhui=timezone.localdate(),
        biens=biens,
        contrats=contrats,
    )


def _adhesion_resiliee(commune):
    return (
        commune.adhesions.filter(
            motif_fin=Adhesion.MotifFin.RESILIATION, dernier_jour__isnull=False
        )
        .select_related("etat_de_sortie__titre")
        .order_by("-dernier_jour")
        .first()
    )


@portail
def sortie(request, commune):
    """A4 — the member's état de sortie once the DSI validated it (a draft is the DSI's work in
    progress); until then, what the register gives at its last day (or, without a résiliation,
    at the last day a notification today would give, M4), as an estimate."""
    aujourdhui = timezone.localdate()
    preavis = _adhesion_resiliee(commune)
    etat = getattr(preavis, "etat_de_sortie", None) if preavis else None
    if etat is not None and etat.statut == EtatDeSortie.Statut.BROUILLON:
        etat = None
    lignes = list(etat.lignes.order_by("ordre", "pk")) if etat else []
    dernier_jour = (
        preavis.dernier_jour
        if preavis and preavis.dernier_jour >= aujourdhui
        else Adhesion.fin_apres_preavis(aujourdhui)
    )
    return _page(
        request,
        "portail/sortie.html",
        "sortie",
        preavis=preavis if preavis and preavis.dernier_jour >= aujourdhui else None,
        etat=etat,
        facturees=[ligne for ligne in lignes if ligne.facturee],
        pour_memoire=[ligne for ligne in lignes if not ligne.facturee],
        simulation=None if etat else sortie_patrimoine.simuler(commune, dernier_jour),
        aujourdhui=aujourdhui,
    )


# --- Documents (M2) -----------------------------------------------------------------------


@portail
def documents(request, commune):
    liste = list(
        Document.objects.filter(commune=commune)
        .select_related("adhesion")
        .order_by("type", "-depose_le")
    )
    groupes: dict[str, list[Document]] = {}
    for document in liste:
        groupes.setdefault(document.get_type_display(), []).append(document)
    # Signed lettres de mission, rendered on demand from the mission (missions/pdf.py).
    lettres = list(
        Mission.objects.filter(commune=commune)
        .exclude(statut=Mission.Statut.BROUILLON)
        .order_by("-debut", "-pk")
    )
    return _page(request, "portail/documents.html", "documents", groupes=groupes, lettres=lettres)


@portail
def document(request, commune, pk):
    document = _get_document_for_user(commune, pk)
    return _fichier(document.fichier, document.type_mime)


def _fichier(fichier, type_mime="application/octet-stream", nom=None):
    if not fichier:
        raise Http404("Fichier introuvable.")
    try:
        flux = fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    return FileResponse(
        flux,
        as_attachment=True,
        filename=nom or fichier.name.rsplit("/", 1)[-1],
        content_type=type_mime or "application/octet-stream",
    )
