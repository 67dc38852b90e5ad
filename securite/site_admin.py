"""The admin site behind the second factor."""

from django.contrib import admin

from securite.roles import second_facteur_manquant


class SiteAdminSecondFacteur(admin.AdminSite):
    """The admin checks the second factor itself (the middleware already sends unverified
    staff to the verification page). The setting is read on each request, not when the URLs
    are loaded: a process must not keep the value seen by its first request."""

    def has_permission(self, request):
        return super().has_permission(request) and not second_facteur_manquant(request.user)
