"""DSI pages of audits, inventories, the register of transfers and the états de sortie (A1–A4).

Thin function-based views: the rules are in the models and ``patrimoine/calculs.py``, the acts
in ``patrimoine/actes.py``. Rights: DSI staff with this app's permissions; the finance officer
also opens an état de sortie and issues it (``tarification.emettre_titres``). Anyone else gets
a 403. Every page runs a fixed number of queries whatever the size of the register.
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from membres.models import Adhesion, Commune
from outils.formats import de_commune
from outils.requetes import compte
from patrimoine import actes, exports, sortie
from patrimoine.forms import (
    DateForm,
    ImportForm,
    LigneForm,
    LivraisonForm,
    PlanifierForm,
    SimulationForm,
    ValidationForm,
)
from patrimoine.inventaire import ImportInvalide, importer
from patrimoine.models import (
    Audit,
    Bien,
    Contrat,
    EtatDeSortie,
    LigneEtatDeSortie,
    TransfertBien,
    TransfertContrat,
)
from securite.roles import reserve_personnel
from tarification.titres import confirmation
from tarification.titres.confirmation import confirme, page_confirmation

VOIR = "patrimoine.view_audit"
MODIFIER_AUDIT = "patrimoine.change_audit"
IMPORTER = "patrimoine.add_bien"
VOIR_SORTIE = "patrimoine.view_etatdesortie"
CALCULER_SORTIE = "patrimoine.change_etatdesortie"
VALIDER_SORTIE = "patrimoine.valider_etatdesortie"
EMETTRE = "tarification.emettre_titres"
MEMBRES_PAR_PAGE = 50


def dsi_requis(*permissions, une_suffit=False):
    """A role of the service (``reserve_personnel``: login, second factor, DSI or finance),
    then the model permissions the page needs (all of them, or one of them)."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            droits = [request.user.has_perm(p) for p in permissions]
            if not (any(droits) if une_suffit else all(droits)):
                raise PermissionDenied("Page réservée aux agents habilités.")
            return vue(request, *args, **kwargs)

        return reserve_personnel(enveloppe)

    return decorateur


def _get_commune_for_user(user, code_insee) -> Commune:
    if not user.is_staff:
        raise Http404("Commune introuvable.")
    return get_object_or_404(Commune, code_insee=code_insee)


def _get_audit_for_user(user, pk) -> Audit:
    if not user.is_staff:
        raise Http404("Audit introuvable.")
    return get_object_or_404(Audit.objects.select_related("commune", "adhesion", "rapport"), pk=pk)


def _get_etat_for_user(user, pk) -> EtatDeSortie:
    if not user.is_staff:
        raise Http404("État de sortie introuvable.")
    return get_object_or_404(
        EtatDeSortie.objects.select_related(
            "adhesion__commune", "titre", "calcule_par", "valide_par"
        ),
        pk=pk,
    )


def _messages_erreur(request, erreur: ValidationError) -> None:
    for message in erreur.messages:
        messages.error(request, message)


# --- The register of the whole service -----------------------------------------------------


@dsi_requis(VOIR, VOIR_SORTIE, une_suffit=True)
def registre(request):
    """A2, A3 — every member with an audit, an inventory or a transfer, and the members in
    préavis with their état de sortie (where the finance officer finds the états to issue)."""
    jour = timezone.localdate()
    communes = (
        Commune.objects.filter(
            Exists(Audit.objects.filter(commune=OuterRef("pk")))
            | Exists(Bien.objects.filter(commune=OuterRef("pk")))
            | Exists(Contrat.objects.filter(commune=OuterRef("pk")))
        )
        .annotate(
            nb_audits=compte(Audit.objects.all(), "commune"),
            nb_biens=compte(Bien.objects.all(), "commune"),
            nb_contrats=compte(Contrat.objects.all(), "commune"),
            nb_biens_transferes=compte(TransfertBien.objects.all(), "bien__commune"),
            nb_contrats_portes=compte(
                TransfertContrat.objects.filter(sort__in=TransfertContrat.Sort.portes_par_epci()),
                "contrat__commune",
            ),
        )
        .order_by("nom")
    )
    page = Paginator(communes, MEMBRES_PAR_PAGE).get_page(request.GET.get("page"))
    preavis = list(
        Adhesion.objects.filter(motif_fin=Adhesion.MotifFin.RESILIATION, dernier_jour__gte=jour)
        .select_related("commune", "etat_de_sortie")
        .order_by("dernier_jour", "commune__nom")
    )
    return render(
        request,
        "patrimoine/registre.html",
        {
            "page": page,
            "preavis": preavis,
            "jour": jour,
            "voit_registre": request.user.has_perm(VOIR),
        },
    )


@dsi_requis(VOIR)
def registre_csv(request):
    jour = timezone.localdate()
    return exports.reponse_csv(f"registre-{jour:%Y-%m-%d}.csv", jour=jour)


@dsi_requis(VOIR)
def registre_xlsx(request):
    jour = timezone.localdate()
    return exports.reponse_xlsx(f"registre-{jour:%Y-%m-%d}.xlsx", jour=jour)


# --- One member ---------------------------------------------------------------------------


def _adhesion_en_preavis(commune, jour: date) -> Adhesion | None:
    return (
        Adhesion.objects.filter(
            commune=commune, motif_fin=Adhesion.MotifFin.RESILIATION, dernier_jour__isnull=False
        )
        .select_related("etat_de_sortie__titre")
        .order_by("-dernier_jour")
        .first()
    )


def simulation_par_defaut(commune, jour: date, preavis: Adhesion | None) -> date:
    """The last day to simulate: the notified one, else M4's if notified today."""
    if preavis is not None and preavis.dernier_jour >= jour:
        return preavis.dernier_jour
    return Adhesion.fin_apres_preavis(jour)


@dsi_requis(VOIR)
def membre(request, code_insee):
    """A1–A4 for one member: its audits, inventory, transfers, and what it would owe if it
    left on a given day (the état de sortie once in préavis)."""
    commune = _get_commune_for_user(request.user, code_insee)
    jour = timezone.localdate()
    preavis = _adhesion_en_preavis(commune, jour)
    form = SimulationForm(
        data=request.GET or None,
        initial={"dernier_jour": simulation_par_defaut(commune, jour, preavis)},
    )
    dernier_jour = (
        form.cleaned_data["dernier_jour"]
        if form.is_bound and form.is_valid()
        else simulation_par_defaut(commune, jour, preavis)
    )
    audits = list(
        Audit.objects.filter(commune=commune)
        .select_related("rapport")
        .annotate(nb_constats=Count("constats", distinct=True))
        .annotate(nb_preconisations=Count("preconisations", distinct=True))
        .order_by("-demande_le", "-pk")
    )
    biens = list(
        Bien.objects.filter(commune=commune)
        .select_related("transfert", "audit")
        .order_by("categorie", "designation", "pk")
    )
    for bien in biens:
        transfert = getattr(bien, "transfert", None)
        bien.valeur_restante = transfert.valeur_restante(jour).montant if transfert else None
    contrats = list(
        Contrat.objects.filter(commune=commune)
        .select_related("transfert", "bien")
        .order_by("fournisseur", "objet", "pk")
    )
    etat = getattr(preavis, "etat_de_sortie", None) if preavis else None
    return render(
        request,
        "patrimoine/membre.html",
        {
            "commune": commune,
            "jour": jour,
            "audits": audits,
            "biens": biens,
            "contrats": contrats,
            "preavis": preavis,
            "etat": etat,
            "form": form,
            "simulation": sortie.simuler(commune, dernier_jour),
            "peut_importer": request.user.has_perm(IMPORTER),
            "peut_calculer": preavis is not None
            and (etat is None or etat.modifiable)
            and request.user.has_perm(CALCULER_SORTIE),
        },
    )


@dsi_requis(VOIR)
def membre_csv(request, code_insee):
    commune = _get_commune_for_user(request.user, code_insee)
    jour = timezone.localdate()
    return exports.reponse_csv(
        f"registre-{commune.code_insee}-{jour:%Y-%m-%d}.csv", commune=commune, jour=jour
    )


@dsi_requis(VOIR)
def membre_xlsx(request, code_insee):
    commune = _get_commune_for_user(request.user, code_insee)
    jour = timezone.localdate()
    return exports.reponse_xlsx(
        f"registre-{commune.code_insee}-{jour:%Y-%m-%d}.xlsx", commune=commune, jour=jour
    )


@dsi_requis(IMPORTER, "patrimoine.add_contrat")
def inventaire_importer(request, code_insee):
    """A2 — an inventory from a spreadsheet, all or nothing."""
    commune = _get_commune_for_user(request.user, code_insee)
    audits = list(Audit.objects.filter(commune=commune).order_by("-demande_le"))
    form = ImportForm(data=request.POST or None, files=request.FILES or None, audits=audits)
    erreurs = []
    if request.method == "POST" and form.is_valid():
        audit = next((a for a in audits if a.pk == form.cleaned_data["audit"]), None)
        try:
            resultat = importer(
                fichier=form.cleaned_data["fichier"],
                genre=form.cleaned_data["genre"],
                commune=commune,
                audit=audit,
                par=request.user,
            )
        except ImportInvalide as erreur:
            erreurs = erreur.messages
        else:
            messages.success(
                request,
                f"{len(resultat.objets)} {resultat.genre} importé(s) à l'inventaire de "
                f"{commune.nom}.",
            )
            return redirect("patrimoine:membre", code_insee=commune.code_insee)
    return render(
        request,
        "patrimoine/importer.html",
        {"commune": commune, "form": form, "erreurs": erreurs},
    )


# --- Audits (A1) --------------------------------------------------------------------------

ETAPES = {
    # step → its success message
    "planifier": "Audit planifié.",
    "commencer": "Début de l'audit enregistré.",
    "livrer": "Remise du rapport enregistrée.",
    "valider_inventaire": "Inventaire validé.",
    "clore": "Audit clos.",
}


def _formulaires_audit(audit: Audit, data=None, files=None, etape=None) -> dict:
    """The forms of the steps this audit can take now (bound for ``etape``)."""

    def lie(nom):
        return data if nom == etape else None

    statut = audit.statut
    formulaires = {}
    if statut in (Audit.Statut.DEMANDE, Audit.Statut.PLANIFIE):
        formulaires["planifier"] = PlanifierForm(
            data=lie("planifier"),
            initial={"du": audit.planifie_du, "au": audit.planifie_au},
            prefix="planifier",
        )
        formulaires["commencer"] = DateForm(
            data=lie("commencer"), libelle="Audit commencé le", prefix="commencer"
        )
    if statut == Audit.Statut.EN_COURS:
        formulaires["livrer"] = LivraisonForm(
            data=lie("livrer"), files=files if etape == "livrer" else None, prefix="livrer"
        )
    if statut == Audit.Statut.LIVRE:
        if audit.inventaire_valide_le is None:
            formulaires["valider_inventaire"] = DateForm(
                data=lie("valider_inventaire"),
                libelle="Inventaire validé le",
                prefix="valider_inventaire",
            )
        formulaires["clore"] = DateForm(data=lie("clore"), libelle="Audit clos le", prefix="clore")
    return formulaires


@dsi_requis(VOIR)
def audit(request, pk):
    audit = _get_audit_for_user(request.user, pk)
    return _page_audit(request, audit, _formulaires_audit(audit))


def _page_audit(request, audit, formulaires):
    constats = list(audit.constats.all())
    preconisations = list(audit.preconisations.all())
    return render(
        request,
        "patrimoine/audit.html",
        {
            "audit": audit,
            "formulaires": formulaires if request.user.has_perm(MODIFIER_AUDIT) else {},
            "constats": constats,
            "preconisations": preconisations,
            "nb_biens": audit.biens.count(),
            "nb_contrats": audit.contrats.count(),
        },
    )


@require_POST
@dsi_requis(VOIR, MODIFIER_AUDIT)
def audit_etape(request, pk, etape):
    audit = _get_audit_for_user(request.user, pk)
    if etape not in ETAPES:
        raise Http404("Étape inconnue.")
    formulaires = _formulaires_audit(audit, request.POST, request.FILES, etape)
    form = formulaires.get(etape)
    if form is None:
        messages.error(
            request,
            f"Cette étape n'est pas possible : l'audit est « {audit.get_statut_display()} ».",
        )
        return redirect("patrimoine:audit", pk=audit.pk)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if etape == "planifier":
                actes.planifier_audit(audit=audit, du=d["du"], au=d["au"], par=request.user)
            elif etape == "commencer":
                actes.commencer_audit(audit=audit, le=d["le"], par=request.user)
            elif etape == "livrer":
                actes.livrer_rapport(
                    audit=audit, le=d["le"], rapport=d.get("rapport"), par=request.user
                )
            elif etape == "valider_inventaire":
                actes.valider_inventaire(audit=audit, le=d["le"], par=request.user)
            else:
                actes.clore_audit(audit=audit, le=d["le"], par=request.user)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, ETAPES[etape])
            return redirect("patrimoine:audit", pk=audit.pk)
    return _page_audit(request, audit, formulaires)


# --- États de sortie (A4) -----------------------------------------------------------------


@require_POST
@dsi_requis(VOIR_SORTIE, CALCULER_SORTIE)
def sortie_calculer(request, code_insee):
    commune = _get_commune_for_user(request.user, code_insee)
    preavis = _adhesion_en_preavis(commune, timezone.localdate())
    if preavis is None:
        messages.error(
            request,
            f"{commune.nom} n'a pas notifié de résiliation : un état de sortie s'établit pour un "
            "membre en préavis (art. 2.4).",
        )
        return redirect("patrimoine:membre", code_insee=commune.code_insee)
    try:
        etat = actes.calculer_etat_de_sortie(adhesion=preavis, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
        return redirect("patrimoine:membre", code_insee=commune.code_insee)
    messages.success(request, "État de sortie calculé depuis le registre.")
    return redirect("patrimoine:sortie", pk=etat.pk)


@dsi_requis(VOIR_SORTIE, EMETTRE, une_suffit=True)
def etat_sortie(request, pk, form_ligne=None, form_validation=None):
    etat = _get_etat_for_user(request.user, pk)
    lignes = list(
        etat.lignes.select_related("transfert_contrat__contrat", "transfert_bien__bien").order_by(
            "ordre", "pk"
        )
    )
    user = request.user
    modifiable = etat.modifiable and user.has_perm(CALCULER_SORTIE)
    peut_valider = etat.modifiable and user.has_perm(VALIDER_SORTIE)
    if peut_valider and form_validation is None:
        form_validation = ValidationForm(initial={"empreinte": etat.empreinte(lignes)})
    if modifiable and form_ligne is None:
        form_ligne = LigneForm(commune=etat.commune)
    return render(
        request,
        "patrimoine/sortie.html",
        {
            "etat": etat,
            "commune": etat.commune,
            "lignes": lignes,
            "facturees": [ligne for ligne in lignes if ligne.facturee],
            "pour_memoire": [ligne for ligne in lignes if not ligne.facturee],
            "modifiable": modifiable,
            "form_ligne": form_ligne if modifiable else None,
            "form_validation": form_validation if peut_valider else None,
            "peut_rouvrir": etat.statut == EtatDeSortie.Statut.VALIDE
            and user.has_perm(VALIDER_SORTIE),
            "peut_emettre": etat.statut == EtatDeSortie.Statut.VALIDE and user.has_perm(EMETTRE),
        },
    )


@require_POST
@dsi_requis(VOIR_SORTIE, CALCULER_SORTIE)
def sortie_recalculer(request, pk):
    etat = _get_etat_for_user(request.user, pk)
    try:
        actes.calculer_etat_de_sortie(adhesion=etat.adhesion, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, "État de sortie recalculé depuis le registre.")
    return redirect("patrimoine:sortie", pk=etat.pk)


@require_POST
@dsi_requis(VOIR_SORTIE, CALCULER_SORTIE)
def sortie_ligne(request, pk):
    etat = _get_etat_for_user(request.user, pk)
    form = LigneForm(data=request.POST, commune=etat.commune)
    if form.is_valid():
        try:
            actes.ajouter_ligne(etat=etat, par=request.user, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, "Ligne ajoutée à l'état de sortie.")
            return redirect("patrimoine:sortie", pk=etat.pk)
    return etat_sortie(request, pk, form_ligne=form)


def _get_ligne_for_user(user, pk) -> LigneEtatDeSortie:
    if not user.is_staff:
        raise Http404("Ligne introuvable.")
    return get_object_or_404(LigneEtatDeSortie.objects.select_related("etat"), pk=pk)


@require_POST
@dsi_requis(VOIR_SORTIE, CALCULER_SORTIE)
def sortie_ligne_supprimer(request, pk):
    ligne = _get_ligne_for_user(request.user, pk)
    try:
        actes.supprimer_ligne(ligne=ligne, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, f"Ligne « {ligne.libelle} » supprimée.")
    return redirect("patrimoine:sortie", pk=ligne.etat_id)


@require_POST
@dsi_requis(VOIR_SORTIE, VALIDER_SORTIE)
def sortie_valider(request, pk):
    etat = _get_etat_for_user(request.user, pk)
    form = ValidationForm(data=request.POST)
    if form.is_valid():
        try:
            actes.valider_etat_de_sortie(
                etat=etat, empreinte=form.cleaned_data["empreinte"], par=request.user
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(
                request, "État de sortie validé : il peut être émis comme titre de frais de sortie."
            )
            return redirect("patrimoine:sortie", pk=etat.pk)
    return etat_sortie(request, pk, form_validation=form)


@require_POST
@dsi_requis(VOIR_SORTIE, VALIDER_SORTIE)
def sortie_rouvrir(request, pk):
    etat = _get_etat_for_user(request.user, pk)
    try:
        actes.rouvrir_etat_de_sortie(etat=etat, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
    else:
        messages.success(request, "État de sortie rouvert : il est de nouveau modifiable.")
    return redirect("patrimoine:sortie", pk=etat.pk)


@require_POST
@dsi_requis(EMETTRE)
def sortie_emettre(request, pk):
    """Art. 2.4 — the recap of the frais de sortie titre, then (« confirme ») its issue."""
    etat = _get_etat_for_user(request.user, pk)
    factures = [
        (ligne.libelle, ligne.montant)
        for ligne in etat.lignes.order_by("ordre", "pk")
        if ligne.facturee
    ]
    if not confirme(request) and etat.statut == EtatDeSortie.Statut.VALIDE and factures:
        try:
            recap = confirmation.frais_de_sortie(etat.adhesion, factures)
        except ValidationError as erreur:
            _messages_erreur(request, erreur)
            return redirect("patrimoine:sortie", pk=etat.pk)
        return page_confirmation(
            request,
            [recap],
            titre_page=f"Frais de sortie {de_commune(etat.adhesion.commune.nom)}",
            bouton="Émettre le titre de frais de sortie",
            retour=reverse("patrimoine:sortie", args=[etat.pk]),
            modifiable=False,
        )
    try:
        titre = actes.emettre_etat_de_sortie(etat=etat, par=request.user)
    except ValidationError as erreur:
        _messages_erreur(request, erreur)
        return redirect("patrimoine:sortie", pk=etat.pk)
    messages.success(
        request,
        f"Titre de frais de sortie n° {titre.numero} (exercice {titre.exercice}) émis.",
    )
    return redirect("patrimoine:sortie", pk=etat.pk)
