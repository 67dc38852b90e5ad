from django.urls import path

from groupements import views

app_name = "groupements"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/", views.tableau_de_bord, name="tableau_de_bord"),
    path("<int:pk>/etape/", views.etape, name="etape"),
    path("<int:pk>/besoins.csv", views.besoins_csv, name="besoins_csv"),
    path("<int:pk>/besoins.xlsx", views.besoins_xlsx, name="besoins_xlsx"),
    path(
        "<int:pk>/repartitions/nouvelle/", views.repartition_nouvelle, name="repartition_nouvelle"
    ),
    path("repartitions/<int:pk>/", views.repartition, name="repartition"),
    path("repartitions/<int:pk>/poids/", views.repartition_poids, name="repartition_poids"),
    path("repartitions/<int:pk>/emettre/", views.repartition_emettre, name="repartition_emettre"),
    path("repartitions/<int:pk>/arreter/", views.repartition_arreter, name="repartition_arreter"),
    path(
        "repartitions/<int:pk>/reversements.csv",
        views.reversements_csv,
        name="reversements_csv",
    ),
    path(
        "repartitions/<int:pk>/reversements.xlsx",
        views.reversements_xlsx,
        name="reversements_xlsx",
    ),
]
