"""Demo audits, inventories, register of transfers, état de sortie and dispute (A1–A4, 2.5),
after the titres' demo (the audits it delivered get their audit record here).

- **Avessac** asks for the socle complet: its audit préalable is in progress (3.1).
- **Allaire** (socle complet since 2023): audit préalable delivered on 14/10/2022 with its
  findings, recommendations and validated inventory; two contracts transferred to the EPCI
  (one taken over, one concluded by it), one asset transferred, one contract terminated by the
  commune and one still in transition (2.3.2, 2.3.3).
- **Théhillac**, in préavis (last day 09/03/2027): its register and its état de sortie
  computed from it at the last day, with a penalty entered by the DSI (2.4), left to validate.
- The audits of Saint-Vincent-sur-Oust, Fégréac and Les Fougerêts (socle annexe, delivered and
  billed by the titres' demo) get their records; Les Fougerêts' T5 window runs to 30/03/2027.
- Fégréac's audit titre was disputed in 2025 and settled by conciliation (2.5).

Suppliers and amounts are believable values marked « démo », not facts. Idempotent: what
exists is kept.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from membres.models import Adhesion, Commune, Document
from patrimoine import actes
from patrimoine.models import (
    Audit,
    Axe,
    Bien,
    Constat,
    Contrat,
    EtatDeSortie,
    LigneEtatDeSortie,
    Preconisation,
    TransfertBien,
    TransfertContrat,
)
from tarification import litiges
from tarification.models import Litige, TitreDeRecettes

D = Decimal
Sort = TransfertContrat.Sort


def _commune(insee: str) -> Commune:
    return Commune.objects.get(code_insee=insee)


def _dsi():
    return get_user_model().objects.filter(username="dsi").first()


# --- Audits ---------------------------------------------------------------------------------


def audits_deja_livres() -> None:
    """The socle annexe audits the titres' demo delivered: one record each (as the data
    migration does for a real database)."""
    for adhesion in Adhesion.objects.filter(audit_livre_le__isnull=False).select_related("commune"):
        if Audit.objects.filter(adhesion=adhesion, origine=Audit.Origine.ANNEXE).exists():
            continue
        Audit.objects.create(
            commune=adhesion.commune,
            adhesion=adhesion,
            origine=Audit.Origine.ANNEXE,
            demande_le=adhesion.deliberation_date,
            demande_reference=(
                f"délibération n° {adhesion.deliberation_numero} du "
                f"{adhesion.deliberation_date:%d/%m/%Y}"
            ),
            commence_le=adhesion.deliberation_date,
            livre_le=adhesion.audit_livre_le,
            rapport=Document.objects.filter(adhesion=adhesion, type="rapport_audit").first(),
            auditeur="Agent DSI (démo)",
        )


def audit_fougerets() -> None:
    audit = Audit.objects.filter(commune__code_insee="56060").first()
    if audit is None or audit.constats.exists():
        return
    Constat.objects.create(
        audit=audit,
        axe=Axe.ORGANISATION,
        texte="Aucune charte informatique ni référent sécurité désigné (démo).",
    )
    Constat.objects.create(
        audit=audit,
        axe=Axe.INFRASTRUCTURE,
        texte="Sauvegardes sur disque USB conservé en mairie, non testées (démo).",
    )
    Preconisation.objects.create(
        audit=audit,
        axe=Axe.INFRASTRUCTURE,
        priorite=Preconisation.Priorite.HAUTE,
        texte="Externaliser les sauvegardes et tester une restauration chaque trimestre (démo).",
    )


def audit_en_cours(dsi) -> None:
    """Avessac asks for the socle complet: the audit préalable is under way (3.1)."""
    commune = _commune("44007")
    if Audit.objects.filter(commune=commune).exists():
        return
    audit = actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.PREALABLE,
        demande_le=date(2026, 10, 5),
        demande_reference="courrier du maire du 05/10/2026 demandant le socle complet (démo)",
        auditeur="Agent DSI (démo)",
        par=dsi,
    )
    actes.planifier_audit(audit=audit, du=date(2026, 11, 2), au=date(2026, 12, 18), par=dsi)
    actes.commencer_audit(audit=audit, le=date(2026, 11, 2), par=dsi)
    Constat.objects.create(
        audit=audit,
        axe=Axe.RESSOURCES,
        texte="Douze contrats informatiques recensés, dont trois en tacite reconduction sans "
        "suivi des échéances (démo).",
    )


def _audit_prealable(commune, dsi, *, demande, debut, livre, clos) -> Audit:
    audit = Audit.objects.filter(commune=commune, origine=Audit.Origine.PREALABLE).first()
    if audit is not None:
        return audit
    audit = actes.demander_audit(
        commune=commune,
        origine=Audit.Origine.PREALABLE,
        demande_le=demande,
        demande_reference="courrier du maire demandant le socle complet (démo)",
        auditeur="Agent DSI (démo)",
        par=dsi,
    )
    actes.commencer_audit(audit=audit, le=debut, par=dsi)
    actes.livrer_rapport(audit=audit, le=livre, par=dsi)
    actes.valider_inventaire(audit=audit, le=livre, par=dsi)
    return actes.clore_audit(audit=audit, le=clos, par=dsi)


# --- Inventories and transfers ---------------------------------------------------------------


def _bien(commune, audit, designation, reference, **champs) -> Bien:
    bien, _ = Bien.objects.get_or_create(
        commune=commune,
        categorie=champs.pop("categorie", Bien.Categorie.MATERIEL),
        designation=designation,
        reference=reference,
        defaults={"audit": audit, **champs},
    )
    return bien


def _contrat(commune, audit, fournisseur, objet, debut, **champs) -> Contrat:
    contrat, _ = Contrat.objects.get_or_create(
        commune=commune,
        fournisseur=fournisseur,
        objet=objet,
        debut=debut,
        defaults={"audit": audit, **champs},
    )
    return contrat


def _sort(contrat, dsi, **champs) -> None:
    if not TransfertContrat.objects.filter(contrat=contrat).exists():
        actes.enregistrer_sort_contrat(contrat=contrat, par=dsi, **champs)


def _transfert_bien(bien, dsi, **champs) -> None:
    if not TransfertBien.objects.filter(bien=bien).exists():
        actes.transferer_bien(bien=bien, par=dsi, **champs)


ETUDE = {
    "etude_le": date(2023, 2, 1),
    "etude_conclusion": "Étude de mutualisation : hébergement au Datacenter de Redon "
    "Agglomération possible (démo).",
}


def allaire(dsi) -> None:
    commune = _commune("56001")
    audit = _audit_prealable(
        commune,
        dsi,
        demande=date(2022, 6, 20),
        debut=date(2022, 9, 5),
        livre=date(2022, 10, 14),
        clos=date(2022, 11, 30),
    )
    if not audit.constats.exists():
        Constat.objects.create(
            audit=audit,
            axe=Axe.INFRASTRUCTURE,
            texte="Serveur de fichiers en fin de garantie, hébergé dans un local non climatisé "
            "(démo).",
        )
        Constat.objects.create(
            audit=audit,
            axe=Axe.RESSOURCES,
            texte="Quatre éditeurs pour les logiciels métiers, contrats échus non dénoncés (démo).",
        )
        Preconisation.objects.create(
            audit=audit,
            axe=Axe.INFRASTRUCTURE,
            priorite=Preconisation.Priorite.HAUTE,
            texte="Migrer le serveur de fichiers au Datacenter de Redon Agglomération (démo).",
        )
        Preconisation.objects.create(
            audit=audit,
            axe=Axe.RESSOURCES,
            priorite=Preconisation.Priorite.MOYENNE,
            texte="Regrouper les logiciels financiers sur le marché mutualisé (démo).",
        )
    serveur = _bien(
        commune,
        audit,
        "Serveur de fichiers (démo)",
        "SRV-ALL-01",
        niveau_service="niveau3",
        mutualisable=True,
        acquis_le=date(2019, 3, 1),
        valeur_acquisition=D("6200.00"),
    )
    _bien(
        commune,
        audit,
        "Postes de travail des services (démo)",
        "",
        quantite=14,
        niveau_service="niveau4",
        mutualisable=False,
    )
    _bien(
        commune,
        audit,
        "Logiciel de gestion financière et RH (démo)",
        "",
        categorie=Bien.Categorie.LOGICIEL,
        niveau_service="niveau2",
        mutualisable=True,
    )
    financier = _contrat(
        commune,
        audit,
        "Éditeur de logiciels publics (démo)",
        "Hébergement et maintenance du logiciel de gestion financière et RH",
        date(2020, 7, 1),
        fin=date(2027, 6, 30),
        preavis_mois=3,
        cout_annuel=D("3120.00"),
        reconduction=Contrat.Reconduction.TACITE,
        reconduction_details="par périodes d'un an au 1er juillet",
        niveau_service="niveau2",
        mutualisable=True,
    )
    telephonie = _contrat(
        commune,
        audit,
        "Opérateur télécom (démo)",
        "Hébergement de la téléphonie IP (IPBX) au Datacenter",
        date(2024, 1, 1),
        fin=date(2027, 12, 31),
        cout_annuel=D("1800.00"),
        niveau_service="niveau3",
        mutualisable=True,
    )
    maintenance = _contrat(
        commune,
        audit,
        "Prestataire informatique local (démo)",
        "Maintenance du serveur local",
        date(2021, 7, 1),
        fin=date(2023, 6, 30),
        preavis_mois=3,
        cout_annuel=D("960.00"),
        reconduction=Contrat.Reconduction.TACITE,
        niveau_service="niveau3",
        mutualisable=True,
    )
    sauvegarde = _contrat(
        commune,
        audit,
        "Éditeur de sauvegarde (démo)",
        "Sauvegarde externalisée des données",
        date(2022, 1, 1),
        fin=date(2026, 12, 31),
        preavis_mois=2,
        cout_annuel=D("540.00"),
        niveau_service="niveau3",
        mutualisable=True,
    )
    _contrat(
        commune,
        audit,
        "Loueur de copieurs (démo)",
        "Location et maintenance des copieurs",
        date(2022, 4, 1),
        fin=date(2027, 3, 31),
        cout_annuel=D("2280.00"),
        niveau_service="niveau4",
        mutualisable=False,
    )
    _sort(
        financier,
        dsi,
        sort=Sort.REPRIS,
        le=date(2023, 3, 1),
        decision_numero="démo 2023-012",
        decision_date=date(2023, 2, 15),
        periode_debut=date(2026, 7, 1),
        periode_fin=date(2027, 6, 30),
        montant_periode=D("3120.00"),
        **ETUDE,
    )
    _sort(
        telephonie,
        dsi,
        sort=Sort.CONCLU,
        le=date(2024, 1, 1),
        decision_numero="démo 2023-087",
        decision_date=date(2023, 12, 12),
        periode_debut=date(2024, 1, 1),
        periode_fin=date(2027, 12, 31),
        montant_periode=D("7200.00"),
        **ETUDE,
    )
    _sort(
        maintenance,
        dsi,
        sort=Sort.DENONCE,
        le=date(2023, 3, 15),
        prend_fin_le=date(2023, 6, 30),
        **ETUDE,
    )
    _sort(
        sauvegarde,
        dsi,
        sort=Sort.TRANSITION,
        le=date(2023, 3, 1),
        fin_transition_prevue=date(2026, 12, 31),
        **ETUDE,
    )
    _transfert_bien(
        serveur,
        dsi,
        transfere_le=date(2023, 3, 1),
        decision_numero="démo 2023-013",
        decision_date=date(2023, 2, 15),
        valeur=D("3600.00"),
        duree_amortissement_ans=5,
        **ETUDE,
    )


# A two-year contract's yearly cost (the others' period is one year: their price).
COUTS_ANNUELS = {"Licences de messagerie et bureautique (12 postes)": D("1728.00")}


def thehillac(dsi) -> None:
    commune = _commune("56250")
    audit = _audit_prealable(
        commune,
        dsi,
        demande=date(2022, 6, 1),
        debut=date(2022, 9, 12),
        livre=date(2022, 11, 10),
        clos=date(2022, 12, 15),
    )
    transferts = [
        (
            "Éditeur de logiciels publics (démo)",
            "Hébergement du logiciel d'état civil et d'élections",
            "niveau2",
            {
                "sort": Sort.REPRIS,
                "le": date(2023, 3, 1),
                "decision_numero": "démo 2023-021",
                "decision_date": date(2023, 2, 20),
                "periode_debut": date(2027, 1, 1),
                "periode_fin": date(2027, 12, 31),
                "montant_periode": D("2400.00"),
            },
        ),
        (
            "Éditeur de bureautique (démo)",
            "Licences de messagerie et bureautique (12 postes)",
            "niveau2",
            {
                "sort": Sort.CONCLU,
                "le": date(2026, 7, 1),
                "decision_numero": "démo 2026-054",
                "decision_date": date(2026, 6, 16),
                "etude_le": date(2026, 5, 12),
                "etude_conclusion": "Licences regroupées sur le contrat mutualisé de "
                "l'agglomération (démo).",
                "periode_debut": date(2026, 7, 1),
                "periode_fin": date(2028, 6, 30),
                "montant_periode": D("3456.00"),
            },
        ),
        (
            "Éditeur de sauvegarde (démo)",
            "Sauvegarde externalisée des données",
            "niveau3",
            {
                "sort": Sort.REPRIS,
                "le": date(2023, 3, 1),
                "decision_numero": "démo 2023-021",
                "decision_date": date(2023, 2, 20),
                "periode_debut": date(2026, 1, 1),
                "periode_fin": date(2026, 12, 31),
                "montant_periode": D("900.00"),
            },
        ),
        (
            "Opérateur télécom (démo)",
            "Liens fibre et téléphonie IP de la mairie",
            "niveau3",
            {
                "sort": Sort.REPRIS,
                "le": date(2023, 3, 1),
                "decision_numero": "démo 2023-021",
                "decision_date": date(2023, 2, 20),
                "periode_debut": date(2027, 1, 1),
                "periode_fin": date(2027, 12, 31),
                "montant_periode": D("1800.00"),
                "a_la_sortie": TransfertContrat.ALaSortie.REPRIS_PAR_LE_MEMBRE,
            },
        ),
    ]
    for fournisseur, objet, niveau, sort in transferts:
        contrat = _contrat(
            commune,
            audit,
            fournisseur,
            objet,
            sort["periode_debut"],
            fin=sort["periode_fin"],
            preavis_mois=3,
            cout_annuel=COUTS_ANNUELS.get(objet, sort["montant_periode"]),
            reconduction=Contrat.Reconduction.TACITE,
            niveau_service=niveau,
            mutualisable=True,
        )
        _sort(contrat, dsi, **{**ETUDE, **sort})
    for designation, reference, valeur, duree in [
        ("Serveur de fichiers (démo)", "SRV-THE-01", D("4800.00"), 5),
        ("Pare-feu (démo)", "FW-THE-01", D("1200.00"), 3),
    ]:
        bien = _bien(
            commune,
            audit,
            designation,
            reference,
            niveau_service="niveau3",
            mutualisable=True,
        )
        _transfert_bien(
            bien,
            dsi,
            transfere_le=date(2023, 3, 1),
            decision_numero="démo 2023-022",
            decision_date=date(2023, 2, 20),
            valeur=valeur,
            duree_amortissement_ans=duree,
            **ETUDE,
        )
    etat_de_sortie(commune, dsi)


def etat_de_sortie(commune, dsi) -> None:
    """Théhillac's état at its last day (M4: notified 10/03/2026 → 09/03/2027), with the
    penalty the supplier charges for handing the telephony contract back."""
    adhesion = Adhesion.objects.get(commune=commune, motif_fin=Adhesion.MotifFin.RESILIATION)
    etat = EtatDeSortie.objects.filter(adhesion=adhesion).first()
    if etat is not None and not etat.modifiable:
        return
    etat = actes.calculer_etat_de_sortie(adhesion=adhesion, par=dsi)
    if not etat.lignes.filter(nature=LigneEtatDeSortie.Nature.PENALITE).exists():
        actes.ajouter_ligne(
            etat=etat,
            nature=LigneEtatDeSortie.Nature.PENALITE,
            libelle="Frais de cession du contrat de téléphonie au membre",
            montant=D("350.00"),
            base="art. 9 du contrat de l'opérateur télécom : frais de cession à un nouveau "
            "titulaire, facturés à l'EPCI le 02/02/2027 (démo)",
            transfert_contrat=TransfertContrat.objects.get(
                contrat__commune=commune, contrat__objet__startswith="Liens fibre"
            ),
            par=dsi,
        )


# --- A dispute (art. 2.5) -------------------------------------------------------------------


def litige_fegreac() -> None:
    titre = (
        TitreDeRecettes.objects.emis()
        .filter(commune__code_insee="44057", nature=TitreDeRecettes.Nature.AUDIT)
        .first()
    )
    if titre is None or Litige.objects.filter(titre=titre).exists():
        return
    litige = litiges.ouvrir_litige(
        commune=titre.commune,
        titre=titre,
        objet="Population retenue pour le prix de l'audit contestée (démo)",
        ouvert_le=date(2025, 7, 10),
        par=None,
    )
    litiges.ajouter_etape(
        litige=litige,
        nature="conciliation",
        le=date(2025, 8, 5),
        intervenant="Directeur général des services de Redon Agglomération (démo)",
        compte_rendu="Population municipale en vigueur le jour de la remise confirmée (P1).",
        par=None,
    )
    litiges.clore_litige(
        litige=litige,
        issue=Litige.Issue.ACCORD,
        le=date(2025, 9, 1),
        detail="La commune accepte le prix de l'audit (démo).",
        par=None,
    )


@transaction.atomic
def charger():
    dsi = _dsi()
    audits_deja_livres()
    audit_fougerets()
    audit_en_cours(dsi)
    allaire(dsi)
    thehillac(dsi)
    litige_fegreac()
