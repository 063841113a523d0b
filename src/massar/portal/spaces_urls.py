"""Pages of the spaces' spaces part."""

urlpatterns: list = []
