from django.urls import include, path

from clientela.api import api

urlpatterns = [
    path("", include("clientela.site.urls")),
    path("", include("clientela.core.urls")),
    path("accounts/", include("clientela.accounts.urls")),
    path("", include("clientela.parties.urls")),
    path("import/", include("clientela.parties.urls_import")),
    path("merge/", include("clientela.parties.urls_merge")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
