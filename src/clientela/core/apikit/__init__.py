"""What every app's API router shares: authentication, structured errors, ETags and
`If-Match`, `Idempotency-Key`, cursor pagination and the JSON body parser.

Routers stay thin: they parse input, call one query or action, and hand the result
to these helpers.
"""
