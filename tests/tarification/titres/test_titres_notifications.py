"""The acts of other apps tell the members' contacts (portail.emails), after their commit."""

from datetime import date
from decimal import Decimal

from django.core import mail

from membres.models import Contact


def test_B1_contacts_are_told_when_a_titre_is_issued_and_its_pdf_rendered(
    emetteur, membre, responsable_financier, django_capture_on_commit_callbacks
):
    from tarification.models import TitreDeRecettes
    from tarification.titres import emission
    from tarification.titres.emission import LigneAFacturer

    commune = membre(nom="Allaire")
    Contact.objects.create(
        commune=commune, nom="Secrétariat", email="mairie@allaire.invalid", decideur=True
    )
    Contact.objects.create(commune=commune, nom="Technique", email="dsi@allaire.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        titre = emission.emettre_titre(
            nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
            commune=commune,
            objet="Appel de fonds",
            lignes=[
                LigneAFacturer(
                    code="divers", libelle="Prestation", montant=Decimal("100.00"), base_texte="x"
                )
            ],
            par=responsable_financier,
            date_emission=date(2026, 2, 2),
        )
    titre.refresh_from_db()
    assert titre.pdf  # rendered by the (immediate) background task
    # M5: no contact comptabilité named, so the décideur (not the technical contact).
    assert [m.to for m in mail.outbox] == [["mairie@allaire.invalid"]]
