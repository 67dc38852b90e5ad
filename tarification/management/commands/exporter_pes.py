"""B9 — write a bordereau's PES V2 recette file (produced and validated once, then kept).

    python manage.py exporter_pes --exercice 2027 --bordereau 3 [--budget …] [--sortie FICHIER]

Without ``--sortie`` the file is written as ``pes-<exercice>-<bordereau>.xml`` in the current
folder. A file that does not validate against the DGFiP's schema is never written: the command
stops with the French reason, naming the titre and the field.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tarification.models import Bordereau, Emetteur
from tarification.titres import pes


class Command(BaseCommand):
    help = (
        "Exporte le fichier PES V2 (recette) d'un bordereau, validé contre le schéma de la DGFiP."
    )

    def add_arguments(self, parser):
        parser.add_argument("--exercice", type=int, required=True)
        parser.add_argument("--bordereau", type=int, required=True, help="Numéro du bordereau.")
        parser.add_argument("--budget", help="Budget (par défaut celui de l'émetteur).")
        parser.add_argument("--sortie", help="Fichier à écrire (pes-<exercice>-<bordereau>.xml).")

    def handle(self, *args, exercice, bordereau, budget, sortie, **options):
        emetteur = Emetteur.courant()
        budget = budget or (emetteur.budget if emetteur else "")
        objet = Bordereau.objects.filter(exercice=exercice, budget=budget, numero=bordereau).first()
        if objet is None:
            raise CommandError(
                f"Aucun bordereau n° {bordereau} de l'exercice {exercice} (budget « {budget} »)."
            )
        try:
            objet = pes.produire(objet)
        except ValidationError as erreur:
            raise CommandError(" ".join(erreur.messages)) from erreur
        cible = Path(sortie or pes.nom_fichier(objet))
        with objet.pes.open("rb") as fichier:
            cible.write_bytes(fichier.read())
        self.stdout.write(
            self.style.SUCCESS(f"Fichier PES écrit : {cible} ({cible.stat().st_size} octets).")
        )
