"""Pages of the spaces' appointments part."""

urlpatterns: list = []
