from django.urls import include, path, re_path

from clientela.api import api
from clientela.core.apikit.errors import unknown_path
from clientela.privacy.urls import public_urlpatterns

urlpatterns = [
    path("", include("clientela.site.urls")),
    path("", include("clientela.core.urls")),
    path("accounts/", include("clientela.accounts.urls")),
    path("", include("clientela.parties.urls")),
    path("", include("clientela.sales.urls")),
    path("", include("clientela.activities.urls")),
    path("", include("clientela.channels.urls")),
    path("privacy/", include("clientela.privacy.urls")),
    path("p/privacy/", include(public_urlpatterns)),
    path("import/", include("clientela.parties.urls_import")),
    path("merge/", include("clientela.parties.urls_merge")),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", unknown_path),  # JSON, not a page, for every address under /api/
    path("i18n/", include("django.conf.urls.i18n")),
]
