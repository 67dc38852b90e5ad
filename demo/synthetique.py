"""A synthetic but valid data set of any size, for the scale benchmark (``generer_donnees``).

N communes named "Commune synthétique 00042" in département "99" (INSEE's code for abroad: no
real commune has it), with populations for the years 2024–2027 spread over every bracket of
the grid (boundaries 1 499, 1 500, 2 999, 3 000, 8 000, 8 001 included; above 8 000 with the
tarif dérogatoire M6 asks for), adhésions of every kind (socle complet, audit delivered then
changed into the socle complet, groupement, socle annexe complet, résiliations, changes of
formula, an audit not delivered), contacts, établissements, niveau 1 missions with half-days
and groupements with members and needs.

Codes. The validator allows five digits (or 2A/2B + three): only a few thousand codes are used
by no real commune (00xxx, 96xxx, 99xxx, 2A/2B 400–999, 979xx, 980xx–983xx, 985xx); they are
taken first. Beyond them (N > ~6,000) codes are taken from the ordinary range, which real
communes use: ``generer`` refuses to run when one of them exists in the database. Never
generate synthetic data in a database holding real members.

Everything goes through ``bulk_create`` (no simple_history rows, no ``full_clean``: the values
are built valid, and ``tests/test_generer_donnees.py`` runs ``full_clean`` on every adhesion).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum import luhn

from groupements.models import AdhesionGroupement, Besoin, Groupement, PosteBesoin
from membres.models import (
    Adhesion,
    Commune,
    Contact,
    Etablissement,
    Formule,
    Population,
    TarifDerogatoire,
)
from missions.models import Intervention, Mission
from tarification.models import LigneTitre, TitreDeRecettes

PREFIXE = "Commune synthétique "
DEPARTEMENT = "99"
PREFIXE_GROUPEMENT = "Groupement synthétique "
PREFIXE_AGENT = "agent.synthetique."
ANNEES = (2024, 2025, 2026, 2027)
ANNEE_CAMPAGNE = 2026  # the campaign a benchmark previews and issues (exercice 2027)
LOT = 2000  # rows per INSERT

# Populations cycled over the communes: every bracket of art. 7 and its boundaries.
POPULATIONS = (87, 640, 1499, 1500, 2150, 2999, 3000, 4800, 8000, 8001, 15300, 62000)
SEUIL_DEROGATION = 8000  # above: tarif dérogatoire for socle complet, niveau 1 and audit (M6)

# The kind of membership, by commune index modulo 10.
SOCLE = (0, 1, 2, 3)  # socle complet since 2023
SOCLE_RESILIE = 4  # socle complet, résiliation notified 01/10/2025 (last day 30/09/2026)
AUDIT_PUIS_SOCLE = 5  # audit 2025 delivered 10/12/2025, socle complet from 01/04/2026 (T5)
GROUPEMENT = 6  # groupement since 2024; one in two ended by a résiliation in 2025
ANNEXE = 7  # socle annexe complet since 2026, audit delivered 15/06/2026
GROUPEMENT_PUIS_SOCLE = 8  # groupement 2023, changed into the socle complet on 01/01/2025
AUDIT_NON_LIVRE = 9  # audit since 02/2026, report not delivered (nothing in the campaign)


def _plages_libres():
    """INSEE-shaped codes no real commune uses (see the module docstring)."""
    for prefixe in ("00", "96", "99"):
        for i in range(1000):
            yield f"{prefixe}{i:03d}"
    for corse in ("2A", "2B"):
        for i in range(400, 1000):
            yield f"{corse}{i:03d}"
    for prefixe in ("979", "980", "981", "982", "983", "985"):
        for i in range(100):
            yield f"{prefixe}{i:02d}"


def codes_insee(nombre: int) -> list[str]:
    """``nombre`` distinct codes: the free ranges first, then 95999, 95998… downwards."""
    codes = []
    for code in _plages_libres():
        if len(codes) == nombre:
            return codes
        codes.append(code)
    pris = set(codes)
    valeur = 95999
    while len(codes) < nombre:
        code = f"{valeur:05d}"
        if code not in pris:
            codes.append(code)
        valeur -= 1
    return codes


def population(index: int) -> int:
    """Every (kind, bracket) pair appears within 120 consecutive communes."""
    return POPULATIONS[(index // 10 * 11 + index % 10) % len(POPULATIONS)]


def communes_synthetiques():
    return Commune.objects.filter(departement=DEPARTEMENT, nom__startswith=PREFIXE)


@dataclass
class Rapport:
    communes: int = 0
    lignes: dict[str, int] = field(default_factory=dict)
    duree: float = 0.0

    def __str__(self):
        details = ", ".join(f"{nom} {n}" for nom, n in self.lignes.items())
        return f"{self.communes} communes synthétiques en {self.duree:.1f} s ({details})"


class DonneesExistantes(Exception):
    """French message: why the generation refuses to run."""


def _creer(rapport: Rapport, modele, objets: list) -> list:
    crees = modele.objects.bulk_create(objets, batch_size=LOT)
    nom = str(modele._meta.verbose_name_plural)
    rapport.lignes[nom] = rapport.lignes.get(nom, 0) + len(crees)
    return crees


def _siren(i: int) -> str:
    """A synthetic SIREN with a valid key (B8: identifiers are checked by their key)."""
    debut = f"2{i:07d}"
    return debut + luhn.calc_check_digit(debut)


def _siret(siren: str, nic: str) -> str:
    debut = siren + nic
    return debut + luhn.calc_check_digit(debut)


def _adhesion(commune, formule, effet, deliberation, **extra) -> Adhesion:
    return Adhesion(
        commune=commune,
        formule=formule,
        deliberation_numero=f"SYN-{deliberation.year}-{commune.code_insee}",
        deliberation_date=deliberation,
        signature_membre_le=deliberation + timedelta(days=10),
        signature_epci_le=deliberation + timedelta(days=15),
        date_effet=effet,
        **extra,
    )


def _derogations(adhesion: Adhesion, habitants: int) -> list[TarifDerogatoire]:
    """M6 — above 8 000 inhabitants the convention fixes no price: a tarif dérogatoire."""
    if habitants <= SEUIL_DEROGATION:
        return []
    base = f"Avenant synthétique n° {adhesion.commune.code_insee}"
    lignes = []
    if adhesion.formule == Formule.SOCLE_COMPLET:
        montant = (Decimal(2500) + Decimal("1.20") * habitants).quantize(Decimal("0.01"))
        lignes += [
            TarifDerogatoire(
                adhesion=adhesion, service="socle_complet", montant=montant, base_legale=base
            ),
            TarifDerogatoire(
                adhesion=adhesion, service="niveau1", jours=Decimal("10.0"), base_legale=base
            ),
        ]
    if adhesion.formule in Formule.avec_audit():
        lignes.append(
            TarifDerogatoire(
                adhesion=adhesion, service="audit", montant=Decimal("9000.00"), base_legale=base
            )
        )
    return lignes


@transaction.atomic
def generer(*, communes: int, sortie=None) -> Rapport:
    """Create ``communes`` synthetic communes and everything around them (see the docstring).

    Refuses (``DonneesExistantes``) when synthetic data already exists, or when one of the
    codes to create is already taken by a commune of the database."""
    debut = time.perf_counter()
    ecrire = sortie or (lambda message: None)
    if communes < 1:
        raise DonneesExistantes("Indiquez un nombre de communes strictement positif.")
    if communes_synthetiques().exists():
        raise DonneesExistantes(
            "Des données synthétiques existent déjà dans cette base : effacez-les d'abord "
            "(generer_donnees --effacer) ou utilisez une autre base."
        )
    codes = codes_insee(communes)
    pris = set(Commune.objects.filter(code_insee__in=codes).values_list("code_insee", flat=True))
    if pris:
        raise DonneesExistantes(
            f"{len(pris)} code(s) INSEE à créer existent déjà dans cette base (par exemple "
            f"{sorted(pris)[0]}) : générez les données synthétiques dans une base dédiée."
        )
    rapport = Rapport(communes=communes)

    liste = _creer(
        rapport,
        Commune,
        [
            Commune(
                code_insee=code,
                nom=f"{PREFIXE}{i:05d}",
                siren=_siren(i),
                siret=_siret(_siren(i), "0001") if i % 25 else "",  # some without: B8 warning
                adresse=f"{1 + i % 90} place de la Mairie",
                code_postal=f"{(1000 + i) % 100000:05d}",
                ville=f"Ville synthétique {i:05d}",
                departement=DEPARTEMENT,
                service_informatique=i % 50 == 7 or i % 500 == 3,
                # M6: a recorded review, except for one in 500 (blocked in the campaign, B2)
                revue_date=date(2023, 6, 1) if i % 50 == 7 else None,
                revue_conclusion="Examen synthétique des moyens : favorable."
                if i % 50 == 7
                else "",
                code_service_chorus="FACTURES" if i % 10 else "",
            )
            for i, code in enumerate(codes)
        ],
    )
    ecrire(f"  communes : {len(liste)}")

    _creer(
        rapport,
        Population,
        [
            Population(
                commune=commune,
                annee=annee,
                valeur=population(i),
                millesime=annee - 3,
                source="Données synthétiques (banc d'essai)",
            )
            for i, commune in enumerate(liste)
            for annee in ANNEES
        ],
    )

    # Adhésions: the first record of each commune, then the ones that replace a first one.
    premieres, suites = [], []
    for i, commune in enumerate(liste):
        genre = i % 10
        if genre in SOCLE:
            premieres.append(
                _adhesion(commune, "socle_complet", date(2023, 1, 1), date(2022, 11, 15))
            )
        elif genre == SOCLE_RESILIE:
            adhesion = _adhesion(
                commune,
                "socle_complet",
                date(2023, 1, 1),
                date(2022, 11, 15),
                resiliation_notifiee_le=date(2025, 10, 1),
            )
            adhesion.dernier_jour = adhesion.calculer_dernier_jour()
            adhesion.motif_fin = Adhesion.MotifFin.RESILIATION
            premieres.append(adhesion)
        elif genre == AUDIT_PUIS_SOCLE:
            premieres.append(
                _adhesion(
                    commune,
                    "audit",
                    date(2025, 1, 1),
                    date(2024, 11, 20),
                    audit_livre_le=date(2025, 12, 10),
                    dernier_jour=date(2026, 3, 31),
                    motif_fin=Adhesion.MotifFin.CHANGEMENT,
                )
            )
        elif genre == GROUPEMENT:
            extra = {}
            if i % 20 == GROUPEMENT:
                extra = {
                    "resiliation_notifiee_le": date(2024, 3, 1),
                    "dernier_jour": date(2025, 2, 28),
                    "motif_fin": Adhesion.MotifFin.RESILIATION,
                }
            premieres.append(
                _adhesion(commune, "groupement", date(2024, 1, 1), date(2023, 10, 5), **extra)
            )
        elif genre == ANNEXE:
            premieres.append(
                _adhesion(
                    commune,
                    "annexe_complet",
                    date(2026, 1, 1),
                    date(2025, 11, 3),
                    audit_livre_le=date(2026, 6, 15),
                )
            )
        elif genre == GROUPEMENT_PUIS_SOCLE:
            premieres.append(
                _adhesion(
                    commune,
                    "groupement",
                    date(2023, 1, 1),
                    date(2022, 10, 12),
                    dernier_jour=date(2024, 12, 31),
                    motif_fin=Adhesion.MotifFin.CHANGEMENT,
                )
            )
        else:  # AUDIT_NON_LIVRE
            premieres.append(_adhesion(commune, "audit", date(2026, 2, 1), date(2025, 12, 18)))
    premieres = _creer(rapport, Adhesion, premieres)
    index = {commune.pk: i for i, commune in enumerate(liste)}
    for adhesion in premieres:
        genre = index[adhesion.commune_id] % 10
        if genre in (AUDIT_PUIS_SOCLE, GROUPEMENT_PUIS_SOCLE):
            effet = adhesion.dernier_jour + timedelta(days=1)
            suites.append(
                Adhesion(
                    commune_id=adhesion.commune_id,
                    commune=adhesion.commune,
                    formule="socle_complet",
                    deliberation_numero=adhesion.deliberation_numero,
                    deliberation_date=adhesion.deliberation_date,
                    signature_membre_le=adhesion.signature_membre_le,
                    signature_epci_le=adhesion.signature_epci_le,
                    decision_numero=f"SYN-D-{effet.year}-{adhesion.commune.code_insee}",
                    decision_date=effet - timedelta(days=31),
                    precedente=adhesion,
                    date_effet=effet,
                )
            )
    suites = _creer(rapport, Adhesion, suites)
    derogations = [
        d
        for adhesion in premieres + suites
        for d in _derogations(adhesion, population(index[adhesion.commune_id]))
    ]
    _creer(rapport, TarifDerogatoire, derogations)
    ecrire(
        f"  adhésions : {len(premieres) + len(suites)}, tarifs dérogatoires : {len(derogations)}"
    )

    _creer(
        rapport,
        Contact,
        [
            Contact(
                commune=commune,
                civilite="Mme" if i % 2 else "M.",
                prenom="Camille",
                nom=f"Secrétaire {i:05d}",
                fonction="Secrétaire de mairie",
                email=f"mairie.{commune.code_insee.lower()}@synthetique.invalid",
                decideur=True,
                technique=i % 3 == 0,
            )
            for i, commune in enumerate(liste)
        ],
    )
    _creer(
        rapport,
        Etablissement,
        [
            Etablissement(
                commune=commune,
                type=Etablissement.Type.CCAS,
                nom=f"CCAS synthétique {i:05d}",
                siret=_siret(_siren(5_000_000 + i), "0002"),
                code_service_chorus="FACTURES",
            )
            for i, commune in enumerate(liste)
            if i % 10 == 1
        ],
    )
    _missions(rapport, liste)
    _groupements(rapport, liste)
    ecrire(f"  missions, groupements : {rapport.lignes}")
    rapport.duree = time.perf_counter() - debut
    return rapport


def _agents(nombre: int) -> list:
    User = get_user_model()
    existants = {u.username: u for u in User.objects.filter(username__startswith=PREFIXE_AGENT)}
    nouveaux = [
        User(username=f"{PREFIXE_AGENT}{n:03d}", is_staff=True, last_name=f"Agent {n:03d}")
        for n in range(nombre)
        if f"{PREFIXE_AGENT}{n:03d}" not in existants
    ]
    for user in nouveaux:
        user.set_unusable_password()
    User.objects.bulk_create(nouveaux)
    return list(User.objects.filter(username__startswith=PREFIXE_AGENT).order_by("username"))


def _missions(rapport: Rapport, liste: list[Commune]) -> None:
    """T6 — niveau 1 missions of 2026 for one socle complet member in three, 1 to 6 days each
    (beyond the allowance for the smallest). An agent works at most one day on a date."""
    communes = [c for i, c in enumerate(liste) if i % 10 in (*SOCLE, SOCLE_RESILIE) and i % 3 == 0]
    if not communes:
        return
    missions = _creer(
        rapport,
        Mission,
        [
            Mission(
                commune=commune,
                objet=f"Accompagnement synthétique {commune.code_insee}",
                debut=date(2026, 1, 1),
                fin=date(2026, 9, 30),
                statut=Mission.Statut.EN_COURS,
                signee_le=date(2025, 12, 15),
                jours_prevus=Decimal("6.0"),
            )
            for commune in communes
        ],
    )
    jours_ouvres = 250  # 01/01/2026 + 0…249 days, all before the missions' end (30/09/2026)
    nb = sum(1 + m % 6 for m in range(len(missions)))
    agents = _agents(nb // jours_ouvres + 1)
    interventions, compteur = [], 0
    for m, mission in enumerate(missions):
        for _ in range(1 + m % 6):
            interventions.append(
                Intervention(
                    mission=mission,
                    date=date(2026, 1, 1) + timedelta(days=compteur % jours_ouvres),
                    agent=agents[compteur // jours_ouvres],
                    demi_journees=2 if compteur % 4 else 1,
                )
            )
            compteur += 1
    _creer(rapport, Intervention, interventions)


def _groupements(rapport: Rapport, liste: list[Commune]) -> None:
    """G1–G3 — one groupement per 1,000 communes (at least two), in the recensement step,
    joined on 01/03/2026 by eligible members (socle complet, groupement, annexe complet in
    force that day), each declaring one or two needs."""
    nombre = max(2, len(liste) // 1000)
    categories = [c for c, _ in Groupement.Categorie.choices]
    groupements = _creer(
        rapport,
        Groupement,
        [
            Groupement(
                objet=f"{PREFIXE_GROUPEMENT}{g:03d} — {categories[g % len(categories)]}",
                categorie=categories[g % len(categories)],
                etape=Groupement.Etape.RECENSEMENT,
                constitue_le=date(2026, 1, 15),
                recensement_ouvert_le=date(2026, 2, 1),
                date_limite_besoins=date(2026, 10, 31),
            )
            for g in range(nombre)
        ],
    )
    postes = _creer(
        rapport,
        PosteBesoin,
        [
            PosteBesoin(
                groupement=g,
                designation=designation,
                unite=unite,
                prix_unitaire_indicatif=prix,
                ordre=n,
            )
            for g in groupements
            for n, (designation, unite, prix) in enumerate(
                [
                    ("Ligne fixe", "ligne", Decimal("18.00")),
                    ("Accès fibre", "site", Decimal("45.00")),
                    ("Licence bureautique", "licence", Decimal("96.00")),
                ]
            )
        ],
    )
    postes_par_groupement = {}
    for poste in postes:
        postes_par_groupement.setdefault(poste.groupement_id, []).append(poste)
    eligibles = [
        c
        for i, c in enumerate(liste)
        if i % 10 in (0, ANNEXE) or (i % 10 == GROUPEMENT and i % 20 != GROUPEMENT)
    ]
    membres = _creer(
        rapport,
        AdhesionGroupement,
        [
            AdhesionGroupement(
                groupement=groupements[n % nombre],
                commune=commune,
                adhere_le=date(2026, 3, 1),
                besoins_qualitatifs="Besoins synthétiques.",
                besoins_declares_le=date(2026, 3, 15),
            )
            for n, commune in enumerate(eligibles)
        ],
    )
    besoins = []
    for n, membre in enumerate(membres):
        for poste in postes_par_groupement[membre.groupement_id][: 1 + n % 2]:
            quantite = Decimal(1 + n % 17)
            besoins.append(
                Besoin(
                    adhesion=membre,
                    poste=poste,
                    designation=poste.designation,
                    unite=poste.unite,
                    quantite=quantite,
                    montant_estime=quantite * poste.prix_unitaire_indicatif,
                )
            )
    _creer(rapport, Besoin, besoins)


@transaction.atomic
def effacer() -> dict[str, int]:
    """Delete every synthetic row. Refuses when titres were issued to synthetic communes (an
    issued titre is never deleted, B4): use a dedicated database and drop it instead."""

    communes = communes_synthetiques()
    if TitreDeRecettes.objects.filter(commune__in=communes).exists():
        raise DonneesExistantes(
            "Des titres ont été émis pour des communes synthétiques : un titre émis ne se "
            "supprime pas. Supprimez plutôt la base dédiée au banc d'essai."
        )
    LigneTitre.objects.filter(commune__in=communes).delete()
    comptes = {}
    etapes = [
        ("besoins", Besoin.objects.filter(adhesion__commune__in=communes)),
        ("membres de groupements", AdhesionGroupement.objects.filter(commune__in=communes)),
        ("groupements", Groupement.objects.filter(objet__startswith=PREFIXE_GROUPEMENT)),
        ("interventions", Intervention.objects.filter(mission__commune__in=communes)),
        ("missions", Mission.objects.filter(commune__in=communes)),
        ("tarifs dérogatoires", TarifDerogatoire.objects.filter(adhesion__commune__in=communes)),
        (
            "adhésions (suites)",
            Adhesion.objects.filter(commune__in=communes, precedente__isnull=False),
        ),
        ("adhésions", Adhesion.objects.filter(commune__in=communes)),
        ("établissements", Etablissement.objects.filter(commune__in=communes)),
        ("communes", communes),
        ("agents", get_user_model().objects.filter(username__startswith=PREFIXE_AGENT)),
    ]
    for nom, qs in etapes:
        comptes[nom] = qs.delete()[0]
    return comptes
