"""B3 — take back the official titre and bordereau numbers given by the finance suite.

    python manage.py importer_numeros_officiels FICHIER.csv

``exercice;budget;titre;titre_officiel;bordereau_officiel``, UTF-8 with or without BOM. All or
nothing: one bad line imports nothing and is named; re-importing the same file changes nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tarification.titres import numeros_officiels


class Command(BaseCommand):
    help = "Importe les numéros officiels des titres (CSV du logiciel financier), tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("fichier")

    def handle(self, *args, fichier, **options):
        try:
            resultat = numeros_officiels.importer(Path(fichier).read_bytes())
        except OSError as erreur:
            raise CommandError(f"Fichier illisible : {erreur}") from erreur
        except ValidationError as erreur:
            for message in erreur.messages:
                self.stderr.write(message)
            raise CommandError(
                f"{len(erreur.messages)} erreur(s) : aucun numéro n'a été importé."
            ) from erreur
        self.stdout.write(
            self.style.SUCCESS(
                f"{resultat.lignes} ligne(s) : {resultat.enregistres} titre(s) numérotés, "
                f"{resultat.deja} déjà à jour."
            )
        )
