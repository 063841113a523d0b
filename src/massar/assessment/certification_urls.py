"""Pages of the evaluation's certification part."""

urlpatterns: list = []
