from django.apps import AppConfig


class SecuriteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "securite"
    verbose_name = "sécurité : rôles, second facteur, connexions"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from securite.middleware import noter_second_facteur

        user_logged_in.connect(noter_second_facteur, dispatch_uid="securite_noter_second_facteur")
