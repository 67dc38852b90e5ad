"""The « à traiter » counters of each staff role's home page. Each counter reads the database in
one or two queries whatever the data, and links to the list it counts, filtered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse

from groupements.models import Groupement
from membres.models import Adhesion, Commune, Population
from missions.models import Mission
from portail.models import DemandeModification, FicheProjet
from tarification.models import ApercuCampagne, ApercuMembre, Bordereau, Campagne

LIMITE_DETAILS = 8  # the first items of a counter shown under it; the link lists them all


@dataclass
class Compteur:
    libelle: str  # what is counted, read after the number: "1 fiche projet à décider"
    pluriel: str  # "2 fiches projet à décider"
    nombre: int
    lien: str  # the filtered list
    details: list[tuple[str, str]] = field(default_factory=list)  # (text, link)
    aide: str = ""

    @property
    def texte(self) -> str:
        return self.pluriel if self.nombre > 1 else self.libelle

    @property
    def a_traiter(self) -> bool:
        return self.nombre > 0


def _admin(modele: str, **filtres) -> str:
    url = reverse(f"admin:{modele}_changelist")
    if filtres:
        url += "?" + "&".join(f"{k}={v}" for k, v in filtres.items())
    return url


def _fiche_commune(commune_id: int) -> str:
    return reverse("admin:membres_commune_change", args=[commune_id])


# --- DSI -------------------------------------------------------------------------------------


def demandes_a_valider() -> Compteur:
    nombre = DemandeModification.objects.filter(
        statut=DemandeModification.Statut.EN_ATTENTE
    ).count()
    return Compteur(
        "demande d'identifiants de facturation à valider",
        "demandes d'identifiants de facturation à valider",
        nombre,
        _admin("portail_demandemodification", statut__exact="en_attente"),
    )


def fiches_a_decider() -> Compteur:
    statuts = [FicheProjet.Statut.SOUMISE, FicheProjet.Statut.A_L_ETUDE]
    nombre = FicheProjet.objects.filter(statut__in=statuts).count()
    return Compteur(
        "fiche projet à décider",
        "fiches projet à décider",
        nombre,
        _admin("portail_ficheprojet", statut__in=",".join(statuts)),
    )


def groupements_en_attente_de_besoins(jour: date) -> Compteur:
    """Groupements still collecting needs (consultation not launched) with members that have
    not declared theirs, with their deadline."""
    manquants = Count(
        "adhesions",
        filter=Q(
            adhesions__retrait_notifie_le__isnull=True,
            adhesions__besoins_declares_le__isnull=True,
        ),
    )
    groupements = list(
        Groupement.objects.ouverts()
        .annotate(manquants=manquants)
        .filter(manquants__gt=0)
        .order_by("date_limite_besoins", "objet")
    )
    details = []
    for g in groupements[:LIMITE_DETAILS]:
        echeance = (
            f" — date limite le {g.date_limite_besoins:%d/%m/%Y}"
            + (
                f" (dans {(g.date_limite_besoins - jour).days} j)"
                if g.date_limite_besoins >= jour
                else " (dépassée)"
            )
            if g.date_limite_besoins
            else ""
        )
        details.append(
            (
                f"{g.objet} : {g.manquants} membre{'s' if g.manquants > 1 else ''} sans "
                f"besoins déclarés{echeance}",
                reverse("groupements:tableau_de_bord", args=[g.pk]),
            )
        )
    return Compteur(
        "groupement en attente de besoins",
        "groupements en attente de besoins",
        len(groupements),
        reverse("groupements:liste"),
        details,
    )


def membres_bloques() -> Compteur:
    """Members whose billing is blocked, and why: read from the last stored campaign preview
    (computing a preview costs one contribution per member; the finance officer refreshes
    it)."""
    apercu = ApercuCampagne.objects.order_by("-annee", "-exercice").first()
    if apercu is None:
        return Compteur(
            "membre bloqué pour la facturation",
            "membres bloqués pour la facturation",
            0,
            _admin("membres_commune"),
            aide="Aucun aperçu de campagne n'a encore été calculé.",
        )
    bloques = list(
        ApercuMembre.objects.filter(apercu=apercu, statut=ApercuMembre.Statut.BLOQUE)
        .only("commune_id", "nom", "donnees")
        .order_by("nom")
    )
    details = [
        (
            f"{m.nom} : {' '.join((m.donnees or {}).get('anomalies', []))}",
            _fiche_commune(m.commune_id),
        )
        for m in bloques[:LIMITE_DETAILS]
    ]
    return Compteur(
        "membre bloqué pour la facturation",
        "membres bloqués pour la facturation",
        len(bloques),
        _admin("membres_commune"),
        details,
        aide=f"D'après l'aperçu de la campagne {apercu.annee} calculé le "
        f"{apercu.calcule_le:%d/%m/%Y}.",
    )


def populations_manquantes(jour: date) -> Compteur:
    """Members in force this year or next without a population for that year (P1)."""
    details = []
    communes = set()
    for annee in (jour.year, jour.year + 1):
        sans = list(
            Commune.objects.filter(
                Exists(Adhesion.objects.pour_annee(annee).filter(commune=OuterRef("pk")))
            )
            .exclude(Exists(Population.objects.filter(commune=OuterRef("pk"), annee=annee)))
            .order_by("nom")
            .values_list("pk", "nom")
        )
        communes.update(pk for pk, _ in sans)
        details += [(f"{nom} : population {annee}", _fiche_commune(pk)) for pk, nom in sans]
    return Compteur(
        "membre sans population",
        "membres sans population",
        len(communes),
        _admin("membres_population"),
        details[:LIMITE_DETAILS],
        aide=f"Populations municipales en vigueur en {jour.year} et {jour.year + 1} (P1).",
    )


def missions_sans_lettre() -> Compteur:
    nombre = Mission.objects.filter(statut=Mission.Statut.BROUILLON).count()
    return Compteur(
        "mission sans lettre signée",
        "missions sans lettre signée",
        nombre,
        _admin("missions_mission", statut__exact=Mission.Statut.BROUILLON),
    )


def pour_la_dsi(jour: date) -> list[Compteur]:
    return [
        demandes_a_valider(),
        fiches_a_decider(),
        groupements_en_attente_de_besoins(jour),
        membres_bloques(),
        populations_manquantes(jour),
        missions_sans_lettre(),
    ]


# --- Finance ---------------------------------------------------------------------------------


@dataclass
class ProchaineCampagne:
    annee: int
    emise: Campagne | None
    apercu: ApercuCampagne | None


def prochaine_campagne(jour: date) -> ProchaineCampagne:
    """The campaign that bills last year's contributions (issued early in the year), or this
    year's once last year's is issued."""
    campagnes = {
        c.annee: c
        for c in Campagne.objects.filter(annee__in=[jour.year - 1, jour.year]).order_by("lancee_le")
    }
    annee = jour.year if jour.year - 1 in campagnes else jour.year - 1
    apercu = ApercuCampagne.objects.filter(annee=annee).order_by("-calcule_le").first()
    return ProchaineCampagne(annee, campagnes.get(annee), apercu)


def bordereaux_en_attente() -> list[Compteur]:
    """Bordereaux whose PDFs are not all produced, and those not signed yet (the signed
    récapitulatif goes to the comptable with the export)."""
    lien = reverse("tarification:campagnes")
    pdf = list(
        Bordereau.objects.filter(Q(pdf_echecs__gt=0) | Q(pdf_rendus__lt=F("pdf_attendus")))
        .order_by("-exercice", "-numero")
        .only("exercice", "budget", "numero", "genre", "libelle")
    )
    a_signer = list(
        Bordereau.objects.filter(signe_le__isnull=True)
        .order_by("-exercice", "-numero")
        .only("exercice", "budget", "numero", "genre", "libelle")
    )

    def details(liste):
        return [(str(b), lien) for b in liste[:LIMITE_DETAILS]]

    return [
        Compteur(
            "bordereau aux PDF incomplets",
            "bordereaux aux PDF incomplets",
            len(pdf),
            lien,
            details(pdf),
        ),
        Compteur(
            "bordereau à signer et à transmettre",
            "bordereaux à signer et à transmettre",
            len(a_signer),
            lien,
            details(a_signer),
        ),
    ]


def pour_les_finances(jour: date) -> list[Compteur]:
    return bordereaux_en_attente()
