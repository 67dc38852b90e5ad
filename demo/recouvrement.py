"""Demo recouvrement (B11) of the past titres, after the titres demo: plausible states, loaded
through the same imports as the comptable's files (so idempotent by their identity keys).

- every titre of the 2024 and 2025 campaigns and every audit titre is taken in charge five days
  after its issue, and paid in full 25 days after it (never after today) — except:
- Redon's 2025 contribution: paid by half (« partiellement payé »);
- Peillac's 2025 contribution: rejected by the comptable four days after its issue (« code
  service Chorus Pro absent », démo), then annulled and reissued by the finance officer (the
  reissued titre is taken in charge, not paid yet);
- the latest audit titre (Les Fougerêts, 30/09/2026): taken in charge, not paid yet.

Dates and reasons are « démo », not facts.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from tarification.models import Bordereau, EvenementTitre, LigneTitre, TitreDeRecettes
from tarification.recouvrement import imports
from tarification.titres import corrections, pdf, recapitulatif
from tarification.titres.emission import LigneAFacturer, emettre_titre

Nature = TitreDeRecettes.Nature
PARTIEL = "35236"  # Redon
REJETE = "56154"  # Peillac
MOTIF_REJET = "Code service Chorus Pro absent du titre (démo)"
NON_PAYE = "56060"  # Les Fougerêts' audit


def _suivis():
    """The demo's past titres: the 2024 and 2025 campaigns' and the audits'."""
    return (
        TitreDeRecettes.objects.emis()
        .filter(
            Q(nature__in=[Nature.CONTRIBUTION, Nature.COMPLEMENT], annee__in=[2024, 2025])
            | Q(nature=Nature.AUDIT)
        )
        .select_related("commune")
        .order_by("exercice", "numero")
    )


def _au_plus_tard(jour: date) -> date:
    return min(jour, timezone.localdate())


def _reemettre(titre: TitreDeRecettes, par) -> TitreDeRecettes:
    """The rejected titre annulled, then issued again with the same lines."""
    corrections.annuler_titre(
        titre=titre, motif=f"Rejeté par le comptable : {MOTIF_REJET}", par=par
    )
    lignes = [
        LigneAFacturer(
            code=ligne.code,
            libelle=ligne.libelle,
            montant=ligne.montant,
            base_texte=ligne.base_texte,
            service=ligne.service,
            annee=ligne.annee,
        )
        for ligne in LigneTitre.objects.filter(titre=titre).order_by("ordre")
    ]
    return emettre_titre(
        nature=titre.nature,
        commune=titre.commune,
        etablissement=titre.etablissement,
        objet=titre.objet,
        lignes=lignes,
        annee=titre.annee,
        exercice=titre.exercice,
        par=par,
    )


def charger():
    finances = get_user_model().objects.filter(username="finances").first()
    rejete = (
        _suivis().filter(nature=Nature.CONTRIBUTION, annee=2025, commune__code_insee=REJETE).first()
    )
    if rejete is not None and not EvenementTitre.objects.filter(titre=rejete).exists():
        le = _au_plus_tard(rejete.date_emission + timedelta(days=4))
        imports.importer_etats(
            (
                "exercice;titre;etat;date;motif\n"
                f"{rejete.exercice};{rejete.numero};rejeté;{le.isoformat()};{MOTIF_REJET}\n"
            ).encode(),
            par=finances,
        )
        _reemettre(rejete, finances)
        for bordereau_id in (
            Bordereau.objects.filter(titres__pdf="").distinct().values_list("pk", flat=True)
        ):
            pdf.rendre_bordereau(bordereau_id)
        for bordereau in Bordereau.objects.filter(recapitulatif=""):
            recapitulatif.produire(bordereau=bordereau, par=finances, le=timezone.localdate())
    etats, paiements = ["exercice;titre;etat;date;motif"], ["exercice;titre;date;montant;reference"]
    pris_en_charge = set(
        EvenementTitre.objects.filter(nature=EvenementTitre.Nature.PRIS_EN_CHARGE).values_list(
            "titre_id", flat=True
        )
    )
    for titre in _suivis():
        if titre.pk == getattr(rejete, "pk", None):
            continue
        if titre.pk not in pris_en_charge:
            etats.append(
                f"{titre.exercice};{titre.numero};pris en charge;"
                f"{_au_plus_tard(titre.date_emission + timedelta(days=5)).isoformat()};"
            )
        if titre.commune.code_insee == REJETE and titre.annee == 2025:
            continue  # the reissued titre: not paid yet
        if titre.nature == Nature.AUDIT and titre.commune.code_insee == NON_PAYE:
            continue
        montant = titre.total
        if titre.commune.code_insee == PARTIEL and titre.annee == 2025:
            montant = (titre.total / 2).quantize(Decimal("0.01"))
        if not montant:
            continue
        paye_le = titre.date_emission + timedelta(days=25)
        if paye_le > timezone.localdate():
            continue
        paiements.append(
            f"{titre.exercice};{titre.numero};{paye_le.isoformat()};"
            f"{str(montant).replace('.', ',')};VIR-DEMO-{titre.exercice}-{titre.numero}"
        )
    if len(etats) > 1:
        imports.importer_etats(("\n".join(etats) + "\n").encode(), par=finances)
    if len(paiements) > 1:
        imports.importer_paiements(("\n".join(paiements) + "\n").encode(), par=finances)
