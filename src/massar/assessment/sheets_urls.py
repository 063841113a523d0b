"""Pages of the evaluation's sheets part."""

urlpatterns: list = []
