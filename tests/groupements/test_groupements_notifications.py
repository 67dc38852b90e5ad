"""The acts of other apps tell the members' contacts (portail.emails), after their commit."""

from datetime import date

from django.core import mail

from membres.models import Contact


def test_G3_contacts_are_told_when_the_recensement_opens(
    groupement_factory, membre_eligible, agir, django_capture_on_commit_callbacks
):
    commune = membre_eligible(nom="Pipriac")
    Contact.objects.create(commune=commune, nom="Secrétariat", email="mairie@pipriac.invalid")
    groupement = groupement_factory()
    agir.adherer(groupement, commune)
    with django_capture_on_commit_callbacks(execute=True):
        agir.etape(groupement, "recensement", date(2025, 2, 1))
    assert [m.to for m in mail.outbox] == [["mairie@pipriac.invalid"]]
