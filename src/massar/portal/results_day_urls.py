"""Pages of the spaces' results_day part."""

urlpatterns: list = []
