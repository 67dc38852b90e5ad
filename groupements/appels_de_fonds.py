"""G6: the appels de fonds of a charge borne by a groupement, issued as titres de recettes of
nature "appel de fonds" through the titres' own act (``tarification.titres.emission.emettre_titres``), so
that numbering (B3), snapshots and mentions (B5), imputation (B6) and immutability (B4) are
those of every other titre.

Called by groupements.actes.emettre_appels_de_fonds, inside its transaction: if one titre
cannot be issued, none is.
"""

from decimal import Decimal

from groupements import regles
from outils.formats import formater_euros
from tarification import calcul
from tarification.models import TitreDeRecettes
from tarification.titres import confirmation, emission
from tarification.titres.mentions import fondement_appel_de_fonds


def cle_element(repartition) -> str:
    """B4 item key of an appel de fonds: one répartition is never called twice from a member
    (unless its titre is annulled)."""
    return f"groupement_appel_de_fonds_{repartition.pk}"


def ligne_appel_de_fonds(repartition, part, total_poids: Decimal) -> calcul.Ligne:
    """The titre's line and its base de liquidation (B5): the convention article, the weight of
    the member over the total weight, and the amount split."""
    groupement = repartition.groupement
    detail = (
        f"groupement de commandes « {groupement.objet} » — {repartition.get_motif_display()}"
        f" ({repartition.piece} du {repartition.piece_date:%d/%m/%Y}) de "
        f"{formater_euros(repartition.montant)} réparti au prorata du poids relatif de chaque "
        "membre dans le marché : "
        + regles.texte_base(poids=part.poids, total=total_poids, montant_total=repartition.montant)
    )
    base = calcul.Base(
        article=repartition.article,
        population=None,
        millesime=None,
        tranche=None,
        part_fixe=None,
        taux=None,
        quantite=None,
        detail=detail,
    )
    return calcul.Ligne(
        code="appel_de_fonds",
        libelle=f"Appel de fonds — {repartition.libelle}"[:250],
        base=base,
        montant=part.montant,
    )


def a_confirmer(repartition) -> list:
    """What ``emettre`` would issue, for its recap page: one per member with a share."""
    parts = repartition.parts.select_related(
        "adhesion__commune", "adhesion__etablissement"
    ).order_by("rang")
    objet = f"Appel de fonds — groupement de commandes « {repartition.groupement.objet} » — {repartition.libelle}"
    return confirmation.appels_de_fonds(
        [
            (
                part.adhesion.commune,
                part.adhesion.etablissement,
                f"Appel de fonds — {repartition.libelle}"[:250],
                part.montant,
            )
            for part in parts
            if part.montant
        ],
        objet=objet[:250],
    )


def emettre(*, repartition, par, exercice: int | None = None) -> list[TitreDeRecettes]:
    """One titre per member with a non-zero share (B1: none for 0); the debtor is the member
    itself — an établissement is its own debtor (M7)."""
    parts = list(
        repartition.parts.select_related(
            "adhesion__commune", "adhesion__etablissement", "repartition__groupement"
        ).order_by("rang")
    )
    total_poids = sum((p.poids for p in parts), Decimal("0.00"))
    objet = f"Appel de fonds — groupement de commandes « {repartition.groupement.objet} » — {repartition.libelle}"
    # B3: the appels de fonds of one répartition are issued together, in one bordereau.
    a_emettre = [part for part in parts if part.montant]
    if not a_emettre:
        return []
    emis = emission.emettre_titres(
        nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
        titres=[
            emission.TitreAEmettre(
                commune=part.adhesion.commune,
                etablissement=part.adhesion.etablissement,
                objet=objet[:250],
                lignes=[
                    emission.LigneAFacturer.depuis(
                        ligne_appel_de_fonds(repartition, part, total_poids),
                        service=cle_element(repartition),
                    )
                ],
                fondement=fondement_appel_de_fonds(
                    groupement=repartition.groupement.objet,
                    repartition=repartition.libelle,
                    piece=repartition.piece,
                    le=repartition.piece_date,
                ),
            )
            for part in a_emettre
        ],
        par=par,
        libelle=objet[:200],
        exercice=exercice,
    )
    for part, titre in zip(a_emettre, emis, strict=True):
        part.titre = titre
        part.save(update_fields=["titre"])
    return emis
