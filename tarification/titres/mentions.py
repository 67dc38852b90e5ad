"""The legal mentions of a titre and its snapshots (B5, B6, B8): what is copied onto each
titre at issue (the issuer's details and mentions, the debtor's identifiers), so that the PDF
is rendered from the titre's own fields, never from live data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError

from membres.models import Adhesion, Commune, Etablissement
from outils.formats import de_commune
from outils.identifiants import iban_lisible, siret_valide
from tarification.models import Emetteur, TitreDeRecettes

Nature = TitreDeRecettes.Nature

# B5 — the enforceability formula (CGCT art. L. 1617-5; LPF art. L. 252 A).
FORMULE_EXECUTOIRE = (
    "Le présent titre de recettes est émis et rendu exécutoire par l'ordonnateur en "
    "application de l'article L. 252 A du livre des procédures fiscales et de l'article "
    "L. 1617-5 du code général des collectivités territoriales."
)


def voies_de_recours(tribunal: str) -> str:
    """B5 — voies et délais de recours: both contests are in CGCT art. L. 1617-5, 2° (the debt
    itself, and the formal regularity of an act of pursuit), the suspension in 3°; the
    convention's prior conciliation (2.5) does not suspend the two-month delay (A4)."""
    return (
        "Dans un délai de deux mois suivant la notification du présent titre (ou, à défaut, du "
        "premier acte procédant de ce titre), le débiteur peut contester le bien-fondé de la "
        f"somme mentionnée en saisissant directement le {tribunal} (article L. 1617-5, 2°, du "
        "code général des collectivités territoriales). La contestation de la régularité "
        "formelle d'un acte de poursuite est portée, dans les deux mois suivant sa "
        "notification, devant le juge de l'exécution (même article, 2°). L'introduction de "
        "l'instance suspend la force exécutoire du titre (même article, 3°). Avant toute action "
        "contentieuse, les parties recherchent un règlement amiable par la conciliation ou la "
        "médiation (article 2.5 de la convention de service commun) ; cette démarche ne "
        "suspend pas le délai de deux mois."
    )


# B5/T10 — the VAT wording printed on a titre, by nature (a correction keeps its original's).
MENTION_TVA_PAR_NATURE = {
    Nature.CONTRIBUTION: "mention_tva",
    Nature.COMPLEMENT: "mention_tva",
    Nature.AUDIT: "mention_tva",
    Nature.REFACTURATION: "mention_tva_refacturation",
    Nature.APPEL_DE_FONDS: "mention_tva_appel_de_fonds",
    Nature.FRAIS_SORTIE: "mention_tva_frais_sortie",
}

CGCT_SERVICE_COMMUN = (
    "article L. 5211-4-2 du code général des collectivités territoriales (service commun)"
)


def _date(jour: date | None) -> str:
    return f"{jour:%d/%m/%Y}" if jour else "(date non renseignée)"


def fondement_adhesion(adhesions: Iterable[Adhesion], *, epci: str, article: str) -> str:
    """B5 — the legal ground of a contribution or an audit: CGCT L. 5211-4-2, this member's
    convention (its signatures) and délibération, the décisions that changed its formula, and
    the convention's article that prices it."""
    conventions, decisions = [], []
    for adhesion in sorted(adhesions, key=lambda a: a.date_effet):
        convention = (
            f"convention de service commun signée par le membre le "
            f"{_date(adhesion.signature_membre_le)} et par {epci} le "
            f"{_date(adhesion.signature_epci_le)}, approuvée par sa délibération "
            f"n° {adhesion.deliberation_numero} du {_date(adhesion.deliberation_date)}"
        )
        if convention not in conventions:
            conventions.append(convention)
        if adhesion.decision_numero:
            decisions.append(
                f"décision n° {adhesion.decision_numero} du {_date(adhesion.decision_date)} "
                f"(choix « {adhesion.get_formule_display()} »)"
            )
    parties = [f"{CGCT_SERVICE_COMMUN[:1].upper()}{CGCT_SERVICE_COMMUN[1:]}", *conventions]
    parties += decisions
    parties.append(f"{article} de la convention")
    return " ; ".join(parties) + "."


def fondement_refacturation(
    *, fournisseur: str, numero_facture: str, date_facture: date, date_paiement: date
) -> str:
    return (
        "Article 2.3.4 de la convention de service commun (achat réalisé par l'EPCI au nom et "
        f"pour le compte du membre) ; facture n° {numero_facture} de {fournisseur} du "
        f"{_date(date_facture)}, acquittée le {_date(date_paiement)}, jointe au présent titre."
    )


def fondement_appel_de_fonds(*, groupement: str, repartition: str, piece: str, le: date) -> str:
    return (
        "Article 4.2.6 de la convention de service commun (groupement de commandes) ; "
        f"répartition « {repartition} » du groupement « {groupement} » ({piece} du {_date(le)}), "
        "au prorata du poids relatif de chaque membre dans le marché."
    )


def fondement_sortie(adhesion: Adhesion, *, etat: str = "") -> str:
    notifiee = (
        f"résiliation notifiée le {_date(adhesion.resiliation_notifiee_le)}"
        if adhesion.resiliation_notifiee_le
        else "résiliation convenue par écrit"
    )
    texte = (
        f"Article 2.4 de la convention de service commun (sortie d'un membre) ; {notifiee}, "
        f"dernier jour de l'adhésion le {_date(adhesion.dernier_jour)}"
    )
    return texte + (f" ; {etat}." if etat else ".")


# B6 — one imputation per nature, read from the issuer's settings.
IMPUTATION_PAR_NATURE = {
    Nature.CONTRIBUTION: "imputation_contribution",
    Nature.COMPLEMENT: "imputation_contribution",  # B4: the contribution's own imputation
    Nature.AUDIT: "imputation_audit",
    Nature.REFACTURATION: "imputation_refacturation",
    Nature.APPEL_DE_FONDS: "imputation_appel_de_fonds",
    Nature.FRAIS_SORTIE: "imputation_frais_sortie",
}

# B5 — the issuer's settings a titre cannot do without.
MENTIONS_EMETTEUR = [
    ("nom", "nom de l'émetteur"),
    ("siren", "SIREN"),
    ("adresse", "adresse"),
    ("ville", "ville"),
    ("ordonnateur_prenom", "prénom de l'ordonnateur"),
    ("ordonnateur_nom", "nom de l'ordonnateur"),
    ("ordonnateur_qualite", "qualité de l'ordonnateur"),
    ("budget", "budget"),
    ("comptable_public", "comptable public"),
    ("modalites_paiement", "modalités de paiement"),
    ("mention_tva", "mention TVA des contributions"),
    ("tribunal", "juridiction compétente"),
]


def nom_debiteur_commune(nom: str) -> str:
    """« Commune d'Allaire », « Commune de Redon », « Commune des Fougerêts »."""
    return f"Commune {de_commune(nom)}"


def copie_debiteur(commune: Commune, etablissement: Etablissement | None = None) -> dict:
    """B5, B8 — the debtor's details as printed on the titre (copied at issue)."""
    if etablissement is not None:
        return {
            "debiteur_nom": etablissement.nom,
            "debiteur_adresse": etablissement.adresse_postale or commune.adresse_postale,
            "debiteur_siret": etablissement.siret,
            "debiteur_code_service": etablissement.code_service_chorus,
            "debiteur_engagement": etablissement.reference_engagement,
        }
    return {
        "debiteur_nom": nom_debiteur_commune(commune.nom),
        "debiteur_adresse": commune.adresse_postale,
        "debiteur_siret": commune.siret,
        "debiteur_code_service": commune.code_service_chorus,
        "debiteur_engagement": commune.reference_engagement,
    }


def anomalies_debiteur(commune: Commune, etablissement: Etablissement | None = None) -> list[str]:
    """B2 revised — once PES export is on, a public debtor without a valid SIRET blocks its
    titre: it could not reach Chorus Pro (B8, B9)."""
    membre = etablissement or commune
    if settings.PES_EXPORT and not siret_valide(membre.siret):
        etat = "invalide" if membre.siret else "manquant"
        return [
            f"SIRET {etat} : le titre ne peut être transmis à Chorus Pro par le flux PES (B2, "
            "B8) ; corrigez-le dans la fiche du membre avant d'émettre."
        ]
    return []


def avertissements_debiteur(commune: Commune, etablissement: Etablissement | None = None):
    """B2 — non-blocking warnings on the debtor's identifiers (B8)."""
    membre = etablissement or commune
    avertissements = []
    if not settings.PES_EXPORT and not siret_valide(membre.siret):
        avertissements.append(
            "SIRET invalide (Chorus Pro)" if membre.siret else "SIRET manquant (Chorus Pro)"
        )
    if not membre.code_service_chorus:
        avertissements.append("code service Chorus Pro manquant")
    if not membre.adresse or not membre.code_postal:
        avertissements.append("adresse incomplète")
    return avertissements


def copie_emetteur(emetteur: Emetteur | None = None) -> dict:
    """B5 — the issuer's details and the legal mentions, copied onto each titre at issue."""
    emetteur = emetteur or Emetteur.courant()
    if emetteur is None:
        raise ValidationError(
            "Les réglages de l'émetteur des titres ne sont pas renseignés : complétez-les dans "
            "l'administration (Tarification › émetteur des titres) avant d'émettre."
        )
    manquants = [libelle for champ, libelle in MENTIONS_EMETTEUR if not getattr(emetteur, champ)]
    if manquants:
        raise ValidationError(
            "Mentions obligatoires manquantes dans les réglages de l'émetteur (B5) : "
            + ", ".join(manquants)
            + ". Un titre qui ne les porte pas peut être annulé : complétez-les avant d'émettre."
        )
    return {
        "nom": emetteur.nom,
        "siren": emetteur.siren,
        "siret": emetteur.siret,
        "adresse": emetteur.adresse,
        "code_postal": emetteur.code_postal,
        "ville": emetteur.ville,
        "ordonnateur": f"{emetteur.ordonnateur_prenom} {emetteur.ordonnateur_nom}",
        "qualite": emetteur.ordonnateur_qualite,
        "comptable_public": emetteur.comptable_public,
        "modalites_paiement": emetteur.modalites_paiement,
        "iban": iban_lisible(emetteur.iban) if emetteur.iban else "",
        "bic": emetteur.bic,
        "mention_tva": emetteur.mention_tva,
        "tribunal": emetteur.tribunal,
        "formule_executoire": FORMULE_EXECUTOIRE,
        "voies_recours": voies_de_recours(emetteur.tribunal),
    }


def imputation(emetteur: Emetteur, nature: str) -> str:
    champ = IMPUTATION_PAR_NATURE[nature]
    imputation = getattr(emetteur, champ)
    if not imputation:
        raise ValidationError(
            f"Aucune imputation budgétaire pour la nature « {Nature(nature).label} » (B6) : "
            "renseignez-la dans les réglages de l'émetteur avant d'émettre."
        )
    return imputation


def nom_epci() -> str:
    """The issuing EPCI's name, as its settings give it (named in the legal ground)."""
    emetteur = Emetteur.courant()
    return emetteur.nom if emetteur else "l'EPCI"


def mentions_du_titre(emetteur: Emetteur, nature: str, fondement: str) -> dict:
    """B5 — what a titre adds to the issuer's snapshot: the VAT wording of its nature and its
    legal ground."""
    champ = MENTION_TVA_PAR_NATURE.get(nature, "mention_tva")
    return {"mention_tva": getattr(emetteur, champ) or emetteur.mention_tva, "fondement": fondement}
