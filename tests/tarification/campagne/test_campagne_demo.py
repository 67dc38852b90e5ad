"""The issue's "done when", on the demo data: the demo history (2024 and 2025 campaigns, the
audit titres), then the finance officer previews and issues the 2026 campaign in the browser,
follows its progress, downloads the ZIP and the bordereau; every PDF carries the B5 mentions
and its amount in words, totals equal the calculator's, each series is contiguous."""

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from membres.models import Commune
from tarification.campagne import apercu as module_apercu
from tarification.contribution import contributions
from tarification.models import ApercuCampagne, Campagne, TitreDeRecettes
from tarification.titres.exercices import exercice_par_defaut
from tarification.titres.lettres import montant_en_lettres


def _texte(contenu: bytes) -> str:
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)
    return re.sub(r"\s+", " ", texte.replace("\u00a0", " "))


@pytest.mark.django_db
def test_demo_history_then_campagne_2026_by_the_finance_officer(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")

    # --- The demo's past: audit titres and the 2024 and 2025 campaigns, PDFs rendered.
    audits = TitreDeRecettes.objects.filter(nature="audit").order_by("date_emission")
    assert [(t.commune.nom, t.date_emission, t.exercice) for t in audits] == [
        ("Saint-Vincent-sur-Oust", date(2024, 4, 15), 2024),
        ("Fégréac", date(2025, 6, 20), 2025),
        ("Les Fougerêts", date(2026, 9, 30), 2026),
    ]
    assert sorted(Campagne.objects.values_list("annee", "exercice")) == [(2024, 2025), (2025, 2026)]
    assert not TitreDeRecettes.objects.filter(pdf="").exists()
    # B8 revised, in the demo: a SIRET with a wrong key is refused in French on its field.
    redon = Commune.objects.get(code_insee="35236")
    redon.siret = "12345678901234"
    with pytest.raises(ValidationError) as erreur:
        redon.full_clean()
    assert erreur.value.message_dict["siret"] == [
        "SIRET « 12345678901234 » invalide (clé de contrôle invalide)."
    ]
    svso = TitreDeRecettes.objects.get(
        nature="contribution", annee=2024, commune__code_insee="56239"
    )
    assert [ligne.code for ligne in svso.lignes.all()] == ["socle_complet", "deduction_audit"]
    avant = TitreDeRecettes.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")  # idempotent
    assert TitreDeRecettes.objects.count() == avant

    # The 2024 and 2025 titres, priced in dotation individuelle, are what is computed now.
    for annee in (2024, 2025):
        assert module_apercu.apercu(annee=annee, aujourd_hui=date(2026, 12, 6)).a_emettre == []

    # --- The finance officer previews then issues the 2026 campaign, on the exercice open
    # today (B3: 2026 until 31 December 2026, then 2027).
    exercice = exercice_par_defaut(2026, timezone.localdate())
    client.force_login(get_user_model().objects.get(username="finances"))
    page = client.get(reverse("tarification:campagnes"))
    assert page.status_code == 200
    apercu_page = client.get(reverse("tarification:campagne_apercu"), {"annee": 2026})
    assert apercu_page.status_code == 200
    assert f"Campagne 2026 — exercice {exercice}" in apercu_page.content.decode()
    assert "Calculer l'aperçu" in apercu_page.content.decode()
    calcul_page = client.post(
        reverse("tarification:campagne_apercu_calculer"), {"annee": 2026}, follow=True
    )
    assert "Plessé" in calcul_page.content.decode()
    stocke = ApercuCampagne.objects.get(annee=2026, exercice=exercice)
    apercu = module_apercu.apercu(annee=2026, exercice=exercice)
    assert stocke.signature == apercu.signature
    plesse = next(m for m in apercu.membres if m.commune.nom == "Plessé")
    assert plesse.statut == module_apercu.BLOQUE  # review not recorded (M6)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("tarification:campagne_emettre"),
            {
                "annee": 2026,
                "exercice": exercice,
                "signature": stocke.signature,
                "confirme": "on",
                "annee_en_cours": "on",
            },
        )
    nouvelle = Campagne.objects.get(annee=2026)
    # Issued in the background; the preview page then leads to the campaign.
    url_campagne = reverse("tarification:campagne", args=[nouvelle.pk])
    assert f'href="{url_campagne}"' in client.get(reponse["Location"]).content.decode()
    page = client.get(url_campagne).content.decode()
    assert "PDF prêts" in page

    # --- Totals equal the calculator's.
    emis = list(nouvelle.bordereau.titres.order_by("numero"))
    calcul = contributions(2026)
    assert len(emis) == len(apercu.a_emettre) > 10
    for titre in emis:
        assert titre.total == calcul[titre.commune_id].resultat.total

    # --- Downloads: the ZIP of the PDFs, the bordereau.
    zip_ = client.get(reverse("tarification:bordereau_zip", args=[nouvelle.bordereau.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(zip_.streaming_content))) as archive:
        for titre in emis:
            texte = _texte(archive.read(titre.nom_fichier_pdf()))
            for mention in [
                "SIREN 243500741",
                "Ordonnateur : Prénom NOM (démo), Président",
                titre.debiteur_nom,
                f"Exercice {exercice}",
                f"Titre n° {titre.numero}",
                f"Bordereau n° {nouvelle.bordereau.numero}",
                "Base de liquidation : art.",
                "TVA non applicable",
                f"Arrêté le présent titre à la somme de {montant_en_lettres(titre.total)}.",
                "Compte 70875",
                "Comptable public",
                "L. 252 A du livre des procédures fiscales",
                "tribunal administratif de Rennes",
                # B5 revised: the contest in L. 1617-5 2°, the legal ground of this member.
                "(article L. 1617-5, 2°, du code général des collectivités territoriales)",
                "Fondement Article L. 5211-4-2 du code général des collectivités territoriales",
                "IBAN FR76 3000 1000 6400 0000 0000 040 — BIC BDFEFRPPCCT",
            ]:
                assert mention in texte, (titre.debiteur_nom, mention)
            assert "L. 1617-5, 1°" not in texte
    bordereau = client.get(reverse("tarification:bordereau_csv", args=[nouvelle.bordereau.pk]))
    lignes = list(csv.reader(io.StringIO(bordereau.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lignes) == len(emis) + 2  # header and total rows
    assert lignes[-1][0] == "Total"

    # --- Each exercice and budget: one contiguous series; the chain is intact.
    for serie in (2024, 2025, 2026, exercice):
        numeros = list(
            TitreDeRecettes.objects.filter(exercice=serie)
            .order_by("numero")
            .values_list("numero", flat=True)
        )
        assert numeros == list(range(1, len(numeros) + 1)), serie
    call_command("verifier_titres")
