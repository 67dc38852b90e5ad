"""B4 — an issued titre never changes and is never deleted: model save/delete, QuerySet
update/delete, its lines, the admin, the pages. Tamper evidence: ``verifier_titres``."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from tarification.campagne import actes as actes_campagne
from tarification.models import LigneTitre, TitreDeRecettes, TitreImmuable
from tarification.titres import emission

LE = date(2026, 2, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture
def titre(emetteur, membre):
    membre(nom="Allaire")
    return actes_campagne.emettre_campagne(
        annee=2025, par=None, date_emission=LE
    ).bordereau.titres.get()


@pytest.fixture
def titre_du_jour(emetteur, membre):
    """Issued today: the correction pages (which issue today) find its exercice open."""
    return emission.emettre_titre(
        nature=TitreDeRecettes.Nature.APPEL_DE_FONDS,
        commune=membre(),
        objet="Appel de fonds",
        lignes=[
            emission.LigneAFacturer(
                "appel", "Quote-part", Decimal("5532.50"), base_texte="art. 4.2.6"
            )
        ],
        par=None,
    )


# --- Models -------------------------------------------------------------------------------


def test_B4_save_refuses_any_modification(titre):
    titre.total = Decimal("1.00")
    with pytest.raises(
        TitreImmuable, match="son champ « total \\(€\\) » ne peut plus être modifié"
    ):
        titre.save()
    titre.refresh_from_db()
    titre.objet = "Autre objet"
    with pytest.raises(TitreImmuable):
        titre.save(update_fields=["objet"])
    titre.refresh_from_db()
    titre.statut = TitreDeRecettes.Statut.BROUILLON
    with pytest.raises(TitreImmuable):
        titre.save()
    titre.refresh_from_db()
    assert titre.total == Decimal("5532.50") and titre.statut == "emis"


def test_B3_official_references_are_editable(titre):
    titre.numero_officiel = "T-456"
    titre.save()
    titre.refresh_from_db()
    assert titre.numero_officiel == "T-456"


def test_B4_pdf_saved_only_once(titre):
    titre.pdf.save("a.pdf", ContentFile(b"%PDF-1"), save=False)
    titre.pdf_sha256 = "a" * 64
    titre.save(update_fields=["pdf", "pdf_sha256"])
    titre.pdf.save("b.pdf", ContentFile(b"%PDF-2"), save=False)
    with pytest.raises(TitreImmuable, match="déjà produit"):
        titre.save(update_fields=["pdf"])


def test_B4_delete_refused(titre):
    with pytest.raises(TitreImmuable, match="ne peut être supprimé"):
        titre.delete()
    assert TitreDeRecettes.objects.filter(pk=titre.pk).exists()


def test_B4_queryset_update_and_delete_refused(titre):
    with pytest.raises(TitreImmuable):
        TitreDeRecettes.objects.filter(pk=titre.pk).update(total=Decimal("1.00"))
    with pytest.raises(TitreImmuable):
        TitreDeRecettes.objects.all().delete()
    with pytest.raises(TitreImmuable), transaction.atomic():
        TitreDeRecettes.objects.bulk_update([titre], ["objet"])
    TitreDeRecettes.objects.filter(pk=titre.pk).update(bordereau_officiel="B-12")
    titre.refresh_from_db()
    assert titre.total == Decimal("5532.50") and titre.bordereau_officiel == "B-12"


def test_B4_frozen_lines(titre):
    ligne = titre.lignes.get()
    ligne.montant = Decimal("1.00")
    with pytest.raises(TitreImmuable):
        ligne.save()
    with pytest.raises(TitreImmuable):
        ligne.delete()
    with pytest.raises(TitreImmuable):
        LigneTitre.objects.filter(titre=titre).update(montant=Decimal("1.00"))
    with pytest.raises(TitreImmuable):
        LigneTitre.objects.filter(titre=titre).delete()
    with pytest.raises(TitreImmuable):
        LigneTitre.objects.create(
            titre=titre,
            ordre=2,
            code="x",
            libelle="Ajout",
            base_texte="x",
            montant=Decimal("1.00"),
            commune=titre.commune,
        )
    assert titre.lignes.get().montant == Decimal("5532.50")


def test_B4_protected_debtor(titre):
    with pytest.raises(ProtectedError):
        titre.commune.delete()


# --- Admin and pages -----------------------------------------------------------------------


def test_B4_admin_read_only(client, agent_dsi, titre):
    client.force_login(agent_dsi)
    change = reverse("admin:tarification_titrederecettes_change", args=[titre.pk])
    page = client.get(change)
    assert page.status_code == 200
    contenu = page.content.decode()
    assert 'name="_save"' not in contenu and "Commune d&#x27;Allaire" in contenu, contenu
    assert client.post(change, {"objet": "Modifié", "total": "1"}).status_code == 403
    suppression = reverse("admin:tarification_titrederecettes_delete", args=[titre.pk])
    assert client.get(suppression).status_code == 403
    assert client.post(suppression, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:tarification_titrederecettes_add")).status_code == 403
    liste = reverse("admin:tarification_titrederecettes_changelist")
    assert "delete_selected" not in client.get(liste).content.decode()
    client.post(liste, {"action": "delete_selected", "_selected_action": [titre.pk], "post": "yes"})
    titre.refresh_from_db()
    assert titre.objet.startswith("Contribution 2025") and titre.total == Decimal("5532.50")


def test_B4_admin_list_query_count(client, agent_dsi, titre, django_assert_max_num_queries):
    client.force_login(agent_dsi)
    with django_assert_max_num_queries(12):
        reponse = client.get(reverse("admin:tarification_titrederecettes_changelist"))
    assert reponse.status_code == 200


def test_B4_no_page_modifies_a_titre(client, responsable_financier, titre_du_jour):
    titre = titre_du_jour
    client.force_login(responsable_financier)
    for nom in ["titre", "titre_pdf"]:
        url = reverse(f"tarification:{nom}", args=[titre.pk])
        assert client.post(url, {"total": "1.00", "objet": "x"}).status_code == 405
    # Correction pages issue NEW titres; the original stays as it was.
    client.post(
        reverse("tarification:titre_annuler", args=[titre.pk]),
        {"motif": "Erreur de population", "confirme": "1"},
    )
    titre.refresh_from_db()
    assert titre.total == Decimal("5532.50") and titre.statut == "emis"
    assert titre.corrections.get().total == Decimal("-5532.50")
    assert titre.corrections.get().motif == "Erreur de population"


def test_B4_titre_page_actions(client, responsable_financier, titre_du_jour):
    titre = titre_du_jour
    client.force_login(responsable_financier)
    page = client.get(reverse("tarification:titre", args=[titre.pk])).content.decode()
    assert "Réduire" in page and "Annuler" in page and "5\u00a0532,50\u00a0€" in page
    reponse = client.post(
        reverse("tarification:titre_reduire", args=[titre.pk]),
        {"motif": "Geste", f"ligne_{titre.lignes.get().pk}": "32,50", "confirme": "1"},
    )
    reduction = titre.corrections.get()
    assert reponse["Location"] == reverse("tarification:titre", args=[reduction.pk])
    assert reduction.total == Decimal("-32.50")
    trop = client.post(
        reverse("tarification:titre_reduire", args=[titre.pk]),
        {"motif": "Trop", f"ligne_{titre.lignes.get().pk}": "6000", "confirme": "1"},
    )
    assert trop.status_code == 200 and titre.corrections.count() == 1


# --- Tamper evidence -------------------------------------------------------------------------


def _verifier():
    from io import StringIO

    sortie, erreurs = StringIO(), StringIO()
    try:
        call_command("verifier_titres", stdout=sortie, stderr=erreurs)
    except CommandError as erreur:
        return False, erreurs.getvalue() + str(erreur)
    return True, sortie.getvalue()


@pytest.fixture
def plusieurs_titres(emetteur, membre, django_capture_on_commit_callbacks):
    for nom in ["Allaire", "Redon", "Rieux"]:
        membre(nom=nom)
    with django_capture_on_commit_callbacks(execute=True):
        campagne = actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    return list(campagne.bordereau.titres.order_by("numero"))


def test_verifier_titres_intact(plusieurs_titres):
    intact, sortie = _verifier()
    assert intact, sortie
    assert "3 titre(s) vérifié(s) : tout est intact." in sortie


def test_verifier_titres_names_the_titre_modified_in_sql(plusieurs_titres):
    deuxieme = plusieurs_titres[1]
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {TitreDeRecettes._meta.db_table} SET total = %s WHERE id = %s",
            ["1.00", deuxieme.pk],
        )
    intact, sortie = _verifier()
    assert not intact
    assert "Titre n° 2 (exercice 2026, Budget principal) : contenu modifié" in sortie
    assert "Titre n° 1 " not in sortie and "Titre n° 3 " not in sortie


def test_verifier_titres_line_modified_in_sql(plusieurs_titres):
    ligne = plusieurs_titres[2].lignes.get()
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {LigneTitre._meta.db_table} SET base_texte = %s WHERE id = %s",
            ["autre base", ligne.pk],
        )
    intact, sortie = _verifier()
    assert not intact and "Titre n° 3 (exercice 2026, Budget principal) : contenu modifié" in sortie


def test_verifier_titres_recomputed_hash_broken_chain(plusieurs_titres):
    """Even with its own hash recomputed, an altered titre breaks the next one's link."""
    premier = plusieurs_titres[0]
    premier.debiteur_nom = "Autre débiteur"
    lignes = list(premier.lignes.all())
    nouvelle = premier.calculer_empreinte(lignes, premier.bordereau.numero)
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {TitreDeRecettes._meta.db_table} SET debiteur_nom = %s, empreinte = %s "
            "WHERE id = %s",
            ["Autre débiteur", nouvelle, premier.pk],
        )
    intact, sortie = _verifier()
    assert not intact
    assert "Titre n° 2 (exercice 2026, Budget principal) : chaînage rompu" in sortie


def test_verifier_titres_titre_deleted_in_sql(plusieurs_titres):
    deuxieme = plusieurs_titres[1]
    with connection.cursor() as curseur:
        curseur.execute(
            f"DELETE FROM {LigneTitre._meta.db_table} WHERE titre_id = %s", [deuxieme.pk]
        )
        curseur.execute(
            f"DELETE FROM {TitreDeRecettes._meta.db_table} WHERE id = %s", [deuxieme.pk]
        )
    intact, sortie = _verifier()
    assert not intact
    assert "titre(s) n° 2 manquant(s)" in sortie
    assert "Titre n° 3 (exercice 2026, Budget principal) : chaînage rompu" in sortie


def test_verifier_titres_pdf_modified(plusieurs_titres):
    premier = plusieurs_titres[0]
    premier.refresh_from_db()
    with open(premier.pdf.path, "ab") as fichier:
        fichier.write(b"%% ajout")
    intact, sortie = _verifier()
    assert not intact and "Titre n° 1 (exercice 2026, Budget principal) : PDF modifié" in sortie


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_verifier_titres_on_postgresql(bareme_article_7, emetteur, membre):
    for nom in ["Allaire", "Redon"]:
        membre(nom=nom)
    actes_campagne.emettre_campagne(annee=2025, par=None, date_emission=LE)
    assert _verifier()[0]
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {TitreDeRecettes._meta.db_table} SET debiteur_siret = '' WHERE numero = 1"
        )
    intact, sortie = _verifier()
    assert not intact and "Titre n° 1 (exercice 2026, Budget principal) : contenu modifié" in sortie
