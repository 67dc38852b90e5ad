"""M2 revised (an adhesion is billed only once signed by both parties, and never from before its
signatures or délibération unless a retroactive effect was agreed) and T8 revised (the finance
officer is warned when a whole year is due for a few days)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from membres.actes import resilier
from membres.models import Adhesion
from tarification.campagne.apercu import BLOQUE, apercu
from tarification.contribution import contribution
from tarification.titres import actes as actes_titres

D = Decimal
pytestmark = pytest.mark.django_db


def _adhesion(commune, **kwargs):
    valeurs = {
        "formule": "socle_complet",
        "date_effet": date(2025, 1, 1),
        "deliberation_numero": "2024-12",
        "deliberation_date": date(2024, 10, 1),
        "signature_membre_le": date(2024, 10, 10),
        "signature_epci_le": date(2024, 10, 20),
    }
    valeurs.update(kwargs)
    adhesion = Adhesion(commune=commune, **valeurs)
    adhesion.full_clean()
    adhesion.save()
    return adhesion


@pytest.fixture
def commune(commune_factory, population_factory):
    commune = commune_factory(nom="Sixt-sur-Aff")
    for annee in (2024, 2025, 2026):
        population_factory(commune, annee, 2355)
    return commune


def _bloquantes(commune, annee=2025):
    return [a for a in contribution(commune, annee).resultat.anomalies if a.bloquante]


def _avertissements(commune, annee):
    return [a for a in contribution(commune, annee).resultat.anomalies if not a.bloquante]


def test_M2_a_signed_adhesion_is_billed(commune, bareme_article_7):
    _adhesion(commune)
    resultat = contribution(commune, 2025).resultat
    assert not resultat.bloque and resultat.total == D("5532.50")


def test_M2_an_unsigned_convention_blocks_billing_with_its_fix(commune, bareme_article_7):
    # The finding: no signed convention, date d'effet five months before the délibération,
    # billed 1 105,75 € all the same.
    _adhesion(
        commune,
        formule="socle_complet",
        date_effet=date(2025, 1, 1),
        deliberation_date=date(2025, 6, 1),
        signature_membre_le=None,
        signature_epci_le=None,
    )
    (anomalie,) = _bloquantes(commune)
    assert anomalie.code == "adhesion_non_signee"
    assert "non signée par le membre ni par Redon Agglomération (M2)" in anomalie.message
    assert "saisissez les dates de signature" in anomalie.message
    assert contribution(commune, 2025).resultat.total is None


def test_M2_one_signature_is_not_enough(commune, bareme_article_7):
    _adhesion(commune, signature_epci_le=None)
    (anomalie,) = _bloquantes(commune)
    assert "non signée par Redon Agglomération (M2)" in anomalie.message


def test_M2_a_date_d_effet_before_the_later_signature_blocks(commune, bareme_article_7):
    _adhesion(commune, date_effet=date(2024, 10, 15))
    (anomalie,) = _bloquantes(commune)
    assert "date d'effet du 15/10/2024 antérieure à la signature des deux parties" in (
        anomalie.message
    )
    assert "au plus tôt le 20/10/2024" in anomalie.message


def test_M2_a_date_d_effet_before_the_deliberation_blocks(commune, bareme_article_7):
    _adhesion(
        commune,
        date_effet=date(2025, 1, 1),
        deliberation_date=date(2025, 6, 1),
        signature_membre_le=date(2025, 6, 10),
        signature_epci_le=date(2025, 6, 2),
    )
    (anomalie,) = _bloquantes(commune)
    assert "antérieure à la signature des deux parties (10/06/2025)" in anomalie.message
    # Signatures before the délibération date are impossible (refused on input).
    with pytest.raises(ValidationError) as erreur:
        _adhesion(
            commune,
            date_effet=date(2026, 1, 1),
            deliberation_date=date(2025, 11, 1),
            signature_membre_le=date(2025, 10, 1),
        )
    assert "signature_membre_le" in erreur.value.message_dict


def test_M2_a_retroactive_effect_agreed_by_both_parties_is_billed(commune, bareme_article_7):
    with pytest.raises(ValidationError) as erreur:
        _adhesion(commune, date_effet=date(2024, 7, 1), effet_retroactif=True)
    assert "effet_retroactif_motif" in erreur.value.message_dict
    _adhesion(
        commune,
        date_effet=date(2024, 7, 1),
        effet_retroactif=True,
        effet_retroactif_motif="Service rendu depuis le 1er juillet 2024, avenant du 20/10/2024.",
    )
    assert not _bloquantes(commune) and contribution(commune, 2024).resultat.total


def test_M2_the_preview_blocks_the_member_and_says_why(commune, bareme_article_7):
    _adhesion(commune, signature_epci_le=None)
    (membre,) = apercu(annee=2025, aujourd_hui=date(2026, 1, 15)).membres
    assert membre.statut == BLOQUE
    assert any("(M2)" in a for a in membre.anomalies)


def test_M2_an_audit_of_an_unsigned_adhesion_is_not_issued(
    commune, bareme_article_7, emetteur, responsable_financier
):
    audit = _adhesion(commune, formule="audit", signature_membre_le=None)
    actes_titres.enregistrer_livraison_audit(
        adhesion=audit, livre_le=date(2025, 3, 1), par=responsable_financier
    )
    with pytest.raises(ValidationError, match=r"non signée par le membre \(M2\)"):
        actes_titres.emettre_titre_audit(
            adhesion=audit, par=responsable_financier, date_emission=date(2025, 3, 2)
        )
    assert not audit.commune.titres.exists()


def test_T8_a_member_in_force_a_few_days_is_warned_about_the_whole_year(commune, bareme_article_7):
    # The finding: a date d'effet of 31 December bills the whole year, without a word.
    _adhesion(commune, date_effet=date(2025, 12, 31))
    (avertissement,) = _avertissements(commune, 2025)
    assert avertissement.code == "annee_due_peu_de_jours"
    assert "En vigueur 1 jour seulement en 2025" in avertissement.message
    assert contribution(commune, 2025).resultat.total == D("5532.50")  # still due (T8)
    assert not _avertissements(commune, 2026)


def test_T8_thirty_days_warn_thirty_one_do_not(commune, bareme_article_7):
    _adhesion(commune, date_effet=date(2025, 12, 2))
    assert "En vigueur 30 jours seulement en 2025" in _avertissements(commune, 2025)[0].message
    Adhesion.objects.all().delete()
    _adhesion(commune, date_effet=date(2025, 12, 1))
    assert not _avertissements(commune, 2025)


def test_T8_a_resiliation_that_makes_a_whole_extra_year_due_is_named(commune, bareme_article_7):
    # Notified on 2 January 2025: last day 1 January 2026, so 2026 is due in full.
    adhesion = _adhesion(commune)
    resilier(adhesion=adhesion, notifiee_le=date(2025, 1, 2))
    (avertissement,) = _avertissements(commune, 2026)
    assert avertissement.code == "annee_due_resiliation"
    assert (
        "La résiliation notifiée le 02/01/2025 prend fin le 01/01/2026 : l'année 2026 est due "
        "en entier pour 1 jour d'adhésion (T8, pas de prorata)."
    ) in avertissement.message
    assert "Notifiée au plus tard le 01/01/2025, elle aurait pris fin le 31/12/2025." in (
        avertissement.message
    )
    membre = apercu(annee=2026, aujourd_hui=date(2027, 1, 15)).membres[0]
    assert any("l'année 2026 est due en entier" in a for a in membre.avertissements)


def test_T8_the_portal_says_what_a_resiliation_notified_today_would_cost(
    client, monde_a, secretaire_a
):
    client.force_login(secretaire_a)
    page = client.get(f"/portail/{monde_a.commune.code_insee}/").content.decode()
    assert "Si nous notifiions notre résiliation aujourd'hui" in page
    fin = Adhesion.fin_apres_preavis(timezone.localdate())
    # Notified today, the adhesion ends on the eve of today's date next year: that year is due
    # in full unless it ends on 31 December (notified on 1 January).
    if (fin.month, fin.day) != (12, 31):
        assert f"La contribution {fin.year} serait alors due pour l'année entière" in page
        assert "la convention ne prévoit pas de calcul au prorata" in page
        assert f"Une date de fin au 31/12/{fin.year - 1}, convenue par écrit" in page
    else:
        assert "serait alors due pour l'année entière" not in page
