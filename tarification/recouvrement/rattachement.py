"""B11 — the *état des produits à rattacher* of year N at 31 December N: what the campaign of N
bills and is not issued on exercice N, per member, nature and imputation, for the finance
officer's rattachement entries.

Two sources, so that the état is right before and after the campaign is issued:

- the titres of year N (contributions and complements, net of their corrections, ``deja_facture``)
  issued on a later exercice (a campaign issued in January N+1);
- the stored preview of the campaign of N (``ApercuMembre``): what it would still bill, line by
  line (its ``ecart``: a complement, or a negative difference to reduce). A preview is a
  snapshot: the état says when it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tarification.deja_facture import avec_corrections
from tarification.models import ApercuCampagne, ApercuMembre, Emetteur, TitreDeRecettes

ZERO = Decimal("0.00")
Nature = TitreDeRecettes.Nature


@dataclass(frozen=True)
class Produit:
    code_insee: str
    membre: str
    nature: str
    imputation: str
    montant: Decimal
    origine: str  # the titre, or "aperçu du …"


@dataclass(frozen=True)
class Etat:
    annee: int
    produits: list[Produit]
    apercu: ApercuCampagne | None

    @property
    def total(self) -> Decimal:
        return sum((p.montant for p in self.produits), ZERO)


def etat_des_produits(annee: int) -> Etat:
    """B11 — the products of ``annee`` to attach to its exercice. Three queries."""
    produits: list[Produit] = []
    titres = (
        avec_corrections(
            TitreDeRecettes.objects.emis().filter(
                annee=annee, exercice__gt=annee, nature__in=Nature.contributions()
            )
        )
        .select_related("commune")
        .order_by("commune__nom", "exercice", "numero")
    )
    for titre in titres:
        net = titre.total + titre.corrige_de - titre.mandats
        if net:
            produits.append(
                Produit(
                    code_insee=titre.commune.code_insee,
                    membre=titre.debiteur_nom,
                    nature=titre.get_nature_display(),
                    imputation=titre.imputation,
                    montant=net,
                    origine=f"titre n° {titre.numero} (exercice {titre.exercice})",
                )
            )
    apercu = ApercuCampagne.objects.filter(annee=annee).order_by("-calcule_le").first()
    if apercu is not None:
        emetteur = Emetteur.courant()
        imputation = emetteur.imputation_contribution if emetteur else ""
        membres = ApercuMembre.objects.filter(
            apercu=apercu, statut=ApercuMembre.Statut.A_EMETTRE
        ).order_by("nom")
        for membre in membres:
            for ligne in membre.lignes:
                ecart = Decimal(ligne.get("ecart") or "0")
                if not ecart:
                    continue
                deja = Decimal(ligne.get("deja_facture") or "0")
                nature = (
                    Nature.CONTRIBUTION.label
                    if not deja
                    else (Nature.COMPLEMENT.label if ecart > 0 else Nature.REDUCTION.label)
                )
                produits.append(
                    Produit(
                        code_insee=membre.code_insee,
                        membre=membre.nom,
                        nature=f"{nature} — {ligne.get('libelle', '')}",
                        imputation=imputation,
                        montant=ecart,
                        origine=f"aperçu du {apercu.calcule_le:%d/%m/%Y}",
                    )
                )
    return Etat(annee=annee, produits=produits, apercu=apercu)


ENTETES = ["Code INSEE", "Membre", "Nature", "Imputation", "Montant", "Origine"]


def lignes_export(etat: Etat) -> list[list]:
    return [
        [p.code_insee, p.membre, p.nature, p.imputation, p.montant, p.origine]
        for p in etat.produits
    ]
