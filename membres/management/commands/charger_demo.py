from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Each app adds its demo data after the members' (order matters: titres need adhésions).
CHARGEURS = ["membres.demo.charger"]


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (31 communes réelles, adhésions, comptes). Idempotent."
    )

    def handle(self, *args, **options):
        for chemin in CHARGEURS:
            import_string(chemin)()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
