"""B8 — report the identifiers that do not pass their check digit, or a SIRET that does not
start with its entity's SIREN, kept from before they were checked (never silently kept).

    python manage.py verifier_identifiants

Exit 0 when every SIREN, SIRET, IBAN and BIC is valid; otherwise one line per value to fix.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from membres.models import Commune, Etablissement, erreur_siret_siren
from outils.identifiants import valider_bic, valider_iban, valider_siren, valider_siret
from tarification.models import Emetteur

CONTROLES = {
    "siren": valider_siren,
    "siret": valider_siret,
    "iban": valider_iban,
    "bic": valider_bic,
}


def anomalies() -> list[str]:
    """One French line per identifier to fix, member by member, then the issuer."""
    lignes = []
    entites = [
        *((f"Commune {c.nom} ({c.code_insee})", c) for c in Commune.objects.order_by("nom")),
        *(
            (f"Établissement {e.nom} ({e.commune.nom})", e)
            for e in Etablissement.objects.select_related("commune").order_by("commune__nom", "nom")
        ),
        *(("Émetteur des titres", e) for e in Emetteur.objects.all()),
    ]
    for libelle, entite in entites:
        for champ, controle in CONTROLES.items():
            valeur = getattr(entite, champ, "")
            if not valeur:
                continue
            try:
                controle(valeur)
            except ValidationError as erreur:
                lignes.append(f"{libelle} : {' '.join(erreur.messages)}")
        erreur = erreur_siret_siren(getattr(entite, "siret", ""), getattr(entite, "siren", ""))
        if erreur:
            lignes.append(f"{libelle} : {erreur}")
    return lignes


class Command(BaseCommand):
    help = "Vérifie les SIREN, SIRET, IBAN et BIC enregistrés (clés de contrôle, SIRET ⊂ SIREN)."

    def handle(self, *args, **options):
        lignes = anomalies()
        for ligne in lignes:
            self.stdout.write(ligne)
        if lignes:
            raise CommandError(f"{len(lignes)} identifiant(s) à corriger.")
        self.stdout.write(self.style.SUCCESS("Tous les identifiants sont valides."))
