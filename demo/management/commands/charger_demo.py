from django.core.management.base import BaseCommand

from demo import (
    bareme,
    groupements,
    membres,
    missions,
    patrimoine,
    portail,
    recouvrement,
    titres,
)

# Order matters: the past titres need the adhésions, the missions, the groupements and the
# grid versions they were priced with; the audits' records need their titres.
ETAPES = [membres, missions, groupements, bareme, titres, patrimoine, portail, recouvrement]


class Command(BaseCommand):
    help = "Charge les données de démonstration (31 communes réelles, adhésions, comptes…). Idempotent."

    def handle(self, *args, **options):
        for etape in ETAPES:
            etape.charger()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
