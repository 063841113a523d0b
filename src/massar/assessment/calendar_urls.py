"""Pages of the evaluation's calendar part."""

urlpatterns: list = []
