"""A4 — the état de sortie: computed from the register at the member's last day (contracts
reimbursed pro rata to the day over their own period, handed back or over; assets given back),
penalties entered with their base; validated by the DSI, then issued as the frais de sortie
titre, whose total is the état's to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from patrimoine import actes, sortie
from patrimoine.models import EtatDeSortie, LigneEtatDeSortie, TransfertContrat
from tarification.models import TitreDeRecettes
from tests.patrimoine import fabrique

pytestmark = pytest.mark.django_db
D = Decimal
Nature = LigneEtatDeSortie.Nature
DERNIER_JOUR = date(2027, 3, 9)  # résiliation notified 10/03/2026 (M4)


def registre(commune):
    """The register of the member that leaves: four contracts the EPCI bears, two assets."""
    hebergement = fabrique.porter(
        fabrique.contrat(commune, objet="Hébergement du logiciel financier"),
        debut=date(2027, 1, 1),
        fin=date(2027, 12, 31),
        montant=D("2400.00"),
    )
    licences = fabrique.porter(
        fabrique.contrat(commune, fournisseur="Microsoft", objet="Licences bureautiques"),
        sort=TransfertContrat.Sort.CONCLU,
        le=date(2026, 7, 1),
        debut=date(2026, 7, 1),
        fin=date(2028, 6, 30),  # two years over 29/02/2028: 731 days
        montant=D("3456.00"),
    )
    copieur = fabrique.porter(
        fabrique.contrat(commune, fournisseur="Copieurs SARL", objet="Maintenance"),
        debut=date(2026, 1, 1),
        fin=date(2026, 12, 31),
        montant=D("900.00"),
    )
    telephonie = fabrique.porter(
        fabrique.contrat(commune, fournisseur="Opérateur", objet="Téléphonie IP"),
        debut=date(2027, 1, 1),
        fin=date(2027, 12, 31),
        montant=D("1800.00"),
        a_la_sortie=TransfertContrat.ALaSortie.REPRIS_PAR_LE_MEMBRE,
    )
    serveur = fabrique.transferer(fabrique.bien(commune), valeur=D("4800.00"), duree=5)
    pare_feu = fabrique.transferer(
        fabrique.bien(commune, designation="Pare-feu", reference="FW-1"),
        valeur=D("1200.00"),
        duree=3,
    )
    return hebergement, licences, copieur, telephonie, serveur, pare_feu


@pytest.fixture
def sortant(membre, emetteur):
    commune = membre(
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
    )
    registre(commune)
    return commune


@pytest.fixture
def etat(sortant, agent_dsi):
    return actes.calculer_etat_de_sortie(adhesion=sortant.adhesions.get(), par=agent_dsi)


def _lignes(etat):
    return list(etat.lignes.order_by("ordre"))


def test_A4_the_etat_is_computed_from_the_register_at_the_last_day(etat):
    assert etat.dernier_jour == DERNIER_JOUR and etat.statut == EtatDeSortie.Statut.BROUILLON
    lignes = _lignes(etat)
    # Contracts by the start of their period, then assets by their transfer.
    assert [(ligne.nature, ligne.montant, ligne.valeur) for ligne in lignes] == [
        (Nature.ECHU, D("0.00"), None),  # ended 31/12/2026, before the last day
        (Nature.REMBOURSEMENT, D("2264.60"), None),  # 3 456 × 479 / 731 (leap year)
        (Nature.REMBOURSEMENT, D("1952.88"), None),  # 2 400 × 297 / 365
        (Nature.REPRISE, D("0.00"), D("1464.66")),  # handed back: 1 800 × 297 / 365
        (Nature.RESTITUTION, D("0.00"), D("937.93")),  # 4 800 × 357 / 1 827
        (Nature.RESTITUTION, D("0.00"), D("0.00")),  # fully depreciated on 28/02/2026
    ]
    assert etat.total == D("4217.48")
    # Each line says its base: the contract, its own period, the days left, the operation.
    assert lignes[2].base == (
        "contrat Éditeur SA — Hébergement du logiciel financier transféré à l'EPCI le "
        "01/03/2023 (décision n° 2023-45 du 15/02/2023) : période du 01/01/2027 au 31/12/2027 "
        "(365 jours) au prix de 2\u00a0400,00\u00a0€ ; validité restante du 10/03/2027 au "
        "31/12/2027, 297 jours après le dernier jour (09/03/2027) ; 2\u00a0400,00\u00a0€ × 297 "
        "/ 365 = 1\u00a0952,88\u00a0€ (prorata temporis au jour près)"
    )
    assert "entièrement amorti le 28/02/2026" in lignes[5].base
    assert "non facturé" in lignes[4].base


def test_A4_only_transfers_made_by_the_last_day_count(sortant):
    # Left on 30/06/2026: the licences concluded by the EPCI on 01/07/2026 are not its.
    simulation = sortie.simuler(sortant, date(2026, 6, 30))
    assert "Licences bureautiques" not in " ".join(ligne.libelle for ligne in simulation.lignes)
    assert len(simulation.lignes) == 5


def test_A4_a_penalty_is_the_members_with_its_base(etat, agent_dsi):
    telephonie = TransfertContrat.objects.get(contrat__objet="Téléphonie IP")
    ligne = actes.ajouter_ligne(
        etat=etat,
        nature=Nature.PENALITE,
        libelle="Pénalité de résiliation anticipée — Copieurs SARL",
        montant=D("350.00"),
        base="art. 12 du contrat : 3 mois de maintenance (courrier du 02/02/2027)",
        transfert_contrat=telephonie,
        par=agent_dsi,
    )
    etat.refresh_from_db()
    assert ligne.ordre == 7 and etat.total == D("4567.48")
    with pytest.raises(ValidationError, match="base"):
        actes.ajouter_ligne(
            etat=etat, nature=Nature.PENALITE, libelle="x", montant=D("1"), base=" ", par=None
        )
    with pytest.raises(ValidationError, match="Seules les pénalités"):
        actes.ajouter_ligne(
            etat=etat, nature=Nature.REMBOURSEMENT, libelle="x", montant=D("1"), base="b", par=None
        )
    # Recomputing keeps the entered line, after the computed ones.
    etat = actes.calculer_etat_de_sortie(adhesion=etat.adhesion, par=agent_dsi)
    assert [ligne.nature for ligne in _lignes(etat)][-1] == Nature.PENALITE
    assert etat.total == D("4567.48")
    # A computed line is never deleted by hand: the register is corrected instead.
    with pytest.raises(ValidationError, match="corrigez le registre"):
        actes.supprimer_ligne(ligne=_lignes(etat)[0], par=agent_dsi)
    actes.supprimer_ligne(ligne=_lignes(etat)[-1], par=agent_dsi)
    etat.refresh_from_db()
    assert etat.total == D("4217.48")


def test_A4_validated_then_issued_as_the_frais_de_sortie_titre_to_the_cent(
    etat, agent_dsi, responsable_financier, django_capture_on_commit_callbacks, texte_pdf
):
    actes.ajouter_ligne(
        etat=etat,
        nature=Nature.PENALITE,
        libelle="Pénalité de transfert du contrat de téléphonie",
        montant=D("350.00"),
        base="art. 9 du contrat Opérateur : frais de cession",
        par=agent_dsi,
    )
    etat.refresh_from_db()
    etat = actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    assert etat.statut == EtatDeSortie.Statut.VALIDE and etat.valide_par == agent_dsi
    # Issued before the last day (09/03/2027), once validated.
    with django_capture_on_commit_callbacks(execute=True):
        titre = actes.emettre_etat_de_sortie(etat=etat, par=responsable_financier)
    etat.refresh_from_db()
    assert etat.statut == EtatDeSortie.Statut.EMIS and etat.titre == titre
    assert titre.nature == TitreDeRecettes.Nature.FRAIS_SORTIE
    assert titre.total == etat.total == D("4567.48")
    facturees = [ligne for ligne in _lignes(etat) if ligne.facturee]
    lignes_titre = list(titre.lignes.order_by("ordre"))
    assert [(lt.libelle, lt.montant) for lt in lignes_titre] == [
        (ligne.libelle, ligne.montant) for ligne in facturees
    ]
    for ligne_titre, ligne in zip(lignes_titre, facturees, strict=True):
        assert ligne_titre.base_texte.startswith(
            "art. 2.4 — résiliation notifiée le 10/03/2026, dernier jour de l'adhésion le "
            "09/03/2027 : "
        )
        assert ligne_titre.base_texte.endswith(ligne.base)
    # The real PDF, read back: the lines and their pro rata.
    titre.refresh_from_db()
    texte = texte_pdf(titre.pdf.read())
    assert "Remboursement du contrat Éditeur SA" in texte and "4 567,48" in texte
    assert "× 297 / 365" in texte
    with pytest.raises(ValidationError, match="déjà émis"):
        actes.emettre_etat_de_sortie(etat=etat, par=responsable_financier)
    assert TitreDeRecettes.objects.count() == 1


def test_A4_validation_refers_to_the_etat_as_shown_and_to_the_current_register(etat, agent_dsi):
    with pytest.raises(ValidationError, match="a changé depuis son affichage"):
        actes.valider_etat_de_sortie(etat=etat, empreinte="autre", par=agent_dsi)
    empreinte = etat.empreinte()
    transfert = TransfertContrat.objects.get(contrat__objet="Hébergement du logiciel financier")
    transfert.montant_periode = D("2500.00")
    transfert.save()
    with pytest.raises(ValidationError, match="recalculez"):
        actes.valider_etat_de_sortie(etat=etat, empreinte=empreinte, par=agent_dsi)
    etat = actes.calculer_etat_de_sortie(adhesion=etat.adhesion, par=agent_dsi)
    assert etat.total == D("4298.85")  # 2 500 × 297 / 365 = 2 034,25, + 2 264,60
    etat = actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    assert etat.statut == EtatDeSortie.Statut.VALIDE


def test_A4_a_validated_etat_no_longer_changes_until_reopened(etat, agent_dsi):
    etat = actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        actes.calculer_etat_de_sortie(adhesion=etat.adhesion, par=agent_dsi)
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        actes.ajouter_ligne(
            etat=etat, nature=Nature.PENALITE, libelle="x", montant=D("1"), base="b", par=None
        )
    etat = actes.rouvrir_etat_de_sortie(etat=etat, par=agent_dsi)
    assert etat.modifiable and etat.valide_le is None


def test_A4_an_etat_is_issued_only_once_validated(etat, responsable_financier):
    with pytest.raises(ValidationError, match="validé par la DSI avant"):
        actes.emettre_etat_de_sortie(etat=etat, par=responsable_financier)
    assert not TitreDeRecettes.objects.exists()


def test_A4_B1_an_etat_that_bills_nothing_issues_no_titre(membre, emetteur, agent_dsi):
    commune = membre(
        formule="socle_complet",
        date_effet=date(2023, 1, 1),
        adhesion={"resiliation_notifiee_le": date(2026, 3, 10)},
    )
    fabrique.transferer(fabrique.bien(commune), valeur=D("1200.00"), duree=3)
    etat = actes.calculer_etat_de_sortie(adhesion=commune.adhesions.get(), par=agent_dsi)
    etat = actes.valider_etat_de_sortie(etat=etat, empreinte=etat.empreinte(), par=agent_dsi)
    assert etat.total == 0
    with pytest.raises(ValidationError, match="aucun titre n'est émis pour un total nul"):
        actes.emettre_etat_de_sortie(etat=etat, par=agent_dsi)


def test_A4_M4_only_for_a_member_in_preavis(membre, agent_dsi):
    commune = membre(formule="socle_complet", date_effet=date(2023, 1, 1))
    with pytest.raises(ValidationError, match="n'est pas résiliée"):
        actes.calculer_etat_de_sortie(adhesion=commune.adhesions.get(), par=agent_dsi)
    assert not EtatDeSortie.objects.exists()


def test_A4_what_a_member_would_owe_if_it_left_on_31_december(membre):
    """The DSI's question, for a member not in préavis: the same computation, nothing stored."""
    commune = membre(formule="socle_complet", date_effet=date(2023, 1, 1))
    registre(commune)
    simulation = sortie.simuler(commune, date(2026, 12, 31))
    # Licences (3 456 × 547 / 731 = 2 586,09) + hébergement (2027 whole: 2 400); the copier
    # ends that day; the telephony is handed back.
    assert [ligne.montant for ligne in simulation.facturees] == [D("2586.09"), D("2400.00")]
    assert simulation.total == D("4986.09")
    assert not EtatDeSortie.objects.exists()
