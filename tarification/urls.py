from django.urls import path

from tarification import views
from tarification.campagne import views as vues_campagne
from tarification.recouvrement import views as vues_recouvrement
from tarification.titres import views as vues_titres

app_name = "tarification"
urlpatterns = [
    path("simulateur/", views.simulateur, name="simulateur"),
    # The yearly campaign (B1, B2).
    path("campagnes/", vues_campagne.campagnes, name="campagnes"),
    path("campagnes/apercu/", vues_campagne.campagne_apercu, name="campagne_apercu"),
    path(
        "campagnes/apercu/calculer/",
        vues_campagne.campagne_apercu_calculer,
        name="campagne_apercu_calculer",
    ),
    path("campagnes/emettre/", vues_campagne.campagne_emettre, name="campagne_emettre"),
    path(
        "campagnes/demandes/<int:pk>/reprendre/",
        vues_campagne.campagne_reprendre,
        name="campagne_reprendre",
    ),
    path("campagnes/<int:pk>/", vues_campagne.campagne, name="campagne"),
    # Bordereaux, titres and the acts that issue them (B3–B8).
    path("bordereaux/", vues_titres.bordereaux, name="bordereaux"),
    path("bordereaux/<int:pk>/titres.zip", vues_titres.bordereau_zip, name="bordereau_zip"),
    path("bordereaux/<int:pk>/bordereau.csv", vues_titres.bordereau_csv, name="bordereau_csv"),
    path("bordereaux/<int:pk>/bordereau.xlsx", vues_titres.bordereau_xlsx, name="bordereau_xlsx"),
    path("bordereaux/<int:pk>/pes.xml", vues_titres.bordereau_pes, name="bordereau_pes"),
    path("bordereaux/<int:pk>/signer/", vues_titres.bordereau_signer, name="bordereau_signer"),
    path(
        "bordereaux/<int:pk>/recapitulatif.pdf",
        vues_titres.bordereau_recapitulatif,
        name="bordereau_recapitulatif",
    ),
    path("titres/numeros-officiels/", vues_titres.numeros_officiels, name="numeros_officiels"),
    path(
        "bordereaux/<int:pk>/relancer/", vues_titres.bordereau_relancer, name="bordereau_relancer"
    ),
    path("titres/", vues_titres.titres_liste, name="titres"),
    path("titres/<int:pk>/", vues_titres.titre, name="titre"),
    path("titres/<int:pk>/pdf/", vues_titres.titre_pdf, name="titre_pdf"),
    path("titres/<int:pk>/annuler/", vues_titres.titre_annuler, name="titre_annuler"),
    path("titres/<int:pk>/reduire/", vues_titres.titre_reduire, name="titre_reduire"),
    path("titres/<int:pk>/references/", vues_titres.titre_references, name="titre_references"),
    # Recouvrement (B11).
    path("titres/restes/", vues_recouvrement.restes_a_recouvrer, name="restes"),
    path("titres/recouvrement/importer/", vues_recouvrement.importer, name="recouvrement_importer"),
    path("titres/rappels/", vues_recouvrement.rappels_liste, name="rappels"),
    path("titres/rattachement/", vues_recouvrement.produits_a_rattacher, name="rattachement"),
    path("titres/<int:pk>/paiement/", vues_recouvrement.paiement_saisir, name="paiement_saisir"),
    path("titres/<int:pk>/etat/", vues_recouvrement.etat_saisir, name="etat_saisir"),
    path("titres/<int:pk>/rappel.pdf", vues_recouvrement.rappel_pdf, name="rappel_pdf"),
    path("audits/", vues_titres.audits, name="audits"),
    path("audits/<int:pk>/emettre/", vues_titres.audit_emettre, name="audit_emettre"),
    path("refacturations/nouvelle/", vues_titres.refacturation, name="refacturation"),
]
