"""Pages of the evaluation's reports part."""

urlpatterns: list = []
