from django.urls import path

from tarification import views

app_name = "tarification"
urlpatterns = [
    path("simulateur/", views.simulateur, name="simulateur"),
]

# --- Titres de recettes (helper h4): campaign, titres, exports, other acts.
from tarification import views_campagne  # noqa: E402

urlpatterns += [
    path("campagnes/", views_campagne.campagnes, name="campagnes"),
    path("campagnes/apercu/", views_campagne.campagne_apercu, name="campagne_apercu"),
    path(
        "campagnes/apercu/calculer/",
        views_campagne.campagne_apercu_calculer,
        name="campagne_apercu_calculer",
    ),
    path("campagnes/emettre/", views_campagne.campagne_emettre, name="campagne_emettre"),
    path("campagnes/<int:pk>/", views_campagne.campagne, name="campagne"),
    path("bordereaux/<int:pk>/titres.zip", views_campagne.bordereau_zip, name="bordereau_zip"),
    path("bordereaux/<int:pk>/bordereau.csv", views_campagne.bordereau_csv, name="bordereau_csv"),
    path(
        "bordereaux/<int:pk>/bordereau.xlsx", views_campagne.bordereau_xlsx, name="bordereau_xlsx"
    ),
    path(
        "bordereaux/<int:pk>/relancer/",
        views_campagne.bordereau_relancer,
        name="bordereau_relancer",
    ),
    path("titres/", views_campagne.titres_liste, name="titres"),
    path("titres/<int:pk>/", views_campagne.titre, name="titre"),
    path("titres/<int:pk>/pdf/", views_campagne.titre_pdf, name="titre_pdf"),
    path("titres/<int:pk>/annuler/", views_campagne.titre_annuler, name="titre_annuler"),
    path("titres/<int:pk>/reduire/", views_campagne.titre_reduire, name="titre_reduire"),
    path("titres/<int:pk>/references/", views_campagne.titre_references, name="titre_references"),
    path("audits/livraison/", views_campagne.audit_livraison, name="audit_livraison"),
    path("refacturations/nouvelle/", views_campagne.refacturation, name="refacturation"),
    path("frais-de-sortie/nouveaux/", views_campagne.frais_sortie, name="frais_sortie"),
]

# --- Bilan annuel and steering dashboard (helper h8): R1, R2.
from tarification import views_bilan  # noqa: E402

urlpatterns += [
    path("bilan/", views_bilan.bilan_choix, name="bilan_choix"),
    path("bilan/<int:annee>/", views_bilan.bilan, name="bilan"),
    path("bilan/<int:annee>/pdf/", views_bilan.bilan_pdf, name="bilan_pdf"),
    path("bilan/<int:annee>/xlsx/", views_bilan.bilan_xlsx, name="bilan_xlsx"),
]
