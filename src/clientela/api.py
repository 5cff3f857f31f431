"""The REST API under /api/v1/: one NinjaAPI, a router per app.

OpenAPI 3.1 at /api/v1/openapi.json, interactive docs at /api/v1/docs. See
docs/api.md for authentication, ETag/If-Match, Idempotency-Key, pagination and errors.
"""

from __future__ import annotations

from ninja import NinjaAPI

from clientela.accounts.api import router as users_router
from clientela.accounts.api_auth import token_auth
from clientela.activities.api import activities as activities_router
from clientela.activities.api import projects as projects_router
from clientela.activities.api import tasks as tasks_router
from clientela.activities.api_calendar import calendar as calendar_router
from clientela.channels.api import email_templates as email_templates_router
from clientela.channels.api import emails as emails_router
from clientela.channels.api_sms import sms as sms_router
from clientela.channels.api_telephony import telephony as telephony_router
from clientela.core.api import events as events_router
from clientela.core.api import health as health_router
from clientela.core.apikit import errors
from clientela.core.apikit.auth import session_auth
from clientela.core.apikit.parser import StrictJsonParser
from clientela.core.apikit.renderer import JsonRenderer
from clientela.parties.api import contacts as contacts_router
from clientela.parties.api import organizations as organizations_router
from clientela.parties.api_custom_fields import router as custom_fields_router
from clientela.privacy.api import consents as consents_router
from clientela.privacy.api import policies as policies_router
from clientela.privacy.api import privacy_requests as privacy_requests_router
from clientela.privacy.api import purposes as purposes_router
from clientela.privacy.api import restrictions as restrictions_router
from clientela.privacy.api import retention_rules as retention_rules_router
from clientela.sales.api import deals as deals_router
from clientela.sales.api import exchange_rates as exchange_rates_router
from clientela.sales.api import forecasts as forecasts_router
from clientela.sales.api import invoices as invoices_router
from clientela.sales.api import lead_forms as lead_forms_router
from clientela.sales.api import lead_rules as lead_rules_router
from clientela.sales.api import leads as leads_router
from clientela.sales.api import lost_reasons as lost_reasons_router
from clientela.sales.api import orders as orders_router
from clientela.sales.api import payments as payments_router
from clientela.sales.api import pipelines as pipelines_router
from clientela.sales.api import price_lists as price_lists_router
from clientela.sales.api import products as products_router
from clientela.sales.api import quotes as quotes_router

api = NinjaAPI(
    title="Clientela API",
    version="1",
    description="Everything the web pages can do. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `clientela token create USERNAME` or on your profile page). Writes need `If-Match` "
    "(PATCH, DELETE) and honour `Idempotency-Key` (POST); reads of one record honour `If-None-Match` (304); "
    'errors are `{"errors": [{field, code, message}]}`.',
    urls_namespace="api",
    auth=[token_auth, session_auth],
    parser=StrictJsonParser(),
    renderer=JsonRenderer(),
)
errors.install(api)

api.add_router("/organizations", organizations_router)
api.add_router("/contacts", contacts_router)
api.add_router("/custom-fields", custom_fields_router)
api.add_router("/leads", leads_router)
api.add_router("/deals", deals_router)
api.add_router("/pipelines", pipelines_router)
api.add_router("/lost-reasons", lost_reasons_router)
api.add_router("/lead-forms", lead_forms_router)
api.add_router("/lead-assignment-rules", lead_rules_router)
api.add_router("/forecasts", forecasts_router)
api.add_router("/products", products_router)
api.add_router("/price-lists", price_lists_router)
api.add_router("/exchange-rates", exchange_rates_router)
api.add_router("/quotes", quotes_router)
api.add_router("/orders", orders_router)
api.add_router("/invoices", invoices_router)
api.add_router("/payments", payments_router)
api.add_router("/activities", activities_router)
api.add_router("/tasks", tasks_router)
api.add_router("/projects", projects_router)
api.add_router("/calendar", calendar_router)
api.add_router("/emails", emails_router)
api.add_router("/purposes", purposes_router)
api.add_router("/policy-versions", policies_router)
api.add_router("/consents", consents_router)
api.add_router("/restrictions", restrictions_router)
api.add_router("/privacy-requests", privacy_requests_router)
api.add_router("/retention-rules", retention_rules_router)
api.add_router("/email-templates", email_templates_router)
api.add_router("/sms", sms_router)
api.add_router("/telephony", telephony_router)
api.add_router("/events", events_router)
api.add_router("/users", users_router)
api.add_router("/health", health_router)
