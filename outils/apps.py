from django.apps import AppConfig
from django.db.backends.signals import connection_created

from outils import requetes


class OutilsConfig(AppConfig):
    name = "outils"
    verbose_name = "outils"

    def ready(self):
        connection_created.connect(requetes.installer, dispatch_uid="outils.sans_accents")
