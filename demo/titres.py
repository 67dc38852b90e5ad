"""Demo history of the titres de recettes (after membres, missions and groupements demos).

Issues, in the order of their dates (each series is chronological): the audit titre of
Saint-Vincent-sur-Oust (report delivered 15/04/2024), the 2024 campaign (exercice 2025,
10/02/2025), Fégréac's audit titre (20/06/2025), the 2025 campaign (exercice 2026, 09/02/2026)
and Les Fougerêts' audit titre (30/09/2026). The 2026 campaign is left to the finance officer.
PDFs are rendered at once (a command, not a web request). Idempotent: what exists is kept.

The issuer's settings that the members' demo leaves empty are completed here with values
marked "démo" where they are not known facts (to be confirmed by the comptable).
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from membres.models import Adhesion
from tarification.campagne import actes as actes_campagne
from tarification.models import Bordereau, Campagne, Emetteur, Signataire, TitreDeRecettes
from tarification.titres import actes, pdf, recapitulatif

EMETTEUR = {
    # The president's name is not in the project's sources: a visible demo placeholder, never
    # a real-looking name (Pascal Duchêne signs Redon's deliberation as mayor of Redon).
    "ordonnateur_prenom": "Prénom",
    "ordonnateur_nom": "NOM (démo)",
    "comptable_public": "Service de gestion comptable de Redon (démo) — 35600 Redon",
    "modalites_paiement": (
        "Par virement au comptable public sur le compte de la Banque de France indiqué par le "
        "comptable (démo), en rappelant le numéro et l'exercice du titre ; une collectivité "
        "règle par mandat administratif."
    ),
    # The comptable's account is not in the project's sources: a valid but obviously fictitious
    # IBAN at the Banque de France (account 0000000000, démo) and the Banque de France's BIC.
    "iban": "FR7630001000640000000000040",
    "bic": "BDFEFRPPCCT",
    "siret": "24350074199903",  # the real SIREN, a fictitious NIC 9990x (démo)
    # B9 — the PES V2 settings the DGFiP and the comptable give: visibly fictitious (démo).
    "code_collectivite": "999",
    "code_budget": "00",
    "poste_comptable": "0359999",
    "reference_bdf": "DEMO999999",
    "poste_comptable_nom": "SGC de Redon (démo)",
    "poste_comptable_adresse": "1 rue de la Trésorerie (démo)",
    "poste_comptable_code_postal": "35600",
    "poste_comptable_ville": "Redon",
    "encaissement_code_postal": "35908",
    "encaissement_ville": "Rennes cedex 9 (démo)",
    "encaissement_tsa": "TSA 99999",
    "produit_contribution": "SC01",
    "produit_refacturation": "SC02",
    "produit_appel_de_fonds": "SC03",
    "produit_frais_sortie": "SC04",
    "imputation_contribution": "70875",
    "imputation_audit": "70875",
    "imputation_refacturation": "70878",
    "imputation_appel_de_fonds": "70878",
    "imputation_frais_sortie": "7588",
}

# (INSEE, delivery date of the audit report)
AUDITS = [("56239", date(2024, 4, 15)), ("44057", date(2025, 6, 20)), ("56060", date(2026, 9, 30))]
# (year N, exercice, issue date)
CAMPAGNES = [(2024, 2025, date(2025, 2, 10)), (2025, 2026, date(2026, 2, 9))]


def completer_emetteur() -> Emetteur | None:
    emetteur = Emetteur.courant()
    if emetteur is None:
        return None
    changes = [champ for champ in EMETTEUR if not getattr(emetteur, champ)]
    for champ in changes:
        setattr(emetteur, champ, EMETTEUR[champ])
    if changes:
        emetteur.save()
    return emetteur


# B10 — the delegation register: the president (the demo's ordonnateur) and a vice-president
# with a delegation of signature; names and arrêté are visible placeholders (démo).
SIGNATAIRES = [
    {
        "role": Signataire.Role.ORDONNATEUR,
        "prenom": "Prénom",
        "nom": "NOM (démo)",
        "qualite": "Président de Redon Agglomération",
        "debut": date(2020, 7, 15),
    },
    {
        "role": Signataire.Role.DELEGATAIRE,
        "prenom": "Prénom",
        "nom": "DÉLÉGATAIRE (démo)",
        "qualite": "Vice-président chargé des finances",
        "debut": date(2020, 7, 20),
        "arrete_numero": "démo 2020-045",
        "arrete_date": date(2020, 7, 20),
    },
]


def charger_signataires() -> None:
    for valeurs in SIGNATAIRES:
        Signataire.objects.get_or_create(role=valeurs["role"], nom=valeurs["nom"], defaults=valeurs)


def _utilisateur(username):
    return get_user_model().objects.filter(username=username).first()


def _audit(insee: str, livre_le: date, par) -> None:
    adhesion = (
        Adhesion.objects.filter(commune__code_insee=insee, audit_livre_le=livre_le)
        .select_related("commune")
        .first()
    )
    if adhesion is None:
        return
    if TitreDeRecettes.objects.emis().filter(adhesion=adhesion, nature="audit").exists():
        return
    # The delivery is in the demo's adhesions (recorded by the DSI); finance bills it.
    actes.emettre_titre_audit(adhesion=adhesion, par=par, date_emission=livre_le)


def _campagne(annee: int, exercice: int, le: date, par) -> None:
    if Campagne.objects.filter(annee=annee).exists():
        return
    actes_campagne.emettre_campagne(annee=annee, exercice=exercice, par=par, date_emission=le)


def charger():
    if completer_emetteur() is None:
        return
    charger_signataires()
    finances = _utilisateur("finances")
    evenements = [(livre_le, "audit", (insee, livre_le, finances)) for insee, livre_le in AUDITS]
    evenements += [
        (le, "campagne", (annee, exercice, le, finances)) for annee, exercice, le in CAMPAGNES
    ]
    for _, nature, arguments in sorted(evenements, key=lambda e: e[0]):
        if nature == "audit":
            _audit(*arguments)
        else:
            _campagne(*arguments)
    # Render what the background worker has not rendered yet (synchronously: a command).
    for bordereau_id in (
        Bordereau.objects.filter(titres__pdf="").distinct().values_list("pk", flat=True)
    ):
        pdf.rendre_bordereau(bordereau_id)
    # The past bordereaux were signed by the ordonnateur two days after their issue.
    for bordereau in Bordereau.objects.filter(recapitulatif="").order_by("exercice", "numero"):
        recapitulatif.produire(
            bordereau=bordereau,
            par=finances,
            le=min(bordereau.date_emission + timedelta(days=2), timezone.localdate()),
        )
