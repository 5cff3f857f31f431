"""A Content-Security-Policy on every response.

Pages get the policy of `settings.SECURE_CSP`: scripts, styles, fonts, images and requests
from this site only, no inline script or style, no `eval`, no framing, no `<base>`, no
plugins. It holds because the templates carry no inline `<script>`, `style="…"`, `on…=`
handler or `javascript:` URL (a test parses every page for them): behaviour lives in
`static/clientela/app.js`, looks in `static/clientela/app.css`, and htmx is told by a
`<meta name="htmx-config">` in `base.html` neither to inject its indicator `<style>` nor
to evaluate trigger filters with `Function()`.

Every other response (the API's JSON, exports, static files) gets
`default-src 'none'; frame-ancestors 'none'`: a document opened from one of them runs
nothing and cannot be framed.

`SECURE_CSP` has the shape of Django 6.0's setting of that name (directive -> list of
sources), so on that upgrade Django's own middleware can take this one's place. A view
that needs another policy sets the header itself; it is then left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
NOT_A_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'"


def build_policy(config: Mapping[str, Sequence[str] | bool | None]) -> str:
    """The header value for `config`: `{"img-src": ["'self'", "data:"]}` -> `img-src 'self' data:`;
    a directive set to True is written alone (`upgrade-insecure-requests`), None or False leaves it out."""
    parts = []
    for directive, sources in config.items():
        if sources is None or sources is False:
            continue
        if sources is True:
            parts.append(directive)
        else:
            parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


def _is_page(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.page_policy = build_policy(settings.SECURE_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.page_policy if _is_page(response) else NOT_A_PAGE_POLICY
        return response
