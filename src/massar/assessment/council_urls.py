"""Pages of the evaluation's council part."""

urlpatterns: list = []
