"""Pages of the spaces' certificates part."""

urlpatterns: list = []
