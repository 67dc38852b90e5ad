"""B11 — friendly reminders: past the delay after the due date, one per titre per delay, at most
RECOUVREMENT_RAPPELS_MAX, to the contact comptabilité (else the décideur), with the lettre de
rappel PDF citing the titre, its amount, what remains, how to pay and the comptable's role."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.management import call_command

from membres.models import Contact
from tarification.models import Rappel
from tarification.recouvrement import actes, rappels


@pytest.fixture
def contacts(titres):
    allaire, beganne = titres[0].commune, titres[1].commune
    Contact.objects.create(commune=allaire, nom="Maire", email="maire@allaire.fr", decideur=True)
    Contact.objects.create(
        commune=allaire, nom="Compta", email="compta@allaire.fr", comptabilite=True
    )
    Contact.objects.create(commune=beganne, nom="Maire", email="maire@beganne.fr", decideur=True)


def test_B11_reminders_once_per_delay_never_repeated(titres, contacts, texte_pdf):
    # Due 14/02/2026: nothing before 16/03/2026 (30 days past due).
    assert rappels.envoyer_rappels(jour=date(2026, 3, 15)).envoyes == 0
    actes.enregistrer_paiement(titre=titres[2], le=date(2026, 2, 1), montant=D("800.00"), par=None)
    bilan = rappels.envoyer_rappels(jour=date(2026, 3, 16))
    assert bilan.envoyes == 2  # titres 1 and 2; titre 3 is paid
    destinataires = sorted(tuple(m.to) for m in mail.outbox)
    assert destinataires == [("compta@allaire.fr",), ("maire@beganne.fr",)]
    # The same day again, or within the same delay: nothing more.
    assert rappels.envoyer_rappels(jour=date(2026, 3, 16)).envoyes == 0
    assert rappels.envoyer_rappels(jour=date(2026, 4, 14)).envoyes == 0
    assert len(mail.outbox) == 2
    # The next delay: the second reminder, with what remains now.
    actes.enregistrer_paiement(titre=titres[1], le=date(2026, 4, 1), montant=D("500.00"), par=None)
    assert rappels.envoyer_rappels(jour=date(2026, 4, 15)).envoyes == 2
    second = Rappel.objects.get(titre=titres[1], rang=2)
    assert second.reste == D("2000.00")
    # At most three, whatever the delay since.
    rappels.envoyer_rappels(jour=date(2026, 5, 15))
    assert rappels.envoyer_rappels(jour=date(2026, 11, 30)).envoyes == 0
    assert Rappel.objects.filter(titre=titres[0]).count() == 3
    lettre = mail.outbox[-1].attachments[0]
    assert lettre[0].startswith("rappel-2026-0000") and lettre[2] == "application/pdf"
    texte = texte_pdf(lettre[1])
    assert "LETTRE DE RAPPEL" in texte.upper() and "Reste à payer" in texte
    assert "comptable public" in texte


def test_B11_letter_cites_the_titre_and_what_remains(titres, contacts, texte_pdf):
    actes.enregistrer_paiement(titre=titres[1], le=date(2026, 2, 1), montant=D("1000.00"), par=None)
    sit = actes.restes.situation_du_titre(titres[1])
    texte = texte_pdf(rappels.lettre_pdf(titres[1], sit, date(2026, 3, 16), 1))
    assert "Titre n° 2" in texte or "titre n° 2" in texte
    assert "2 500,00 €" in texte and "1 500,00 €" in texte and "1 000,00 €" in texte
    assert "seul habilité à encaisser" in texte


def test_B11_reminder_command_and_a_member_without_address(titres, capsys):
    sortie = io.StringIO()
    call_command("recouvrement", "--rappels", "--jour", "2026-03-16", stdout=sortie)
    assert "0 rappel(s) envoyé(s), 3 sans adresse" in sortie.getvalue()
    assert Rappel.objects.filter(envoye=False).count() == 3
