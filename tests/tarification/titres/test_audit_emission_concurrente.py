"""T2 under concurrency (PostgreSQL): two finance requests issuing the same delivered audit
at once issue ONE titre; the second returns it (the adhesion's row lock)."""

import threading
from datetime import date

import pytest
from django.db import connection

from tarification.models import TitreDeRecettes
from tarification.titres import actes

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_T2_two_simultaneous_issues_of_an_audit_make_one_titre(
    bareme_article_7, emetteur, membre, agent_dsi, responsable_financier
):
    adhesion = membre(formule="audit", date_effet=date(2025, 3, 1)).adhesions.get()
    actes.enregistrer_livraison_audit(
        adhesion=adhesion, livre_le=date(2025, 6, 20), par=agent_dsi, jour=date(2025, 6, 20)
    )
    depart = threading.Barrier(2)
    titres = []

    def emettre():
        try:
            depart.wait(5)
            titres.append(
                actes.emettre_titre_audit(
                    adhesion=adhesion, par=responsable_financier, date_emission=date(2025, 6, 23)
                ).pk
            )
        finally:
            connection.close()

    fils = [threading.Thread(target=emettre) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(20)
    assert len(titres) == 2 and titres[0] == titres[1]
    assert TitreDeRecettes.objects.filter(nature="audit").count() == 1
