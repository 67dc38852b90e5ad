"""A year of service for the bilan tests (no test here: builders imported by test_bilan*.py).

``construire(n, par=…)`` builds, for 2024, ``n`` blocks of five communes of the same shape, so
that a bigger ``n`` only adds members (the query count must not grow with it):

- A: socle complet, 2 355 inhabitants, 12 niveau 1 half-days (9 in its allowance, 3 billed);
- B: groupement d'achats, 1 200 inhabitants, member of the groupement with 4 000 € of needs;
- C: socle complet, 800 inhabitants, 2 half-days, member of the groupement with 1 500 € of needs;
- D: audit delivered 15/03/2024 (titre issued) then the socle complet from 01/06/2024, 5 000
  inhabitants (T5: the audit is deducted);
- E: socle complet with its own IT department and no review: blocked (M6).

Then the 2024 campaign is issued (exercice 2025, 10/02/2025); the first A's titre is reduced
by 100 €, the first B's titre annulled.
"""

from datetime import date, timedelta
from decimal import Decimal

from groupements.models import AdhesionGroupement, Besoin, Groupement
from membres.actes import changer_formule
from membres.models import Adhesion, Commune, Population
from missions.models import Intervention, Mission
from tarification.campagne import actes as actes_campagne
from tarification.models import TitreDeRecettes
from tarification.titres import actes as actes_titres
from tarification.titres import corrections

ANNEE = 2024
D = Decimal


def _commune(code: int, nom: str, population: int, **kwargs) -> Commune:
    commune = Commune.objects.create(
        code_insee=f"{code:05d}",
        nom=nom,
        departement="35",
        siret=f"{code:05d}000000000"[:14],
        adresse="Mairie",
        code_postal="35600",
        ville=nom,
        code_service_chorus="FACTURES",
        **kwargs,
    )
    for annee in (2024, 2025):
        Population.objects.create(
            commune=commune, annee=annee, valeur=population, millesime=annee - 3
        )
    return commune


def _adhesion(commune, formule, date_effet, **kwargs) -> Adhesion:
    adhesion = Adhesion(
        commune=commune,
        formule=formule,
        date_effet=date_effet,
        deliberation_numero="2022-001",
        deliberation_date=date(2022, 10, 1),
        signature_membre_le=date(2022, 10, 10),
        signature_epci_le=date(2022, 10, 12),
        **kwargs,
    )
    adhesion.full_clean()
    adhesion.save()
    return adhesion


def _demi_journees(commune, nombre: int, agent) -> None:
    mission = Mission.objects.create(
        commune=commune,
        objet="Assistance à maîtrise d'ouvrage",
        debut=date(ANNEE, 1, 1),
        fin=date(ANNEE, 12, 31),
        statut=Mission.Statut.SIGNEE,
        signee_le=date(2023, 12, 15),
    )
    jour = date(ANNEE, 1, 2) + timedelta(days=commune.pk % 200)  # one agent, distinct days
    entrees = []
    while nombre > 0:
        entrees.append(
            Intervention(mission=mission, date=jour, agent=agent, demi_journees=min(2, nombre))
        )
        nombre -= 2
        jour += timedelta(days=1)
    Intervention.objects.bulk_create(entrees)


def construire(n: int, *, par, premier: int = 0) -> dict:
    """``n`` blocks numbered from ``premier``; a later call (``premier`` > 0) adds members to
    the same groupement and bills them by a second run of the campaign (B4), no correction."""
    groupement, _ = Groupement.objects.get_or_create(
        objet="Téléphonie mobile (test)",
        defaults={"categorie": Groupement.Categorie.TELEPHONIE, "constitue_le": date(2024, 2, 1)},
    )
    blocs = []
    for i in range(premier, premier + n):
        base = 60000 + 10 * i  # commune_factory (conftest) counts from 10000
        a = _commune(base + 1, f"A{i:02d} Socle", 2355)
        _adhesion(a, "socle_complet", date(2023, 1, 1))
        b = _commune(base + 2, f"B{i:02d} Groupement", 1200)
        _adhesion(b, "groupement", date(2024, 1, 1))
        c = _commune(base + 3, f"C{i:02d} Petit socle", 800)
        _adhesion(c, "socle_complet", date(2024, 1, 1))
        d = _commune(base + 4, f"D{i:02d} Audit puis socle", 5000)
        audit = _adhesion(d, "audit", date(2024, 1, 1))
        e = _commune(base + 5, f"E{i:02d} Service informatique", 3000, service_informatique=True)
        _adhesion(e, "socle_complet", date(2024, 1, 1))
        actes_titres.enregistrer_livraison_audit(
            adhesion=audit, livre_le=date(2024, 3, 15), par=par, jour=date(2024, 3, 15)
        )
        actes_titres.emettre_titre_audit(adhesion=audit, par=par, date_emission=date(2024, 3, 15))
        changer_formule(
            adhesion=audit,
            formule="socle_complet",
            date_effet=date(2024, 6, 1),
            decision_numero="2024-D",
            decision_date=date(2024, 5, 2),
        )
        _demi_journees(a, 12, par)
        _demi_journees(c, 2, par)
        for commune, montant in ((b, D("4000.00")), (c, D("1500.00"))):
            membre = AdhesionGroupement.objects.create(
                groupement=groupement, commune=commune, adhere_le=date(2024, 3, 1)
            )
            Besoin.objects.create(
                adhesion=membre,
                designation="Forfait mobile",
                unite="ligne",
                quantite=D("10"),
                montant_estime=montant,
            )
        blocs.append({"A": a, "B": b, "C": c, "D": d, "E": e})

    # A later run comes after the first run's corrections (a series is chronological, B3).
    le = date(2025, 3, 10) if premier else date(2025, 2, 10)
    campagne = actes_campagne.emettre_campagne(
        annee=ANNEE, exercice=2025, par=par, date_emission=le
    )
    if premier:
        return {"blocs": blocs, "groupement": groupement, "campagne": campagne}
    titre_a = TitreDeRecettes.objects.get(
        bordereau=campagne.bordereau, commune=blocs[0]["A"], nature="contribution"
    )
    titre_b = TitreDeRecettes.objects.get(
        bordereau=campagne.bordereau, commune=blocs[0]["B"], nature="contribution"
    )
    ligne_socle = titre_a.lignes.get(code="socle_complet")
    reduction = corrections.reduire_titre(
        titre=titre_a,
        motif="Erreur de population",
        par=par,
        lignes={ligne_socle.pk: D("100.00")},
        date_emission=date(2025, 3, 3),
    )
    annulation = corrections.annuler_titre(
        titre=titre_b, motif="Adhésion contestée", par=par, date_emission=date(2025, 3, 4)
    )
    return {
        "blocs": blocs,
        "groupement": groupement,
        "campagne": campagne,
        "titre_a": titre_a,
        "titre_b": titre_b,
        "reduction": reduction,
        "annulation": annulation,
    }
