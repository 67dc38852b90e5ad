"""A4 — from the register to the état de sortie's lines: reads a member's transfers, asks the
pure calculator (``patrimoine/calculs.py``) and writes each line's base de liquidation in
French. Used by the act that computes an état (``actes.calculer_etat_de_sortie``) and by the
"what if it left on …" answer of the register pages and the portal (``simuler``), so that
both always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from membres.models import Commune
from outils.formats import formater_date, formater_euros, formater_nombre
from patrimoine import calculs
from patrimoine.models import LigneEtatDeSortie, TransfertBien, TransfertContrat

Nature = LigneEtatDeSortie.Nature
NATURE_DU_SORT = {
    calculs.Sort.REMBOURSEMENT: Nature.REMBOURSEMENT,
    calculs.Sort.REPRISE: Nature.REPRISE,
    calculs.Sort.ECHU: Nature.ECHU,
    calculs.Sort.RESTITUTION: Nature.RESTITUTION,
}


def transferts(commune_id: int, dernier_jour: date):
    """The contracts the EPCI bears and the assets transferred to it, as of the last day (two
    queries)."""
    contrats = list(
        TransfertContrat.objects.filter(
            contrat__commune_id=commune_id,
            sort__in=TransfertContrat.Sort.portes_par_epci(),
            le__lte=dernier_jour,
        )
        .select_related("contrat")
        .order_by("periode_debut", "pk")
    )
    biens = list(
        TransfertBien.objects.filter(bien__commune_id=commune_id, transfere_le__lte=dernier_jour)
        .select_related("bien")
        .order_by("transfere_le", "pk")
    )
    return contrats, biens


def _jours(n: int) -> str:
    return f"{formater_nombre(n)} jour{'s' if n > 1 else ''}"


def _periode(prorata: calculs.ProRata, prix: str) -> str:
    return (
        f"période du {formater_date(prorata.debut)} au {formater_date(prorata.fin)} "
        f"({_jours(prorata.jours_periode)}) {prix} {formater_euros(prorata.montant_periode)}"
    )


def _restant(prorata: calculs.ProRata, dernier_jour: date) -> str:
    if not prorata.jours_restants:
        return f"aucun jour après le dernier jour ({formater_date(dernier_jour)})"
    return (
        f"du {formater_date(prorata.premier_jour_restant)} au {formater_date(prorata.fin)}, "
        f"{_jours(prorata.jours_restants)} après le dernier jour ({formater_date(dernier_jour)}) ; "
        f"{formater_euros(prorata.montant_periode)} × {formater_nombre(prorata.jours_restants)} "
        f"/ {formater_nombre(prorata.jours_periode)} = {formater_euros(prorata.montant)}"
    )


def _origine_contrat(transfert: TransfertContrat) -> str:
    quoi = "transféré à l'EPCI" if transfert.sort == transfert.Sort.REPRIS else "conclu par l'EPCI"
    decision = f" ({transfert.decision})" if transfert.decision else ""
    return f"contrat {transfert.contrat} {quoi} le {formater_date(transfert.le)}{decision}"


def _ligne_contrat(transfert: TransfertContrat, calcul: calculs.LigneSortie, dernier_jour: date):
    p = calcul.prorata
    contrat = transfert.contrat
    if calcul.sort == calculs.Sort.REMBOURSEMENT:
        libelle = f"Remboursement du contrat {contrat.fournisseur} — {contrat.objet}"
        base = (
            f"{_origine_contrat(transfert)} : {_periode(p, 'au prix de')} ; validité restante "
            f"{_restant(p, dernier_jour)} (prorata temporis au jour près)"
        )
    elif calcul.sort == calculs.Sort.REPRISE:
        libelle = f"Contrat transféré au membre : {contrat.fournisseur} — {contrat.objet}"
        base = (
            f"{_origine_contrat(transfert)} : {_periode(p, 'au prix de')} ; transféré au membre "
            f"au lendemain du dernier jour, qui en supporte la validité restante "
            f"({_restant(p, dernier_jour)}) ; rien n'est facturé"
        )
    else:
        libelle = f"Contrat échu : {contrat.fournisseur} — {contrat.objet}"
        base = (
            f"{_origine_contrat(transfert)} : {_periode(p, 'au prix de')} ; la période prend fin "
            f"au plus tard le dernier jour ({formater_date(dernier_jour)}) : rien à rembourser"
        )
    return LigneEtatDeSortie(
        nature=NATURE_DU_SORT[calcul.sort],
        libelle=libelle[:200],
        base=base,
        montant=calcul.montant,
        valeur=p.montant if calcul.sort == calculs.Sort.REPRISE else None,
        transfert_contrat=transfert,
    )


def _ligne_bien(transfert: TransfertBien, calcul: calculs.LigneSortie, dernier_jour: date):
    p = calcul.prorata
    decision = f" ({transfert.decision})" if transfert.decision else ""
    if p.jours_restants:
        reste = (
            f"valeur restant à amortir au dernier jour ({formater_date(dernier_jour)}) : "
            f"{formater_euros(p.montant_periode)} × {formater_nombre(p.jours_restants)} / "
            f"{formater_nombre(p.jours_periode)} = {formater_euros(p.montant)}"
        )
    else:
        reste = (
            f"entièrement amorti le {formater_date(p.fin)} : valeur restante "
            f"{formater_euros(p.montant)}"
        )
    base = (
        f"bien {transfert.bien} transféré à l'EPCI le {formater_date(transfert.transfere_le)}"
        f"{decision} pour {formater_euros(p.montant_periode)}, amorti sur "
        f"{transfert.duree_amortissement_ans} an{'s' if transfert.duree_amortissement_ans > 1 else ''}"
        f" jusqu'au {formater_date(p.fin)} ; {reste} ; restitué au membre, non facturé "
        "(art. 2.4 : seuls les contrats donnent lieu à remboursement)"
    )
    return LigneEtatDeSortie(
        nature=Nature.RESTITUTION,
        libelle=f"Bien restitué au membre : {transfert.bien}"[:200],
        base=base,
        montant=calcul.montant,
        valeur=p.montant,
        transfert_bien=transfert,
    )


def lignes_calculees(commune_id: int, dernier_jour: date) -> list[LigneEtatDeSortie]:
    """A4 — the état's computed lines (unsaved), in order: contracts, then assets."""
    contrats, biens = transferts(commune_id, dernier_jour)
    calcul = calculs.calculer_sortie(
        dernier_jour=dernier_jour,
        contrats=[
            calculs.ContratPorte(
                cle=t.pk,
                montant_periode=t.montant_periode,
                debut=t.periode_debut,
                fin=t.periode_fin,
                repris_par_le_membre=t.a_la_sortie == t.ALaSortie.REPRIS_PAR_LE_MEMBRE,
            )
            for t in contrats
        ],
        biens=[
            calculs.BienTransfere(
                cle=t.pk,
                valeur=t.valeur,
                transfere_le=t.transfere_le,
                duree_ans=t.duree_amortissement_ans,
            )
            for t in biens
        ],
    )
    lignes = [
        _ligne_contrat(t, c, dernier_jour)
        for t, c in zip(contrats, calcul[: len(contrats)], strict=True)
    ]
    lignes += [
        _ligne_bien(t, c, dernier_jour) for t, c in zip(biens, calcul[len(contrats) :], strict=True)
    ]
    for ordre, ligne in enumerate(lignes, start=1):
        ligne.ordre = ordre
    return lignes


@dataclass(frozen=True)
class Simulation:
    """What a member would owe if it left on ``dernier_jour`` (computed lines only)."""

    commune: Commune
    dernier_jour: date
    lignes: list[LigneEtatDeSortie]

    @property
    def total(self) -> Decimal:
        return calculs.total(ligne.montant for ligne in self.lignes)

    @property
    def facturees(self) -> list[LigneEtatDeSortie]:
        return [ligne for ligne in self.lignes if ligne.facturee]


def simuler(commune: Commune, dernier_jour: date) -> Simulation:
    return Simulation(commune, dernier_jour, lignes_calculees(commune.pk, dernier_jour))
