from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from membres.populations import ImportInvalide, importer


class Command(BaseCommand):
    help = (
        "Importe les populations INSEE d'un fichier CSV comme populations en vigueur l'année "
        "--annee (règle P1). Tout le fichier est vérifié d'abord : une seule ligne fausse et rien "
        "n'est importé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "fichier",
            help="fichier CSV (colonnes insee, population, population_kind, population_year)",
        )
        parser.add_argument(
            "--annee", type=int, required=True, help="année d'application (millésime + 3)"
        )

    def handle(self, *args, fichier, annee, **options):
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {fichier}")
        if not 1900 <= annee <= 2999:
            raise CommandError(f"Année invalide : {annee}")
        try:
            rapport = importer(chemin.read_bytes(), annee)
        except ImportInvalide as exc:
            raise CommandError(
                f"Import refusé, rien n'a été enregistré ({len(exc.erreurs)} ligne(s) en erreur) :\n"
                + "\n".join(f"  - {e}" for e in exc.erreurs)
            ) from None
        self.stdout.write(
            f"Populations {annee} : {rapport.creees} créée(s), {rapport.modifiees} modifiée(s), "
            f"{rapport.inchangees} inchangée(s)."
        )
