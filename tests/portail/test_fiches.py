"""R3 — fiches projet (annexe 3): the member writes a draft, submits it, follows it; DSI staff
study and decide it in the admin, and the member's contacts are told by e-mail."""

import pytest
from django.core import mail
from django.urls import reverse

from portail.models import FicheProjet

COMPLETE = {
    "intitule": "Gestion électronique du courrier",
    "domaine": "logiciel",
    "portee": "transversal",
    "origine": "Le courrier arrive sur papier et se perd entre services.",
    "demandeur": "La directrice générale des services.",
    "enjeux": "Traçabilité et délais de réponse.",
    "nature": "Projet isolé.",
    "description": "Numériser et router le courrier entrant.",
    "planification": "Premier semestre 2027.",
    "budget_estime": "12 500,50",
    "budget_detail": "Logiciel et formation.",
    "objectifs": "Répondre à tout courrier sous quinze jours.",
    "contraintes": "Former les agents d'accueil.",
    "conditions_reussite": "Un référent par service.",
    "risques": "Adhésion des services.",
    "indicateurs": "Délai moyen de réponse.",
}


def url(nom, monde, **kwargs):
    return reverse(f"portail:{nom}", kwargs={"code_insee": monde.commune.code_insee, **kwargs})


def test_R3_a_draft_needs_only_a_title(client_a, monde_a):
    reponse = client_a.post(
        url("fiche_nouvelle", monde_a),
        {"intitule": "Wifi public", "domaine": "infrastructure", "portee": "sectoriel"},
    )
    fiche = FicheProjet.objects.get(intitule="Wifi public")
    assert reponse.status_code == 302
    assert reponse["Location"] == url("fiche", monde_a, pk=fiche.pk)
    assert fiche.commune == monde_a.commune
    assert fiche.statut == FicheProjet.Statut.BROUILLON
    assert fiche.cree_par.username == "secretaire-a"


def test_R3_a_draft_without_title_is_refused_in_french(client_a, monde_a):
    reponse = client_a.post(
        url("fiche_nouvelle", monde_a),
        {"intitule": "  ", "domaine": "logiciel", "portee": "sectoriel"},
    )
    assert reponse.status_code == 200
    assert "Ce champ est obligatoire." in reponse.content.decode()
    assert (
        not FicheProjet.objects.filter(commune=monde_a.commune)
        .exclude(pk=monde_a.fiche.pk)
        .exists()
    )


def test_R3_budget_is_read_the_french_way(client_a, monde_a):
    client_a.post(url("fiche_modifier", monde_a, pk=monde_a.fiche.pk), COMPLETE)
    monde_a.fiche.refresh_from_db()
    assert str(monde_a.fiche.budget_estime) == "12500.50"


def test_R3_submitting_an_incomplete_draft_lists_what_is_missing(client_a, monde_a):
    reponse = client_a.post(url("fiche_soumettre", monde_a, pk=monde_a.fiche.pk), follow=True)
    page = reponse.content.decode()
    assert "Complétez la fiche avant de la soumettre" in page
    assert "origine de la demande" in page
    monde_a.fiche.refresh_from_db()
    assert monde_a.fiche.statut == FicheProjet.Statut.BROUILLON


def test_R3_a_complete_draft_is_submitted_and_then_frozen_for_the_member(client_a, monde_a):
    client_a.post(url("fiche_modifier", monde_a, pk=monde_a.fiche.pk), COMPLETE)
    client_a.post(url("fiche_soumettre", monde_a, pk=monde_a.fiche.pk))
    monde_a.fiche.refresh_from_db()
    assert monde_a.fiche.statut == FicheProjet.Statut.SOUMISE
    assert monde_a.fiche.soumise_le is not None
    # No more editing from the portal, nor a second submission.
    reponse = client_a.post(
        url("fiche_modifier", monde_a, pk=monde_a.fiche.pk), {**COMPLETE, "intitule": "Autre"}
    )
    assert reponse.status_code == 302
    monde_a.fiche.refresh_from_db()
    assert monde_a.fiche.intitule == COMPLETE["intitule"]
    suivi = client_a.get(url("fiche", monde_a, pk=monde_a.fiche.pk)).content.decode()
    assert 'aria-current="step">Soumise à la DSI' in suivi
    assert "Soumettre à la DSI" not in suivi


def test_R3_submit_is_post_only(client_a, monde_a):
    assert client_a.get(url("fiche_soumettre", monde_a, pk=monde_a.fiche.pk)).status_code == 405


@pytest.fixture
def fiche_soumise(client_a, monde_a):
    client_a.post(url("fiche_modifier", monde_a, pk=monde_a.fiche.pk), COMPLETE)
    client_a.post(url("fiche_soumettre", monde_a, pk=monde_a.fiche.pk))
    monde_a.fiche.refresh_from_db()
    return monde_a.fiche


def _admin(client, agent_dsi):
    from django.contrib.auth.models import Permission

    agent_dsi.user_permissions.add(*Permission.objects.filter(content_type__app_label="portail"))
    client.force_login(agent_dsi)
    return client


def test_R3_dsi_puts_a_fiche_under_study_then_records_the_decision_and_the_member_is_told(
    client, agent_dsi, fiche_soumise, django_capture_on_commit_callbacks
):
    client = _admin(client, agent_dsi)
    liste = reverse("admin:portail_ficheprojet_changelist")
    client.post(liste, {"action": "mettre_a_l_etude", "_selected_action": [fiche_soumise.pk]})
    fiche_soumise.refresh_from_db()
    assert fiche_soumise.statut == FicheProjet.Statut.A_L_ETUDE

    # The action first asks for the decision, its date and its reasons.
    page = client.post(liste, {"action": "decider", "_selected_action": [fiche_soumise.pk]})
    assert "Décision du comité de pilotage" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            liste,
            {
                "action": "decider",
                "_selected_action": [fiche_soumise.pk],
                "appliquer": "1",
                "decision": "acceptee",
                "le": "2026-11-20",
                "motif": "Projet mutualisable avec deux autres communes.",
            },
        )
    fiche_soumise.refresh_from_db()
    assert fiche_soumise.statut == FicheProjet.Statut.ACCEPTEE
    assert str(fiche_soumise.decidee_le) == "2026-11-20"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["secretariat.56001@demo.invalid", "technique.56001@demo.invalid"]
    assert "acceptée" in message.subject
    assert "Projet mutualisable" in message.body
    assert f"/portail/56001/projets/{fiche_soumise.pk}/" in message.body


def test_R3_a_refusal_needs_reasons_and_a_draft_cannot_be_decided(
    client, agent_dsi, monde_a, fiche_soumise
):
    client = _admin(client, agent_dsi)
    liste = reverse("admin:portail_ficheprojet_changelist")
    donnees = {
        "action": "decider",
        "appliquer": "1",
        "decision": "refusee",
        "le": "2026-11-20",
        "motif": "",
    }
    client.post(liste, {**donnees, "_selected_action": [fiche_soumise.pk]})
    fiche_soumise.refresh_from_db()
    assert fiche_soumise.statut == FicheProjet.Statut.SOUMISE
    brouillon = FicheProjet.objects.create(commune=monde_a.commune, intitule="Brouillon")
    reponse = client.post(
        liste, {**donnees, "motif": "Non.", "_selected_action": [brouillon.pk]}, follow=True
    )
    assert "Seule une fiche soumise ou à l&#x27;étude peut être décidée" in reponse.content.decode()
    brouillon.refresh_from_db()
    assert brouillon.statut == FicheProjet.Statut.BROUILLON
    assert mail.outbox == []


def test_R3_the_member_follows_the_decision(client_a, monde_a, fiche_soumise, agent_dsi):
    from portail.actes import decider_fiche

    decider_fiche(
        fiche=fiche_soumise,
        acceptee=False,
        motif="Besoin couvert par le logiciel X.",
        par=agent_dsi,
    )
    page = client_a.get(url("fiche", monde_a, pk=fiche_soumise.pk)).content.decode()
    assert "Besoin couvert par le logiciel X." in page
    assert "Décision du comité de pilotage : refusée" in page
    liste = client_a.get(url("fiches", monde_a)).content.decode()
    assert "refusée" in liste


def test_R3_a_fiche_keeps_its_history(client_a, monde_a, fiche_soumise):
    assert fiche_soumise.history.count() >= 3  # created, edited, submitted
    assert fiche_soumise.history.first().history_user.username == "secretaire-a"
