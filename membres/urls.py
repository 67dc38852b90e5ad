"""DSI staff's pages on members' portal access, under /membres/."""

from django.urls import path

from membres import views

app_name = "membres"
urlpatterns = [
    path("acces/", views.acces, name="acces"),
    path("acces/<str:code_insee>/", views.acces_commune, name="acces_commune"),
    path("acces/comptes/<int:pk>/desactiver/", views.acces_desactiver, name="acces_desactiver"),
]
