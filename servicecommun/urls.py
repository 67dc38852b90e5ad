from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from membres import views as membres_views

admin.site.site_header = "servicecommun — administration"
admin.site.site_title = "servicecommun"
admin.site.index_title = "Service commun des systèmes d'information"
if settings.ADMIN_OTP_REQUIRED:
    # Staff need a second factor (TOTP or static codes) in the admin (django-otp).
    from django_otp.admin import OTPAdminSite

    admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", membres_views.accueil, name="accueil"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("documents/<int:pk>/", membres_views.document, name="document"),
    path("admin/", admin.site.urls),
    path("tarification/", include("tarification.urls")),
    path("pilotage/", include("pilotage.urls")),
    # The bilan's former address (bookmarks).
    path("tarification/bilan/", RedirectView.as_view(url="/pilotage/bilan/", query_string=True)),
    path(
        "tarification/bilan/<path:reste>",
        RedirectView.as_view(url="/pilotage/bilan/%(reste)s", query_string=True),
    ),
    path("groupements/", include("groupements.urls")),
    path("patrimoine/", include("patrimoine.urls")),
    path("missions/", include("missions.urls")),
    path("portail/", include("portail.urls")),
]
