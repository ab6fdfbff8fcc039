from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "LF Cloud demo data"
