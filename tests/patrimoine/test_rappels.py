"""T5, A1 — one month before the audit's deduction window closes, the member is reminded by
e-mail, once, by a command meant to run every day."""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from membres.models import Contact
from patrimoine.models import Audit
from patrimoine.rappels import audits_a_rappeler, envoyer_rappels_t5

pytestmark = pytest.mark.django_db

LIVRE_LE = date(2026, 9, 30)  # window up to 30/03/2027, reminder from 28/02/2027


@pytest.fixture
def audit_livre(membre):
    commune = membre(
        formule="audit", date_effet=date(2026, 5, 1), adhesion={"audit_livre_le": LIVRE_LE}
    )
    Contact.objects.create(
        commune=commune, nom="Secrétariat", email="mairie@demo.invalid", decideur=True
    )
    return Audit.objects.create(
        commune=commune,
        adhesion=commune.adhesions.get(),
        origine=Audit.Origine.ANNEXE,
        demande_le=date(2026, 4, 1),
        demande_reference="délibération",
        commence_le=date(2026, 6, 1),
        livre_le=LIVRE_LE,
    )


def _rappeler(jour):
    sortie = StringIO()
    call_command("rappeler_fenetre_t5", "--jour", jour.isoformat(), stdout=sortie)
    return sortie.getvalue()


@pytest.mark.parametrize(
    ("jour", "rappel"),
    [
        (date(2027, 2, 27), False),  # more than a month before the window closes
        (date(2027, 2, 28), True),  # one month before: the first day of the reminder
        (date(2027, 3, 30), True),  # the window's last day: still in time
        (date(2027, 3, 31), False),  # closed: never reminded late
    ],
)
def test_T5_the_reminder_goes_one_month_before_the_window_closes(audit_livre, jour, rappel):
    assert bool(audits_a_rappeler(jour)) is rappel


def test_T5_the_reminder_is_sent_once_with_the_date_and_the_price(audit_livre, bareme_article_7):
    sortie = _rappeler(date(2027, 3, 1))
    assert f"Rappel envoyé : {audit_livre.commune.nom}" in sortie
    (message,) = mail.outbox
    assert message.to == ["mairie@demo.invalid"]
    assert message.subject == "[Service commun SI] Audit : déduction possible jusqu'au 30/03/2027"
    assert "au plus tard le 30/03/2027" in message.body
    assert "(3\u00a0500,00\u00a0€)" in message.body  # 2 355 inhabitants: the price at delivery
    assert f"/portail/{audit_livre.commune.code_insee}/audit/" in message.body
    audit_livre.refresh_from_db()
    assert audit_livre.rappel_t5_envoye_le == date(2027, 3, 1)
    # The daily run the next days: nothing more.
    assert "0 rappel(s) envoyé(s)" in _rappeler(date(2027, 3, 2))
    assert "0 rappel(s) envoyé(s)" in _rappeler(date(2027, 3, 1))
    assert len(mail.outbox) == 1


def test_T5_no_reminder_once_the_member_joined_the_socle_complet(audit_livre, adhesion_factory):
    adhesion = audit_livre.adhesion
    adhesion.dernier_jour = date(2027, 3, 31)
    adhesion.motif_fin = adhesion.MotifFin.CHANGEMENT
    adhesion.save()
    adhesion_factory(audit_livre.commune, formule="socle_complet", date_effet=date(2027, 4, 1))
    assert audits_a_rappeler(date(2027, 3, 1)) == []


def test_T5_no_reminder_for_a_prealable_audit(audit_livre):
    Audit.objects.filter(pk=audit_livre.pk).update(origine=Audit.Origine.PREALABLE)
    assert audits_a_rappeler(date(2027, 3, 1)) == []


def test_T5_a_member_without_an_email_is_reminded_once_a_contact_is_added(audit_livre):
    Contact.objects.all().delete()
    rapport = envoyer_rappels_t5(jour=date(2027, 3, 1))
    assert rapport.sans_destinataire == [audit_livre] and not mail.outbox
    audit_livre.refresh_from_db()
    assert audit_livre.rappel_t5_envoye_le is None
    Contact.objects.create(commune=audit_livre.commune, nom="DGS", email="dgs@demo.invalid")
    assert len(envoyer_rappels_t5(jour=date(2027, 3, 2)).envoyes) == 1
    assert mail.outbox[0].to == ["dgs@demo.invalid"]


def test_T5_a_failed_send_is_tried_again_on_the_next_run(audit_livre, settings):
    normal = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "tests.patrimoine.test_rappels.BoiteEnPanne"}}
    with pytest.raises(CommandError, match="1 envoi"):
        _rappeler(date(2027, 3, 1))
    audit_livre.refresh_from_db()
    assert audit_livre.rappel_t5_envoye_le is None
    settings.MAILERS = normal
    _rappeler(date(2027, 3, 2))
    assert len(mail.outbox) == 1


def test_T5_the_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("rappeler_fenetre_t5", "--jour", "01/03/2027")


class BoiteEnPanne:
    """An SMTP server that refuses everything (a real failure, not a mock of our code)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("serveur SMTP injoignable")
