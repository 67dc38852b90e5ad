"""B10 — the signed bordereau: a récapitulatif naming its signatory (the ordonnateur or a
délégataire in force, from the delegation register), produced once, optionally signed PAdES;
B3 — the official numbers given by the finance suite, taken back in bulk, all or nothing."""

import csv
import datetime as dt
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from outils.formats import formater_euros
from tarification.campagne import actes as actes_campagne
from tarification.models import Bordereau, Signataire, TitreDeRecettes
from tarification.titres import emission, numeros_officiels, recapitulatif
from tarification.titres.emission import LigneAFacturer

D = Decimal
LE = date(2026, 2, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture
def ordonnateur(db):
    return Signataire.objects.create(
        role="ordonnateur",
        prenom="Camille",
        nom="Exemple",
        qualite="Président",
        debut=date(2020, 7, 15),
    )


@pytest.fixture
def delegataire(db):
    return Signataire.objects.create(
        role="delegataire",
        prenom="Dominique",
        nom="Adjoint",
        qualite="Vice-président chargé des finances",
        debut=date(2025, 1, 1),
        fin=date(2026, 3, 31),
        arrete_numero="2025-007",
        arrete_date=date(2024, 12, 20),
    )


@pytest.fixture
def campagne(emetteur, membre, responsable_financier, django_capture_on_commit_callbacks):
    membre(nom="Allaire")
    membre(nom="Redon", formule="groupement", population=9000)
    with django_capture_on_commit_callbacks(execute=True):
        return actes_campagne.emettre_campagne(
            annee=2025, par=responsable_financier, date_emission=LE
        )


def _euros(montant) -> str:
    return formater_euros(montant).replace("\u00a0", " ")


def _texte(bordereau, texte_pdf) -> str:
    with bordereau.recapitulatif.open("rb") as fichier:
        return texte_pdf(fichier.read())


def test_B10_no_signatory_in_force_blocks_the_bordereau(campagne, responsable_financier):
    with pytest.raises(ValidationError, match=r"Aucun signataire en vigueur le 10/02/2026"):
        recapitulatif.produire(
            bordereau=campagne.bordereau, par=responsable_financier, le=date(2026, 2, 12)
        )
    assert not Bordereau.objects.get(pk=campagne.bordereau_id).recapitulatif


def test_B10_a_delegataire_signing_outside_the_delegation_is_refused(
    campagne, delegataire, responsable_financier
):
    with pytest.raises(
        ValidationError, match=r"n'a pas le pouvoir de signer ce jour-là \(01/04/2026\)"
    ):
        recapitulatif.produire(
            bordereau=campagne.bordereau,
            par=responsable_financier,
            signataire=delegataire,
            le=date(2026, 4, 1),
        )
    bordereau = recapitulatif.produire(
        bordereau=campagne.bordereau,
        par=responsable_financier,
        signataire=delegataire,
        le=date(2026, 3, 31),
    )
    assert bordereau.signataire == delegataire and bordereau.signe_le == date(2026, 3, 31)


def test_B10_the_recapitulatif_names_the_signatory_and_ties_to_the_bordereau(
    campagne, ordonnateur, delegataire, responsable_financier, texte_pdf
):
    bordereau = recapitulatif.produire(
        bordereau=campagne.bordereau, par=responsable_financier, le=date(2026, 2, 12)
    )
    assert bordereau.signataire == ordonnateur  # the ordonnateur before a délégataire
    texte = _texte(bordereau, texte_pdf)
    titres = list(TitreDeRecettes.objects.filter(bordereau=bordereau).order_by("numero"))
    total = sum(t.total for t in titres)
    assert "BORDEREAU RÉCAPITULATIF" in texte
    assert "Bordereau n° 1" in texte and "Exercice 2026" in texte and "Type ordinaire" in texte
    assert f"{len(titres)} titres — total" in texte
    assert _euros(total) in texte
    assert "Arrêté le présent bordereau à deux titres pour la somme de" in texte
    assert "signé le 12/02/2026" in texte and "Camille Exemple, Président" in texte
    for titre in titres:
        assert titre.debiteur_nom in texte
    with pytest.raises(ValidationError, match="ne se refait pas"):
        recapitulatif.produire(bordereau=bordereau, par=responsable_financier)


def test_B10_a_delegataire_signs_for_the_president_citing_the_arrete(
    campagne, delegataire, responsable_financier, texte_pdf
):
    bordereau = recapitulatif.produire(
        bordereau=campagne.bordereau, par=responsable_financier, le=date(2026, 2, 12)
    )
    texte = _texte(bordereau, texte_pdf)
    assert "Pour le président et par délégation (arrêté n° 2025-007 du 20/12/2024)" in texte


def test_B10_the_page_signs_and_the_zip_carries_the_recapitulatif(
    campagne, ordonnateur, client, responsable_financier
):
    client.force_login(responsable_financier)
    url = reverse("tarification:bordereau_signer", args=[campagne.bordereau.pk])
    assert client.get(url).status_code == 200
    reponse = client.post(url, {"signataire": ordonnateur.pk})
    assert reponse.status_code == 302
    campagne.bordereau.refresh_from_db()
    assert campagne.bordereau.recapitulatif
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(
                client.get(
                    reverse("tarification:bordereau_zip", args=[campagne.bordereau.pk])
                ).streaming_content
            )
        )
    )
    assert "recapitulatif-2026-0001.pdf" in archive.namelist()
    page = client.get(reverse("tarification:campagne", args=[campagne.pk])).content.decode()
    assert "Récapitulatif signé (PDF)" in page and "Camille Exemple" in page


def _certificat(tmp_path):
    """A throw-away key and self-signed certificate in a PKCS#12 file (tests only)."""
    cle = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    nom = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ordonnateur de test")])
    maintenant = dt.datetime.now(dt.UTC)
    certificat = (
        x509.CertificateBuilder()
        .subject_name(nom)
        .issuer_name(nom)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - dt.timedelta(days=1))
        .not_valid_after(maintenant + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(cle, hashes.SHA256())
    )
    chemin = tmp_path / "signature.p12"
    chemin.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"test", cle, certificat, None, serialization.BestAvailableEncryption(b"secret")
        )
    )
    return chemin


def test_B10_a_pades_signature_validates_and_fails_once_a_byte_changes(
    campagne, ordonnateur, responsable_financier, settings, tmp_path
):
    settings.RECAPITULATIF_CERTIFICAT = str(_certificat(tmp_path))
    settings.RECAPITULATIF_CERTIFICAT_MOT_DE_PASSE = "secret"
    bordereau = recapitulatif.produire(
        bordereau=campagne.bordereau, par=responsable_financier, le=date(2026, 2, 12)
    )
    assert bordereau.recapitulatif_signe
    with bordereau.recapitulatif.open("rb") as fichier:
        contenu = fichier.read()
    assert recapitulatif.verifier_signature(contenu) is None
    call_command("verifier_titres")  # intact
    # One byte of the signed content changed: the signature no longer holds.
    position = contenu.index(b"/Type /Page") + 2
    altere = contenu[:position] + bytes([contenu[position] ^ 1]) + contenu[position + 1 :]
    assert recapitulatif.verifier_signature(altere) == "document modifié après la signature"
    with open(bordereau.recapitulatif.path, "wb") as fichier:
        fichier.write(altere)
    with pytest.raises(CommandError):
        call_command("verifier_titres")


# --- B3: official numbers taken back in bulk -------------------------------------------------


def _csv(*lignes, bom=True) -> bytes:
    texte = "exercice;budget;titre;titre_officiel;bordereau_officiel\n" + "\n".join(lignes) + "\n"
    return (("\ufeff" if bom else "") + texte).encode("utf-8")


@pytest.fixture
def deux_titres(emetteur, membre, django_capture_on_commit_callbacks):
    titres = []
    for nom in ("Allaire", "Redon"):
        titres.append(
            emission.emettre_titre(
                nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
                commune=membre(nom=nom),
                objet="Appel de fonds",
                lignes=[LigneAFacturer("a", "Quote-part", D("10.00"), base_texte="art. 4.2.6")],
                par=None,
                date_emission=LE,
            )
        )
    return titres


def test_B3_official_numbers_are_imported_and_reimporting_changes_nothing(deux_titres):
    fichier = _csv(
        "2026;Budget principal;1;T-2026-101;B-2026-12",
        "2026;Budget principal;2;T-2026-102;B-2026-12",
    )
    resultat = numeros_officiels.importer(fichier)
    assert (resultat.enregistres, resultat.deja) == (2, 0)
    assert list(
        TitreDeRecettes.objects.order_by("numero").values_list("numero_officiel", flat=True)
    ) == ["T-2026-101", "T-2026-102"]
    assert (
        numeros_officiels.importer(
            _csv("2026;Budget principal;1;T-2026-101;B-2026-12", bom=False)
        ).deja
        == 1
    )


def test_B3_a_bad_line_imports_nothing_and_is_named(deux_titres):
    fichier = _csv(
        "2026;Budget principal;1;T-2026-101;B-2026-12",
        "2026;Budget principal;9;T-2026-109;B-2026-12",
        "2026;Budget principal;deux;T;B",
    )
    with pytest.raises(ValidationError) as erreur:
        numeros_officiels.importer(fichier)
    assert erreur.value.messages == [
        "Ligne 3 : aucun titre n° 9 émis sur l'exercice 2026 (budget « Budget principal »).",
        "Ligne 4 : exercice « 2026 » ou n° de titre « deux » non numérique.",
    ]
    assert not TitreDeRecettes.objects.exclude(numero_officiel="").exists()


def test_B3_an_official_number_given_to_another_titre_is_refused(deux_titres, tmp_path):
    numeros_officiels.importer(_csv("2026;Budget principal;1;T-2026-101;B-2026-12"))
    with pytest.raises(ValidationError, match="déjà celui du titre n° 1"):
        numeros_officiels.importer(_csv("2026;Budget principal;2;T-2026-101;B-2026-12"))
    with pytest.raises(ValidationError, match="figure déjà ligne 2"):
        numeros_officiels.importer(
            _csv("2026;Budget principal;2;X-1;B", "2026;Budget principal;2;X-1;B")
        )
    chemin = tmp_path / "numeros.csv"
    chemin.write_bytes(_csv("2026;Budget principal;1;AUTRE;B-2026-12"))
    with pytest.raises(CommandError, match="aucun numéro n'a été importé"):
        call_command("importer_numeros_officiels", str(chemin))


def test_B3_official_numbers_show_in_the_exports_and_the_recapitulatif(
    deux_titres, ordonnateur, responsable_financier, client, texte_pdf
):
    numeros_officiels.importer(_csv("2026;Budget principal;1;T-2026-101;B-2026-12"))
    client.force_login(responsable_financier)
    bordereau = deux_titres[0].bordereau
    reponse = client.get(reverse("tarification:bordereau_csv", args=[bordereau.pk]))
    ligne = next(
        csv.reader(io.StringIO(reponse.content.decode("utf-8-sig").split("\r\n")[1]), delimiter=";")
    )
    assert ligne[14:16] == ["T-2026-101", "B-2026-12"]
    bordereau = recapitulatif.produire(bordereau=bordereau, par=None, le=date(2026, 2, 11))
    assert "T-2026-101" in _texte(bordereau, texte_pdf)


def test_B10_from_the_demo_the_2026_campaign_recapitulatif_names_the_demo_ordonnateur(
    client, texte_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("charger_demo")
    # The demo's past bordereaux are signed by its ordonnateur.
    assert not Bordereau.objects.filter(recapitulatif="").exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("campagne_titres", "--annee", "2026", "--emettre")
    bordereau = Bordereau.objects.get(campagne__annee=2026)
    bordereau = recapitulatif.produire(bordereau=bordereau, par=None)
    texte = _texte(bordereau, texte_pdf)
    assert "Prénom NOM (démo), Président de Redon Agglomération" in texte
    client.force_login(get_user_model().objects.get(username="finances"))
    reponse = client.get(reverse("tarification:bordereau_csv", args=[bordereau.pk]))
    total_csv = reponse.content.decode("utf-8-sig").strip().split("\r\n")[-1].split(";")[12]
    assert f"total {_euros(Decimal(total_csv.replace(',', '.')))}" in texte
