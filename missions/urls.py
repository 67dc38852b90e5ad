from django.urls import path

from missions import views

app_name = "missions"
urlpatterns = [
    path("", views.dotations, name="dotations"),
    path("export.<str:format>", views.dotations_export, name="dotations_export"),
    path("<int:pk>/lettre.pdf", views.lettre_pdf, name="lettre_pdf"),
]
