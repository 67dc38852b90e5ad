"""G8 under concurrency (PostgreSQL): a need declared while the consultation is being
launched waits for the launch, then is refused — it never slips in after the freeze."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from groupements import actes
from groupements.models import AdhesionGroupement

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_G8_declaration_concurrent_with_the_launch_refused(
    groupement_factory, membre_eligible, agir, agent_dsi
):
    groupement = groupement_factory()
    adhesion = agir.adherer(groupement, membre_eligible())
    agir.besoins(adhesion, Decimal("100.00"))
    agir.etape(groupement, "recensement", date(2025, 2, 1))

    verrou_pris = threading.Event()
    resultats = {}

    def lancer():
        try:
            with transaction.atomic():
                actes.passer_etape(
                    groupement=groupement, vers="consultation", le=date(2025, 3, 10), par=agent_dsi
                )
                verrou_pris.set()
                time.sleep(0.5)  # the declaration must wait for this commit
        finally:
            connection.close()

    def declarer():
        verrou_pris.wait(5)
        try:
            agir.besoins(AdhesionGroupement.objects.get(pk=adhesion.pk), Decimal("999.00"))
            resultats["declaration"] = "acceptée"
        except ValidationError as erreur:
            resultats["declaration"] = erreur.code
        finally:
            connection.close()

    fils = [threading.Thread(target=lancer), threading.Thread(target=declarer)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(10)
    assert resultats == {"declaration": "G8"}
    assert adhesion.total_besoins() == Decimal("100.00")
