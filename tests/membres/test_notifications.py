"""E-mails to the member's contacts (M5): titre issued, needs due, fiche projet decided. Each
act says what to tell (``membres.notifications.Avis``); the module finds whom and sends."""

from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from membres import notifications
from membres.models import Contact
from tarification.titres.notifications import notifier_titres_emis


def test_recipients_are_the_members_contacts_once_each(monde_a, monde_b):
    Contact.objects.create(
        commune=monde_a.commune, nom="Doublon", email="SECRETARIAT.56001@demo.invalid"
    )
    Contact.objects.create(commune=monde_a.commune, nom="Sans courriel")
    assert notifications.destinataires_par_commune([monde_a.commune.pk])[monde_a.commune.pk] == [
        "secretariat.56001@demo.invalid",
        "technique.56001@demo.invalid",
    ]


def test_B1_titre_issued_tells_the_members_contacts_with_a_link(monde_a, settings):
    settings.SITE_URL = "https://servicecommun.example.fr"
    assert notifier_titres_emis([monde_a.titre]) == 1
    (message,) = mail.outbox
    # M5 revised: without a contact comptabilité, the décideur only (not the technical contact).
    assert message.to == ["secretariat.56001@demo.invalid"]
    assert message.subject == "[Service commun SI] Titre de recettes n° 1 — exercice 2026"
    assert "5\u00a0532,50\u00a0€" in message.body
    assert "https://servicecommun.example.fr/portail/56001/titres/" in message.body
    assert "&" not in message.body  # plain text, not HTML-escaped


def test_M5_a_titre_goes_to_the_contact_comptabilite_when_named(monde_a, monde_b):
    Contact.objects.create(
        commune=monde_a.commune, nom="Compta", email="compta.56001@demo.invalid", comptabilite=True
    )
    assert notifier_titres_emis([monde_a.titre, monde_b.titre]) == 2
    assert sorted(m.to for m in mail.outbox) == [
        ["compta.56001@demo.invalid"],
        ["secretariat.35236@demo.invalid"],  # B named none: its décideur
    ]


def test_G3_needs_due_tells_each_member_commune_with_the_deadline(monde_a, agent_dsi):
    from groupements.actes import adherer, avis_recensement_ouvert, passer_etape
    from groupements.models import Groupement

    aujourdhui = timezone.localdate()
    groupement = Groupement.objects.create(
        objet="Copieurs",
        categorie="materiel",
        constitue_le=aujourdhui - timedelta(days=3),
        date_limite_besoins=date(2030, 1, 31),
    )
    adherer(groupement=groupement, commune=monde_a.commune, par=agent_dsi)
    adherer(
        groupement=groupement,
        commune=monde_a.commune,
        etablissement=monde_a.etablissement,
        par=agent_dsi,
    )
    passer_etape(groupement=groupement, vers="recensement", le=aujourdhui, par=agent_dsi)
    # One message per commune, not per member (the commune and its établissement).
    assert notifications.envoyer(avis_recensement_ouvert(groupement)) == 1
    (message,) = mail.outbox
    assert "Groupement « Copieurs » : déclarez vos besoins" in message.subject
    assert "avant le 31/01/2030" in message.body
    assert f"/portail/56001/groupements/{groupement.pk}/" in message.body


def test_R3_fiche_decided_is_sent_only_to_its_members_contacts(
    monde_a, monde_b, agent_dsi, django_capture_on_commit_callbacks
):
    from portail.actes import decider_fiche
    from portail.models import FicheProjet

    FicheProjet.objects.filter(pk=monde_a.fiche.pk).update(statut="soumise")
    monde_a.fiche.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decider_fiche(fiche=monde_a.fiche, acceptee=True, motif="", par=agent_dsi)
    (message,) = mail.outbox
    assert "Fiche projet" in message.subject and "acceptée" in message.body
    assert all(adresse.endswith("56001@demo.invalid") for adresse in message.to)


def test_a_member_without_contact_email_gets_nothing_and_no_error(monde_a):
    Contact.objects.filter(commune=monde_a.commune).update(email="")
    assert notifier_titres_emis([monde_a.titre]) == 0
    assert mail.outbox == []


def test_B1_a_whole_campaign_is_announced_in_a_fixed_number_of_queries(
    monde_a, monde_b, django_assert_num_queries
):
    from tarification.models import TitreDeRecettes
    from tests.conftest import emettre_titre

    for numero in range(10, 20):
        emettre_titre(monde_a.commune if numero % 2 else monde_b.commune, numero=numero)
    titres = list(TitreDeRecettes.objects.filter(numero__gte=10))
    with django_assert_num_queries(2):  # the communes, their contacts
        assert notifier_titres_emis(titres) == 10
    assert len(mail.outbox) == 10
    redon = [m for m in mail.outbox if "35236" in m.to[0]]
    assert len(redon) == 5 and all("Redon" in m.body for m in redon)


def test_B4_a_reduction_is_told_as_what_it_takes_off_never_as_a_negative_amount(monde_a):
    """« a émis le titre … pour un montant de -2 416,50 € » was the message; a correction says
    what it reduces or annuls, and the debtor's name takes its elision."""
    from decimal import Decimal

    from tarification.models import TitreDeRecettes

    for nature, verbe in (("reduction", "réduit de"), ("annulation", "annule le titre n° 1")):
        mail.outbox.clear()
        correction = TitreDeRecettes(
            nature=nature,
            numero=3,
            exercice=2026,
            total=Decimal("-2416.50"),
            commune=monde_a.commune,
            corrige=monde_a.titre,
            motif="Population corrigée",
        )
        assert notifier_titres_emis([correction]) == 1
        (message,) = mail.outbox
        sujet = "réduction" if nature == "reduction" else "d'annulation"
        assert sujet in message.subject and "n° 3 — exercice 2026" in message.subject
        assert verbe in message.body
        assert "2\u00a0416,50\u00a0€" in message.body and "-2" not in message.body
        assert "l'ordre d'Allaire" in message.body and "de Allaire" not in message.body
        assert "Motif : Population corrigée" in message.body
