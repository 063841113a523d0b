"""Pages of the evaluation's results part."""

urlpatterns: list = []
