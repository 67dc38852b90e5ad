from django.apps import AppConfig


class PatrimoineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "patrimoine"
    verbose_name = "audits, inventaire et transferts"
