from django.contrib import admin

from outils.formulaires import SaisieFrancaiseMixin
from securite.models import ReinitialisationSecondFacteur


@admin.register(ReinitialisationSecondFacteur)
class ReinitialisationSecondFacteurAdmin(SaisieFrancaiseMixin, admin.ModelAdmin):
    """Read-only: resets are made on their page (/compte/second-facteur/reinitialisations/)."""

    list_display = ["utilisateur", "le", "par", "motif", "appareils"]
    list_select_related = ["utilisateur", "par"]
    search_fields = ["utilisateur__username", "par__username", "motif"]
    date_hierarchy = "le"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
