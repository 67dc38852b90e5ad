from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accueil import views as accueil_views
from membres import views as membres_views
from securite import views as securite_views
from securite.site_admin import SiteAdminSecondFacteur

admin.site.site_header = "servicecommun — administration"
admin.site.site_title = "servicecommun"
admin.site.index_title = "Service commun des systèmes d'information"
# Every staff page needs a second factor (securite.middleware); the admin checks it too.
admin.site.__class__ = SiteAdminSecondFacteur

urlpatterns = [
    path("", accueil_views.accueil, name="accueil"),
    path("connexion/", securite_views.Connexion.as_view(), name="login"),
    path("deconnexion/", securite_views.Deconnexion.as_view(), name="logout"),
    path("compte/", include("securite.urls")),
    path("documents/<int:pk>/", membres_views.document, name="document"),
    # One login page for everyone (throttled, second factor): the admin's sends there.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
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
    path("membres/", include("membres.urls")),
]
