from importlib import import_module

from django.core.management.base import BaseCommand

# Each app adds its demo data after the members' (order matters: the past titres need the
# adhésions, the missions and the groupements).
APPS = ["membres", "missions", "groupements", "tarification", "portail"]


class Command(BaseCommand):
    help = "Charge les données de démonstration (31 communes réelles, adhésions, comptes…). Idempotent."

    def handle(self, *args, **options):
        for app in APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.charger()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
