"""Filled by the app (see channels/urls.py)."""

urlpatterns: list = []
