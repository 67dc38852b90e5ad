from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data, synthetic data sets and the benchmarks: on top of every app (no models)."""

    name = "demo"
    verbose_name = "démonstration"
