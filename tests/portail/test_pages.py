"""What the member sees: adhesion (M3, M4), what it owes (T1–T9), titres (B1–B5), niveau 1
(T6) and documents (M2), and the switch between the communes of a multi-commune user."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from membres.models import Adhesion, Rattachement


def url(nom, monde, **kwargs):
    return reverse(f"portail:{nom}", kwargs={"code_insee": monde.commune.code_insee, **kwargs})


def texte(reponse) -> str:
    """The page's text with non-breaking spaces as plain spaces, for readable assertions."""
    # Non-breaking spaces and hyphens read as plain ones.
    return html.unescape(reponse.content.decode()).replace("\u00a0", " ").replace("\u2011", "-")


def test_M3_home_shows_the_formula_in_force_and_the_next_tacit_renewal(client_a, monde_a):
    page = texte(client_a.get(url("accueil", monde_a)))
    assert "Socle complet" in page
    assert "01/01/2023" in page  # date d'effet
    prochaine = monde_a.adhesion.prochaine_reconduction()
    assert f"le {prochaine:%d/%m/%Y}, pour un an" in page
    assert "Secrétariat d'Allaire" in page  # its contacts (M5)


def test_M4_home_says_when_the_adhesion_would_end_if_notified_today(client_a, monde_a):
    aujourdhui = timezone.localdate()
    fin = Adhesion.fin_apres_preavis(aujourdhui)
    page = texte(client_a.get(url("accueil", monde_a)))
    assert (
        f"Si nous notifiions notre résiliation aujourd'hui ({aujourdhui:%d/%m/%Y}), notre "
        f"adhésion prendrait fin le <strong>{fin:%d/%m/%Y}</strong>" in page
    )


def test_M4_an_adhesion_already_in_notice_shows_its_last_day_and_no_renewal(client_a, monde_a):
    from membres.actes import resilier

    resilier(adhesion=monde_a.adhesion, notifiee_le=date(2026, 3, 10))
    page = texte(client_a.get(url("accueil", monde_a)))
    assert "Résiliation notifiée le 10/03/2026" in page
    assert "prend fin le <strong>09/03/2027</strong>" in page
    assert "Si nous notifiions" not in page
    assert "aucune : dernier jour de l'adhésion le 09/03/2027" in page


def test_T1_what_we_owe_shows_this_years_lines_bases_and_total(client_a, monde_a):
    annee = timezone.localdate().year
    page = texte(client_a.get(url("contribution", monde_a)))
    assert f"Contribution {annee} (estimation)" in page
    # 2 355 inhabitants, socle complet: 2 000 + 1,50 × 2 355 = 5 532,50 (convention's example).
    assert "5 532,50 €" in page
    assert "tranche « de 1 500 à moins de 3 000 »" in page
    assert "part fixe 2 000,00 € + 1,50 € × 2 355 hab." in page


def test_T1_what_we_owe_lists_the_past_years_with_the_titre_that_billed_them(client_a, monde_a):
    page = texte(client_a.get(url("contribution", monde_a)))
    for annee in range(2023, timezone.localdate().year):
        assert f"<summary>{annee} " in page
    assert f"titre n° {monde_a.titre.numero} (exercice 2026)" in page


def test_B1_titres_are_listed_with_their_lines_and_pdf_link(client_a, monde_a):
    page = texte(client_a.get(url("titres", monde_a)))
    assert f"N° {monde_a.titre.numero}" in page
    assert "5 532,50 €" in page
    assert "Socle complet — contribution annuelle 2025" in page
    assert url("titre_pdf", monde_a, pk=monde_a.titre.pk) in page


def test_B1_a_titre_pdf_is_served_to_its_own_member(client_a, monde_a):
    reponse = client_a.get(url("titre_pdf", monde_a, pk=monde_a.titre.pk))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert f'filename="{monde_a.titre.nom_fichier_pdf()}"' in reponse["Content-Disposition"]
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_B1_a_titre_whose_pdf_is_not_rendered_yet_says_so(client_a, monde_a):
    from tests.conftest import emettre_titre

    titre = emettre_titre(monde_a.commune, numero=7, pdf=False)
    page = texte(client_a.get(url("titres", monde_a)))
    assert "PDF en préparation" in page
    assert client_a.get(url("titre_pdf", monde_a, pk=titre.pk)).status_code == 404


def test_B4_a_draft_titre_is_not_shown(client_a, monde_a):
    from tarification.models import TitreDeRecettes

    brouillon = TitreDeRecettes.objects.create(
        exercice=2027,
        budget="Budget principal",
        date_emission=date(2027, 1, 10),
        nature="contribution",
        annee=2026,
        objet="Brouillon de campagne",
        imputation="70875",
        total=Decimal("10.00"),
        commune=monde_a.commune,
        debiteur_nom="Allaire",
    )
    assert "Brouillon de campagne" not in texte(client_a.get(url("titres", monde_a)))
    assert client_a.get(url("titre_pdf", monde_a, pk=brouillon.pk)).status_code == 404


def test_T6_niveau1_shows_half_days_used_against_the_allowance(client_a, monde_a):
    page = texte(client_a.get(url("niveau1", monde_a)))
    # 2 355 inhabitants: 4,5 days = 9 half-days; 2 used in the fixture.
    assert "9 demi-journées" in page
    assert "soit 4,5 jours" in page
    assert "2 demi-journées" in page
    assert "Il en reste 7 dans la dotation." in page
    assert monde_a.mission.reference in page


def test_T6_niveau1_of_a_member_without_socle_complet_has_no_allowance(client_b, monde_b):
    page = texte(client_b.get(url("niveau1", monde_b)))
    assert "aucune" in page
    assert "pas de dotation" in page
    # Its 2 half-days are billed from the first: 2 × 200 €.
    assert "400,00 €" in page


def test_T6_niveau1_and_contribution_say_the_mode_and_the_pools_use(client_a, monde_a, monde_b):
    annee = timezone.localdate().year
    # A's 2 half-days are the pool's only ones (B has no socle complet: outside the pool).
    attendu = (
        f"Niveau 1 en {annee} : mode « volume partagé » (fixé par : convention de service "
        "commun (version 2, septembre 2022), art. 3.2.2 et 7.1.1)"
    )
    for page in (
        texte(client_a.get(url("niveau1", monde_a))),
        texte(client_a.get(url("contribution", monde_a))),
    ):
        assert attendu in page
        assert "volume utilisé : 2 demi-journées sur 234." in page
        assert "une fois épuisé le volume de 117 jours partagé" in page


def test_T6_niveau1_year_can_be_chosen_and_bad_input_falls_back(client_a, monde_a):
    assert "Dotation 2024" in texte(client_a.get(url("niveau1", monde_a) + "?annee=2024"))
    annee = timezone.localdate().year
    assert f"Dotation {annee}" in texte(client_a.get(url("niveau1", monde_a) + "?annee=abc"))


def test_niveau1_lettre_de_mission_is_a_pdf_and_a_draft_is_not_shown(client_a, monde_a):
    from missions.models import Mission

    reponse = client_a.get(url("lettre_mission", monde_a, pk=monde_a.mission.pk))
    assert reponse.status_code == 200
    assert reponse.content.startswith(b"%PDF")
    brouillon = Mission.objects.create(
        commune=monde_a.commune, objet="Brouillon", debut=date(2026, 2, 1)
    )
    assert client_a.get(url("lettre_mission", monde_a, pk=brouillon.pk)).status_code == 404
    assert "Brouillon" not in texte(client_a.get(url("niveau1", monde_a)))


def test_M2_documents_are_listed_and_downloadable_by_their_member(client_a, monde_a):
    page = texte(client_a.get(url("documents", monde_a)))
    assert "Délibération" in page
    assert monde_a.document.titre in page
    assert f"Lettre de mission {monde_a.mission.reference}" in page
    reponse = client_a.get(url("document", monde_a, pk=monde_a.document.pk))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_a_user_of_two_communes_switches_between_them(client, django_user_model, monde_a, monde_b):
    user = django_user_model.objects.create_user("mairie-deux", password="x")
    Rattachement.objects.create(utilisateur=user, commune=monde_a.commune)
    Rattachement.objects.create(utilisateur=user, commune=monde_b.commune)
    client.force_login(user)
    choix = texte(client.get(reverse("portail:choisir")))
    assert url("accueil", monde_a) in choix and url("accueil", monde_b) in choix
    page = texte(client.get(url("titres", monde_a)))
    # The switcher keeps the section: from A's titres to B's titres.
    assert f'href="{url("titres", monde_b)}"' in page
    assert client.get(url("titres", monde_b)).status_code == 200


@pytest.mark.parametrize(
    "nom",
    [
        "accueil",
        "contribution",
        "titres",
        "groupements",
        "niveau1",
        "fiches",
        "contacts",
        "documents",
    ],
)
def test_every_section_marks_itself_current_in_the_menu(client_a, monde_a, nom):
    page = texte(client_a.get(url(nom, monde_a)))
    assert f'<a href="{url(nom, monde_a)}" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1


def test_a_missing_population_is_told_to_the_secretary_in_plain_words(client_a, monde_a):
    """No rule code, no « facturation bloquée », no « rien n'est dû » next to « à
    régulariser »: what is missing and who completes it."""
    from membres.models import Population

    Population.objects.filter(commune=monde_a.commune).delete()
    page = texte(client_a.get(url("contribution", monde_a)))
    assert "La population de référence de cette année n'est pas encore enregistrée" in page
    assert "(P1)" not in page and "bloquée" not in page
    assert "Rien n'est dû pour cette année" not in page
