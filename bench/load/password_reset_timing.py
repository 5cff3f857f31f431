"""How long the password reset page takes to answer, for an address an account uses and for one none uses.

    .venv/bin/python bench/load/password_reset_timing.py --url http://127.0.0.1:8000 \\
        --email someone@example.test [--n 3]

Against a running server: fetches the reset form once (its CSRF cookie and token), then posts
`--n` reset requests for `--email` (an address an account uses) and `--n` for an address no
account uses (made up from it, the same in every run, so that the throttle's count of requests
for each of the two grows alike), alternating, and prints the median and 95th percentile of the
time to the answer (the redirect to "check your e-mail"; it is not followed) for each. The two
should match: the page only checks, counts and queues the e-mail; the job worker looks the
address up and sends it. Bounded: 2 × n requests, one at a time, each with a 10 s timeout.

The reset throttle counts these requests like any others: by default 3 per e-mail address and
10 per client address an hour (CLIENTELA_PASSWORD_RESET_MAX_PER_EMAIL, _PER_ADDRESS). A
throttled request does less work (it queues nothing) but answers the same, so it cannot be
told apart from here: the default --n 3 stays inside the default limits for one run a window
(3 for the address, 6 for the client). For more samples, start the server with higher limits,
e.g. CLIENTELA_PASSWORD_RESET_MAX_PER_EMAIL=1000 CLIENTELA_PASSWORD_RESET_MAX_PER_ADDRESS=1000,
and pass --n 200 --limits-raised (the limits count every request in the window, earlier runs'
too). Each known-address request queues a real e-mail.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

RESET_PATH = "/accounts/password/reset/"
DEFAULT_MAX_PER_EMAIL = 3
DEFAULT_MAX_PER_ADDRESS = 10
TIMEOUT = 10.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the answer to time is the redirect itself


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


def csrf_token(opener: urllib.request.OpenerDirector, url: str) -> str:
    """The form's CSRF token (and, in the opener's cookie jar, its cookie)."""
    with opener.open(url, timeout=TIMEOUT) as response:
        html = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        sys.exit(f"no CSRF token in the form at {url}")
    return match.group(1)


def post_reset(opener: urllib.request.OpenerDirector, url: str, token: str, email: str) -> float:
    """Milliseconds to the answer of one reset request."""
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email}).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url}, method="POST")  # noqa: S310
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:  # the 302 (not followed) arrives as one
        status = error.code
        error.read()
    elapsed = (time.perf_counter() - started) * 1000
    if status != 302:
        sys.exit(f"POST {url} for {email} answered {status}, not the redirect to 'check your e-mail'")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
    parser.add_argument("--email", required=True, help="an e-mail address an active account uses")
    parser.add_argument("--n", type=int, default=DEFAULT_MAX_PER_EMAIL, help="requests of each kind (default 3)")
    parser.add_argument(
        "--limits-raised", action="store_true", help="the server runs with reset limits above 2 × n (see above)"
    )
    args = parser.parse_args()
    if args.n < 1 or args.n > 10_000:
        parser.error("--n must be between 1 and 10000")
    if not args.limits_raised and (args.n > DEFAULT_MAX_PER_EMAIL or 2 * args.n > DEFAULT_MAX_PER_ADDRESS):
        parser.error(
            f"--n {args.n} passes the default reset limits ({DEFAULT_MAX_PER_EMAIL} per e-mail address, "
            f"{DEFAULT_MAX_PER_ADDRESS} per client): raise them on the server and add --limits-raised"
        )
    url = urllib.parse.urljoin(args.url, RESET_PATH)
    opener = _opener()
    token = csrf_token(opener, url)
    nobody = f"nobody-{hashlib.sha256(args.email.encode()).hexdigest()[:12]}@{args.email.rsplit('@', 1)[-1]}"
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(args.n):
        known.append(post_reset(opener, url, token, args.email))
        unknown.append(post_reset(opener, url, token, nobody))
    print(f"password reset, {args.n} requests each, against {args.url}")
    print(f"{'address':<10} {'median ms':>10} {'p95 ms':>10} {'min ms':>10} {'max ms':>10}")
    for name, times in (("known", known), ("unknown", unknown)):
        print(
            f"{name:<10} {statistics.median(times):>10.1f} {percentile(times, 0.95):>10.1f} "
            f"{min(times):>10.1f} {max(times):>10.1f}"
        )


if __name__ == "__main__":
    main()
