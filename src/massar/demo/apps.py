from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "massar.demo"
    label = "demo"
    verbose_name = "Demo"
