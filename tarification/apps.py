from django.apps import AppConfig


class TarificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tarification"
    verbose_name = "tarification et titres de recettes"

    def ready(self):
        from tarification.historique import enregistrer_gardes

        enregistrer_gardes()
