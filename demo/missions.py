"""Demo data: believable niveau 1 missions of the DSI in 2024, 2025 and 2026.

Demo-only content (objects, people, notes), on the socle complet members of ``membres/demo.py``:
some members go beyond their allowance in 2024 and 2025 so that those campaigns bill extra
half-days (T6), one member without the socle complet (Fégréac, socle annexe complet since 2025)
gets the complement of diagnostic of art. 4.1 (*) in 2026, billed from the first half-day.
Time is recorded by the demo agent "dsi" (created by ``membres.demo.charger_comptes``).
Idempotent: running it twice changes nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from membres.models import Commune
from missions.models import DEMI_JOURNEES_MAX_PAR_JOUR, Intervention, Mission

DSI = "dsi"
# The demo's "today": no time is recorded after it (the 2026 mission still runs).
SAISI_JUSQUAU = date(2026, 11, 20)
INTERVENANTS_DSI = "Agent DSI, chef de projet (démo)\nDirecteur des systèmes d'information (démo)"

# Public holidays (métropole) of the demo years: nobody records time on them.
FERIES = {
    date(annee, mois, jour)
    for annee in (2024, 2025, 2026)
    for mois, jour in [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
} | {
    date(2024, 4, 1),
    date(2024, 5, 9),
    date(2024, 5, 20),
    date(2025, 4, 21),
    date(2025, 5, 29),
    date(2025, 6, 9),
    date(2026, 4, 6),
    date(2026, 5, 14),
    date(2026, 5, 25),
}

ETAPES = [
    "Réunion de lancement avec la mairie",
    "Recueil des besoins auprès des services",
    "Analyse de l'existant",
    "Rédaction du cahier des charges",
    "Échanges avec les éditeurs et prestataires",
    "Analyse des offres",
    "Comité de suivi avec les élus",
    "Recette et accompagnement des agents",
    "Restitution et remise du livrable",
]

# (INSEE, object, start, planned end, planned days, half-days recorded, status, extra fields)
# Allowances (half-days, T6): Allaire 13, Bains-sur-Oust 13, Guémené-Penfao 13, Sainte-Marie 9,
# Rieux 9, Saint-Vincent-sur-Oust 9, Peillac 9, Saint-Perreux 5, Théhillac 5.
MISSIONS = [
    # --- 2024: Allaire 16/13 (3 billed), Saint-Perreux 7/5 (2 billed), Sainte-Marie 9/9.
    (
        "56001",
        "Assistance à maîtrise d'ouvrage : renouvellement du logiciel de gestion financière et RH",
        date(2024, 2, 5),
        date(2024, 6, 28),
        Decimal("7"),
        16,
        "terminee",
        {
            "objectifs": "Choisir et déployer un progiciel financier et RH conforme à la M57.",
            "enjeux": "Passage à la nomenclature M57 au 1er janvier 2025 ; fin de support de "
            "l'outil actuel.",
            "risques": "Calendrier de reprise des données serré ; disponibilité des agents.",
            "livrables": "Cahier des charges ; rapport d'analyse des offres ; plan de reprise.",
            "duree_prevue": "5 mois",
        },
    ),
    (
        "35294",
        "Déploiement du wifi et de la fibre dans les bâtiments communaux",
        date(2024, 3, 4),
        date(2024, 5, 31),
        Decimal("4.5"),
        9,
        "terminee",
        {
            "objectifs": "Raccorder la mairie, l'école et la médiathèque à la fibre ; wifi public.",
            "enjeux": "Qualité de service pour les usagers et les agents.",
            "livrables": "Plan de câblage ; dossier de consultation ; procès-verbal de recette.",
            "duree_prevue": "3 mois",
        },
    ),
    (
        "56232",
        "Audit de sécurité des postes de travail et de la sauvegarde",
        date(2024, 4, 8),
        date(2024, 6, 14),
        Decimal("3"),
        7,
        "terminee",
        {
            "objectifs": "Évaluer l'exposition aux rançongiciels ; fiabiliser la sauvegarde.",
            "risques": "Découverte de postes non maintenus nécessitant un remplacement rapide.",
            "livrables": "Rapport d'audit et plan d'action priorisé.",
            "duree_prevue": "2 mois",
        },
    ),
    (
        "56194",
        "Dématérialisation des actes (@CTES) et parapheur électronique",
        date(2024, 5, 13),
        date(2024, 7, 12),
        Decimal("2"),
        4,
        "terminee",
        {
            "objectifs": "Transmettre les actes au contrôle de légalité par voie électronique.",
            "livrables": "Convention @CTES signée ; circuit de signature paramétré.",
            "duree_prevue": "2 mois",
        },
    ),
    (
        "35013",
        "Schéma directeur numérique des écoles",
        date(2024, 9, 9),
        date(2024, 11, 29),
        Decimal("5"),
        10,
        "terminee",
        {
            "objectifs": "Planifier l'équipement numérique des trois écoles sur le mandat.",
            "enjeux": "Subventions du plan numérique ; cohérence avec l'inspection académique.",
            "livrables": "Schéma directeur et plan pluriannuel d'investissement.",
            "duree_prevue": "3 mois",
        },
    ),
    # --- 2025: Bains-sur-Oust 17/13 (4 billed), Théhillac 6/5 (1 billed).
    (
        "35013",
        "Migration de la messagerie et des outils collaboratifs",
        date(2025, 1, 13),
        date(2025, 4, 30),
        Decimal("7"),
        17,
        "terminee",
        {
            "objectifs": "Migrer 45 boîtes aux lettres vers la messagerie mutualisée.",
            "risques": "Perte de messages archivés ; interruption de service.",
            "livrables": "Plan de migration ; guide utilisateur ; bilan de migration.",
            "duree_prevue": "3 mois et demi",
        },
    ),
    (
        "56250",
        "Mise en conformité RGPD : registre des traitements et sensibilisation",
        date(2025, 3, 3),
        date(2025, 5, 30),
        Decimal("2.5"),
        6,
        "terminee",
        {
            "objectifs": "Tenir un registre des traitements à jour ; sensibiliser les agents.",
            "livrables": "Registre des traitements ; support de sensibilisation.",
            "duree_prevue": "3 mois",
        },
    ),
    (
        "44067",
        "Interopérabilité du service informatique communal avec le SI mutualisé",
        date(2025, 2, 3),
        date(2025, 6, 27),
        Decimal("4"),
        8,
        "terminee",
        {
            "objectifs": "Définir le partage des rôles avec le service informatique communal.",
            "enjeux": "Éviter les doublons d'outils ; sécuriser les accès croisés.",
            "livrables": "Convention de fonctionnement ; matrice des responsabilités.",
            "duree_prevue": "5 mois",
        },
    ),
    (
        "56001",
        "Cahier des charges de la vidéoprotection",
        date(2025, 9, 1),
        date(2025, 10, 31),
        Decimal("3"),
        6,
        "terminee",
        {
            "objectifs": "Préparer la consultation pour six caméras en centre-bourg.",
            "risques": "Avis de la commission départementale de vidéoprotection.",
            "livrables": "Cahier des charges ; dossier de demande d'autorisation.",
            "duree_prevue": "2 mois",
        },
    ),
    (
        "56239",
        "Recensement et plan de renouvellement du parc informatique",
        date(2025, 4, 1),
        date(2025, 4, 30),
        Decimal("2.5"),
        5,
        "terminee",
        {
            "livrables": "Inventaire du parc ; plan de renouvellement sur trois ans.",
            "duree_prevue": "1 mois",
        },
    ),
    # --- 2026: Rieux 11/9 (2 billed), Peillac 9/9; Fégréac's diagnostic, billed from the first.
    (
        "56154",
        "Intégration au socle complet : reprise du parc et des logiciels",
        date(2026, 1, 12),
        date(2026, 3, 31),
        Decimal("4.5"),
        9,
        "terminee",
        {
            "objectifs": "Intégrer les postes et les logiciels de la mairie au SI mutualisé.",
            "livrables": "Inventaire repris ; procès-verbal d'intégration.",
            "duree_prevue": "2 mois et demi",
        },
    ),
    (
        "35294",
        "Choix d'un portail citoyen et d'un outil de prise de rendez-vous",
        date(2026, 3, 2),
        date(2026, 6, 30),
        Decimal("3.5"),
        7,
        "terminee",
        {
            "objectifs": "Proposer les démarches en ligne et la prise de rendez-vous aux usagers.",
            "livrables": "Comparatif des solutions ; recommandation.",
            "duree_prevue": "4 mois",
        },
    ),
    (
        "56194",
        "Téléphonie IP de la mairie et des écoles",
        date(2026, 5, 4),
        date(2026, 7, 17),
        Decimal("5"),
        11,
        "terminee",
        {
            "objectifs": "Remplacer l'autocommutateur en fin de vie par une téléphonie IP.",
            "risques": "Coupure des lignes d'urgence pendant la bascule.",
            "livrables": "Dossier de consultation ; plan de bascule.",
            "duree_prevue": "2 mois et demi",
        },
    ),
    (
        "56001",
        "Plan de continuité informatique de la mairie",
        date(2026, 9, 7),
        date(2026, 12, 18),
        Decimal("6"),
        10,
        "en_cours",
        {
            "objectifs": "Pouvoir reprendre l'activité en moins de 48 heures après un sinistre.",
            "enjeux": "Services essentiels : état civil, paie, urbanisme.",
            "risques": "Dépendance à un prestataire unique pour les sauvegardes externalisées.",
            "livrables": "Plan de continuité ; exercice de reprise ; rapport d'exercice.",
            "duree_prevue": "3 mois et demi",
        },
    ),
    (
        "44057",
        "Complément de diagnostic avant adhésion au socle complet",
        date(2026, 2, 2),
        date(2026, 3, 13),
        Decimal("2"),
        4,
        "terminee",
        {
            "diagnostic": True,
            "objectifs": "Actualiser les conclusions de l'audit livré le 20/06/2025, en partie "
            "caduques au-delà de six mois (art. 4.1).",
            "livrables": "Note de mise à jour du rapport d'audit.",
            "duree_prevue": "6 semaines",
        },
    ),
    (
        "56223",
        "Refonte du site internet communal",
        date(2027, 1, 11),
        date(2027, 3, 31),
        Decimal("2.5"),
        0,
        "brouillon",
        {
            "objectifs": "Un site accessible (RGAA) et administrable par le secrétariat.",
            "livrables": "Cahier des charges ; accompagnement au choix du prestataire.",
            "duree_prevue": "3 mois",
        },
    ),
]


def _jours_ouvres(debut: date, fin: date) -> list[date]:
    jours, jour = [], debut
    while jour <= fin:
        if jour.weekday() < 5 and jour not in FERIES:
            jours.append(jour)
        jour += timedelta(days=1)
    return jours


def _repartir(demi_journees: int, debut: date, fin: date, pris: set[date]) -> list[tuple]:
    """Spread the half-days over the mission's working days, one day per entry (full days,
    a half-day last if odd), never twice on the same day for the agent. Deterministic."""
    nb = -(-demi_journees // DEMI_JOURNEES_MAX_PAR_JOUR)
    libres = [j for j in _jours_ouvres(debut, fin) if j not in pris]
    pas = max(1, len(libres) // max(nb, 1))
    entrees, reste = [], demi_journees
    for i in range(nb):
        jour = libres[min(i * pas, len(libres) - 1)]
        while jour in pris:  # only when the window is too short to spread
            jour = libres[libres.index(jour) + 1]
        pris.add(jour)
        quantite = min(DEMI_JOURNEES_MAX_PAR_JOUR, reste)
        reste -= quantite
        entrees.append((jour, quantite, ETAPES[min(i * len(ETAPES) // nb, len(ETAPES) - 1)]))
    return entrees


@transaction.atomic
def charger():
    agent = get_user_model().objects.get(username=DSI)
    communes = {
        c.code_insee: c for c in Commune.objects.filter(code_insee__in=[m[0] for m in MISSIONS])
    }
    pris: set[date] = set()
    for insee, objet, debut, fin, jours, demi_journees, statut, extra in MISSIONS:
        mission = Mission.objects.filter(commune=communes[insee], objet=objet, debut=debut).first()
        if mission is None:
            mission = Mission(
                commune=communes[insee],
                objet=objet,
                debut=debut,
                fin=fin,
                jours_prevus=jours,
                statut=statut,
                signee_le=None if statut == "brouillon" else debut - timedelta(days=14),
                intervenants_dsi=INTERVENANTS_DSI,
                intervenants_membre="Secrétaire de mairie (démo)\nAdjoint au maire délégué au "
                "numérique (démo)",
                organisation_calendrier="Une demi-journée à une journée par semaine sur site, "
                "comité de suivi mensuel avec les élus.",
                **extra,
            )
            mission.full_clean()
            mission.save()
        for jour, quantite, note in _repartir(demi_journees, debut, min(fin, SAISI_JUSQUAU), pris):
            if Intervention.objects.filter(mission=mission, date=jour, agent=agent).exists():
                continue
            intervention = Intervention(
                mission=mission, date=jour, agent=agent, demi_journees=quantite, note=note
            )
            intervention.full_clean()
            intervention.save()
