"""``manage.py generer_donnees --communes N``: a synthetic but valid data set for the scale
benchmark (see ``demo/synthetique.py``). Never on a database with real members."""

from django.core.management.base import BaseCommand, CommandError

from demo import synthetique


class Command(BaseCommand):
    help = (
        "Crée N communes synthétiques avec populations, adhésions, missions et groupements "
        "(banc d'essai ; base dédiée)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=int, help="Nombre de communes à créer.")
        parser.add_argument(
            "--effacer",
            action="store_true",
            help="Supprime les données synthétiques (avant d'en créer si --communes est donné).",
        )

    def handle(self, *args, communes=None, effacer=False, **options):
        if communes is None and not effacer:
            raise CommandError("Indiquez --communes N, ou --effacer.")
        try:
            if effacer:
                comptes = synthetique.effacer()
                self.stdout.write(
                    "Données synthétiques supprimées : "
                    + ", ".join(f"{nom} {n}" for nom, n in comptes.items())
                )
            if communes is not None:
                rapport = synthetique.generer(communes=communes, sortie=self.stdout.write)
                self.stdout.write(self.style.SUCCESS(str(rapport)))
        except synthetique.DonneesExistantes as erreur:
            raise CommandError(str(erreur)) from erreur
