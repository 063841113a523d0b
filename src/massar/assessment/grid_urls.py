"""Pages of the evaluation's grid part."""

urlpatterns: list = []
