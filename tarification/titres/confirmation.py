"""The one confirmation pattern of every irreversible act that issues a titre (réduction,
annulation, audit, refacturation, frais de sortie, appels de fonds): a valid form first shows
what will be issued — debtor, lines, amount, imputation, exercice — and only its « confirme »
button issues. Nothing here writes: the acts stay in ``actes.py`` and ``corrections.py`` (and
the apps' acts), and check everything again when they run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import render

from membres.models import Adhesion, Commune, Etablissement
from tarification.contribution import prix_audit
from tarification.deja_facture import restes_par_ligne
from tarification.models import Emetteur, TitreDeRecettes
from tarification.titres import mentions
from tarification.titres.exercices import aujourdhui

Nature = TitreDeRecettes.Nature


@dataclass(frozen=True)
class Recap:
    """One titre to be issued, as the person who issues it must see it first."""

    nature: str
    debiteur: str
    objet: str
    lignes: Sequence[tuple[str, Decimal]]
    exercice: int
    imputation: str
    corrige: TitreDeRecettes | None = None
    motif: str = ""
    remarques: Sequence[str] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((montant for _, montant in self.lignes), Decimal("0.00"))


def _imputation(nature: str) -> str:
    emetteur = Emetteur.objects.first()
    if emetteur is None:
        raise ValidationError("Les réglages de l'émetteur des titres sont à compléter (B5).")
    return mentions.imputation(emetteur, nature)


def _debiteur(commune: Commune, etablissement: Etablissement | None = None) -> str:
    return mentions.copie_debiteur(commune, etablissement)["debiteur_nom"]


def annulation(titre: TitreDeRecettes, motif: str) -> Recap:
    lignes = [(ligne.libelle, -reste) for ligne, reste in restes_par_ligne(titre) if reste]
    if not lignes:
        raise ValidationError(f"Le titre n° {titre.numero} est déjà entièrement annulé.")
    return Recap(
        nature=Nature.ANNULATION.label,
        debiteur=titre.debiteur_nom,
        objet=titre.objet,
        lignes=lignes,
        exercice=titre.exercice,
        imputation=titre.imputation,
        corrige=titre,
        motif=motif,
    )


def reduction(titre: TitreDeRecettes, motif: str, reductions: Mapping[int, Decimal]) -> Recap:
    libelles = {ligne.pk: ligne.libelle for ligne in titre.lignes.all()}
    return Recap(
        nature=Nature.REDUCTION.label,
        debiteur=titre.debiteur_nom,
        objet=titre.objet,
        lignes=[(libelles[pk], -montant) for pk, montant in reductions.items()],
        exercice=titre.exercice,
        imputation=titre.imputation,
        corrige=titre,
        motif=motif,
    )


def mandats(titre: TitreDeRecettes, motif: str, reductions: Mapping[int, Decimal]) -> Recap:
    """B4 — on a closed exercice: the mandat requests at account 673 (no titre issued)."""
    recap = reduction(titre, motif, reductions)
    return Recap(
        **{
            **recap.__dict__,
            "nature": "demande de mandat d'annulation (compte 673)",
            "imputation": "673 — titres annulés sur exercices antérieurs",
            "exercice": aujourdhui().year,
        }
    )


def audit(adhesion: Adhesion) -> Recap:
    resultat = prix_audit(adhesion)
    if resultat.bloque:
        raise ValidationError(
            "L'audit ne peut être tarifé : " + " ; ".join(a.message for a in resultat.anomalies)
        )
    livre_le = adhesion.audit_livre_le
    return Recap(
        nature=Nature.AUDIT.label,
        debiteur=_debiteur(adhesion.commune),
        objet=(
            "Audit du système d'information (socle annexe, article 7.2.1 de la convention) — "
            f"rapport livré le {livre_le:%d/%m/%Y}"
        ),
        lignes=[(ligne.libelle, ligne.montant) for ligne in resultat.lignes],
        exercice=aujourdhui().year,
        imputation=_imputation(Nature.AUDIT),
    )


def refacturation(
    *,
    commune: Commune,
    etablissement: Etablissement | None,
    objet: str,
    fournisseur: str,
    numero_facture: str,
    montant: Decimal,
    date_emission=None,
    **_,
) -> Recap:
    return Recap(
        nature=Nature.REFACTURATION.label,
        debiteur=_debiteur(commune, etablissement),
        objet=objet,
        lignes=[(f"Refacturation — {fournisseur}, facture n° {numero_facture}", montant)],
        exercice=(date_emission or aujourdhui()).year,
        imputation=_imputation(Nature.REFACTURATION),
        remarques=("La facture acquittée jointe est intégrée au PDF du titre.",),
    )


def frais_de_sortie(adhesion: Adhesion, lignes: Sequence[tuple[str, Decimal]]) -> Recap:
    return Recap(
        nature=Nature.FRAIS_SORTIE.label,
        debiteur=_debiteur(adhesion.commune),
        objet=(
            "Frais de sortie du service commun (article 2.4 de la convention) — adhésion "
            f"terminée le {adhesion.dernier_jour:%d/%m/%Y}"
            if adhesion.dernier_jour
            else "Frais de sortie du service commun (article 2.4 de la convention)"
        ),
        lignes=list(lignes),
        exercice=aujourdhui().year,
        imputation=_imputation(Nature.FRAIS_SORTIE),
    )


def appels_de_fonds(
    parts: Sequence[tuple[Commune, Etablissement | None, str, Decimal]], *, objet: str
) -> list[Recap]:
    """One recap per appel de fonds of a répartition (one titre per member): its debtor, its
    line's label and amount."""
    imputation = _imputation(Nature.APPEL_DE_FONDS)
    return [
        Recap(
            nature=Nature.APPEL_DE_FONDS.label,
            debiteur=_debiteur(commune, etablissement),
            objet=objet,
            lignes=[(libelle, montant)],
            exercice=aujourdhui().year,
            imputation=imputation,
        )
        for commune, etablissement, libelle, montant in parts
    ]


# ---------------------------------------------------------------------------------------------
# The recap page
# ---------------------------------------------------------------------------------------------

CHAMPS_TECHNIQUES = {"csrfmiddlewaretoken", "confirme", "modifier"}


def confirme(request) -> bool:
    return request.method == "POST" and request.POST.get("confirme") == "1"


def a_confirmer(request) -> bool:
    """A submitted form to recap (not yet confirmed, not sent back to its form)."""
    return request.method == "POST" and not confirme(request) and "modifier" not in request.POST


def page_confirmation(
    request, recaps, *, titre_page, bouton, retour, modifiable=True, champs_en_plus=()
):
    """The recap page; the submitted fields travel again, hidden, with the confirmation."""
    champs = [
        (nom, valeur)
        for nom, valeurs in request.POST.lists()
        if nom not in CHAMPS_TECHNIQUES
        for valeur in valeurs
    ]
    return render(
        request,
        "tarification/confirmation.html",
        {
            "recaps": recaps,
            "total": sum((r.total for r in recaps), Decimal("0.00")),
            "titre_page": titre_page,
            "bouton": bouton,
            "retour": retour,
            "modifiable": modifiable,
            "champs": [*champs, *champs_en_plus],
        },
    )
