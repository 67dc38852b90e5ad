from django.apps import AppConfig


class PilotageConfig(AppConfig):
    """The bilan annuel and the steering dashboard (R1, R2), read over every app; no models."""

    name = "pilotage"
    verbose_name = "pilotage"
