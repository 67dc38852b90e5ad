from django.urls import path

from pilotage import views

app_name = "pilotage"
urlpatterns = [
    path("bilan/", views.bilan_choix, name="bilan_choix"),
    path("bilan/<int:annee>/", views.bilan, name="bilan"),
    path("bilan/<int:annee>/pdf/", views.bilan_pdf, name="bilan_pdf"),
    path("bilan/<int:annee>/xlsx/", views.bilan_xlsx, name="bilan_xlsx"),
]
