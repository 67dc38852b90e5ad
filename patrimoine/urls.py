from django.urls import path

from patrimoine import views

app_name = "patrimoine"
urlpatterns = [
    path("", views.registre, name="registre"),
    path("registre.csv", views.registre_csv, name="registre_csv"),
    path("registre.xlsx", views.registre_xlsx, name="registre_xlsx"),
    path("membres/<str:code_insee>/", views.membre, name="membre"),
    path("membres/<str:code_insee>/registre.csv", views.membre_csv, name="membre_csv"),
    path("membres/<str:code_insee>/registre.xlsx", views.membre_xlsx, name="membre_xlsx"),
    path(
        "membres/<str:code_insee>/inventaire/importer/",
        views.inventaire_importer,
        name="inventaire_importer",
    ),
    path(
        "membres/<str:code_insee>/sortie/calculer/",
        views.sortie_calculer,
        name="sortie_calculer",
    ),
    path("audits/<int:pk>/", views.audit, name="audit"),
    path("audits/<int:pk>/<str:etape>/", views.audit_etape, name="audit_etape"),
    path("sorties/<int:pk>/", views.etat_sortie, name="sortie"),
    path("sorties/<int:pk>/recalculer/", views.sortie_recalculer, name="sortie_recalculer"),
    path("sorties/<int:pk>/lignes/", views.sortie_ligne, name="sortie_ligne"),
    path(
        "sorties/lignes/<int:pk>/supprimer/",
        views.sortie_ligne_supprimer,
        name="sortie_ligne_supprimer",
    ),
    path("sorties/<int:pk>/valider/", views.sortie_valider, name="sortie_valider"),
    path("sorties/<int:pk>/rouvrir/", views.sortie_rouvrir, name="sortie_rouvrir"),
    path("sorties/<int:pk>/emettre/", views.sortie_emettre, name="sortie_emettre"),
]
