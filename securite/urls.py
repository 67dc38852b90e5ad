"""The account's security pages, under /compte/ (login and logout are the project's)."""

from django.urls import path

from securite import views

app_name = "securite"
urlpatterns = [
    path("", views.compte, name="compte"),
    path("second-facteur/", views.verification, name="verification"),
    path("second-facteur/activer/", views.activation, name="activation"),
    path("second-facteur/codes/", views.codes, name="codes"),
    path("second-facteur/codes/nouveaux/", views.nouveaux_codes, name="nouveaux_codes"),
    path(
        "second-facteur/reinitialisations/",
        views.reinitialisations,
        name="reinitialisations",
    ),
    path(
        "second-facteur/reinitialisations/<int:pk>/",
        views.reinitialiser,
        name="reinitialiser",
    ),
]
