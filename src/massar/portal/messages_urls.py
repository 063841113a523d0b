"""Pages of the spaces' messages part."""

urlpatterns: list = []
