from django.apps import AppConfig


class GroupementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groupements"
    verbose_name = "groupements de commandes"
