"""B4 (revised) — per member, year and service, what the calculator gives now against what is
billed net of corrections, and how the difference is billed.

An item (member, year, service) is an ``Element``: the line computed now (or none: no longer
due), the lines already billing it (``deja_facture.ElementFacture``), the difference (écart)
and its reason in words (half-days added or removed, population corrected, grid changed…).
An increase is billed by a titre complémentaire; a decrease is taken off the lines billing the
item, the latest first: by a réduction of their titre while its exercice is open, else by a
mandat request at account 673 (``corrections.repartir_diminution``). One place for these
figures: the preview shows them and the issue bills them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from outils.formats import formater_euros, formater_nombre, formater_quantite
from tarification import calcul
from tarification.deja_facture import ElementFacture
from tarification.textes import texte_base
from tarification.titres.corrections import Diminution, repartir_diminution

ZERO = Decimal("0.00")
CODES_NIVEAU1 = (calcul.CODE_NIVEAU1, calcul.CODE_DIAGNOSTIC)


def titre_en_mots(titre) -> str:
    return f"titre n° {titre.numero} (exercice {titre.exercice}) du {titre.date_emission:%d/%m/%Y}"


@dataclass
class Element:
    """One yearly item of a member: computed now (``ligne``), billed (``facture``)."""

    code: str
    ligne: calcul.Ligne | None
    facture: ElementFacture | None
    prix_demi_journee: Decimal | None = None
    diminutions: list[Diminution] = field(default_factory=list)

    @property
    def calcule(self) -> Decimal:
        return self.ligne.montant if self.ligne is not None else ZERO

    @property
    def deja_facture(self) -> Decimal:
        return self.facture.net if self.facture is not None else ZERO

    @property
    def ecart(self) -> Decimal:
        return self.calcule - self.deja_facture

    @property
    def libelle(self) -> str:
        if self.ligne is not None:
            return self.ligne.libelle
        return self.facture.lignes[0].libelle

    @property
    def base(self) -> str:
        """The base now, else (an item no longer due) the base it was billed with."""
        if self.ligne is not None:
            return texte_base(self.ligne.base)
        return self.base_facturee

    @property
    def base_facturee(self) -> str:
        derniere = self.facture.derniere if self.facture is not None else None
        return derniere.base_texte if derniere is not None else ""

    # --- Why the difference --------------------------------------------------------------
    def raison(self) -> str:
        """The reason of a difference, when it can be named from the bases then and now."""
        if self.code in CODES_NIVEAU1 and self.prix_demi_journee:
            # Half-days billed then and now, at the year's price (saisies added, removed or
            # moved, or the pool used up by others).
            avant = self.deja_facture / self.prix_demi_journee
            apres = self.calcule / self.prix_demi_journee
            sens = "ajoutées" if apres > avant else "retirées"
            return (
                f"demi-journées facturables {sens} : {formater_quantite(avant)} → "
                f"{formater_quantite(apres)}"
            )
        if self.ligne is None:
            return "n'est plus dû (formule ou adhésion modifiée)"
        if self.deja_facture == 0:
            return "nouvel élément (formule ou adhésion modifiée)"
        base = self.ligne.base
        avant = self._derniere_avec_population()
        if avant is not None and base.population is not None:
            if avant.population != base.population:
                return (
                    f"population corrigée : {formater_nombre(avant.population)} → "
                    f"{formater_nombre(base.population)} hab."
                )
            if (avant.part_fixe, avant.taux) != (base.part_fixe, base.taux):
                return "barème ou tarif dérogatoire modifié"
        if self.code == "deduction_audit":
            return "déduction de l'audit modifiée (prix de l'audit ou socle complet)"
        return "montant recalculé (barème, tarif dérogatoire ou formule modifiés)"

    def _derniere_avec_population(self):
        lignes = self.facture.lignes if self.facture is not None else []
        avec = [ligne for ligne in lignes if ligne.population is not None]
        return avec[-1] if avec else None

    def deja_en_mots(self) -> str:
        """« déjà facturé par le titre n° 1 (exercice 2026) du 10/02/2026 » (+ complements)."""
        if self.facture is None or not self.facture.lignes:
            return "jamais facturé"
        titres = []
        for ligne in self.facture.lignes:
            if ligne.titre not in titres:
                titres.append(ligne.titre)
        texte = "déjà facturé par le " + titre_en_mots(titres[0])
        if len(titres) > 1:
            texte += ", complété par le " + ", le ".join(titre_en_mots(t) for t in titres[1:])
        return texte

    def motif(self, *, premiere_facturation: bool) -> str:
        """What the preview says of this item: billed already, why it differs, and how the
        difference would be billed."""
        if premiere_facturation:
            return "à facturer" if self.calcule else ""
        if self.ecart == 0:
            return self.deja_en_mots() if self.deja_facture else ""
        texte = (
            f"facturé {formater_euros(self.deja_facture)}, calculé "
            f"{formater_euros(self.calcule)}, écart {formater_euros(self.ecart)} : "
            f"{self.raison()}"
        )
        if self.ecart > 0:
            return texte + " ; titre complémentaire"
        actions = []
        for diminution in self.diminutions:
            titre = diminution.ligne.titre
            if diminution.par_mandat:
                actions.append(
                    f"demande de mandat au compte 673 de {formater_euros(diminution.montant)} "
                    f"sur le {titre_en_mots(titre)} (exercice clos)"
                )
            else:
                actions.append(
                    f"réduction de {formater_euros(diminution.montant)} du {titre_en_mots(titre)}"
                )
        return texte + " ; " + " ; ".join(actions)

    def planifier(self, jour: date) -> None:
        """Where a decrease is taken from, on the issue date ``jour``."""
        self.diminutions = []
        if self.ecart < 0:
            self.diminutions = repartir_diminution(self.facture.lignes, -self.ecart, jour)

    # --- The lines the issue writes -------------------------------------------------------
    def base_complement(self) -> str:
        """B4 — a titre complémentaire's line: the base then and now."""
        if self.facture is not None and self.facture.lignes:
            avant = f"({self.deja_en_mots()} ; base : {self.base_facturee})"
        else:
            avant = "(élément jamais facturé pour l'année)"
        return (
            f"Complément de « {self.libelle} » : facturé {formater_euros(self.deja_facture)} "
            f"{avant} ; dû {formater_euros(self.calcule)} (base : {self.base}) ; écart "
            f"{formater_euros(self.ecart)} : {self.raison()}"
        )

    def base_diminution(self, diminution: Diminution) -> str:
        """B4 — a réduction's line: the base then and now."""
        ligne = diminution.ligne
        maintenant = f"base : {self.base}" if self.ligne is not None else "n'est plus dû"
        return (
            f"Réduction de la ligne « {ligne.libelle} » ({formater_euros(ligne.montant)}) du "
            f"{titre_en_mots(ligne.titre)} (base : {ligne.base_texte}) : l'élément est facturé "
            f"{formater_euros(self.deja_facture)} et dû {formater_euros(self.calcule)} "
            f"({maintenant}) ; {self.raison()}"
        )

    def base_complement_structuree(self) -> calcul.Base | None:
        """The structured fields a complement line keeps: article, population, vintage and
        bracket of the base now (not the amounts: its amount is the difference)."""
        if self.ligne is None:
            return None
        base = self.ligne.base
        return calcul.Base(
            article=base.article,
            population=base.population,
            millesime=base.millesime,
            tranche=base.tranche,
            part_fixe=None,
            taux=None,
            quantite=None,
            nature_population=base.nature_population,
        )


def elements_du_membre(
    lignes: tuple[calcul.Ligne, ...],
    factures: dict[str, ElementFacture],
    *,
    prix_demi_journee: Decimal | None,
) -> list[Element]:
    """The member's items of the year: the computed lines in the calculator's order, then the
    items billed and no longer computed."""
    elements = [
        Element(ligne.code, ligne, factures.get(ligne.code), prix_demi_journee) for ligne in lignes
    ]
    calcules = {ligne.code for ligne in lignes}
    elements += [
        Element(code, None, facture, prix_demi_journee)
        for code, facture in factures.items()
        if code not in calcules
    ]
    return elements
