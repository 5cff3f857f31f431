from django.urls import path

from clientela.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("favicon.ico", views.favicon, name="favicon"),
]
