"""Every write of the sales app (DESIGN.md rule 1), one module per concept."""

from clientela.sales.actions.assignment import (
    assign_lead,
    lead_rule_create,
    lead_rule_move,
    lead_rule_trash,
    lead_rule_update,
)
from clientela.sales.actions.deals import (
    deal_create,
    deal_move,
    deal_restore,
    deal_trash,
    deal_update,
)
from clientela.sales.actions.figures import figures_rebuild
from clientela.sales.actions.forecasts import forecast_adjust, forecast_snapshot_take
from clientela.sales.actions.invoices import invoice_credit, order_invoice, payment_record
from clientela.sales.actions.leads import (
    Conversion,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_restore,
    lead_trash,
    lead_update,
    leads_import_batch,
)
from clientela.sales.actions.mail import document_mail_failed, document_mail_queue, document_mail_sent
from clientela.sales.actions.pipelines import (
    lost_reason_create,
    lost_reason_update,
    pipeline_create,
    pipeline_update,
)
from clientela.sales.actions.prices import exchange_rate_set, price_list_create, price_list_trash, price_list_update
from clientela.sales.actions.products import product_create, product_restore, product_trash, product_update
from clientela.sales.actions.quotes import (
    quote_accept,
    quote_create,
    quote_price,
    quote_reject,
    quote_revise,
    quotes_expire,
)
from clientela.sales.actions.webforms import lead_capture, lead_form_create, lead_form_update, submission_allowed

__all__ = [
    "document_mail_failed",
    "document_mail_queue",
    "document_mail_sent",
    "invoice_credit",
    "quote_price",
    "quote_reject",
    "quote_revise",
    "quotes_expire",
    "assign_lead",
    "lead_rule_create",
    "lead_rule_move",
    "lead_rule_trash",
    "lead_rule_update",
    "Conversion",
    "deal_create",
    "deal_move",
    "deal_restore",
    "deal_trash",
    "deal_update",
    "figures_rebuild",
    "forecast_adjust",
    "forecast_snapshot_take",
    "lead_convert",
    "lead_create",
    "lead_disqualify",
    "lead_restore",
    "lead_trash",
    "lead_update",
    "leads_import_batch",
    "lead_capture",
    "lead_form_create",
    "lead_form_update",
    "lost_reason_create",
    "lost_reason_update",
    "exchange_rate_set",
    "price_list_create",
    "price_list_trash",
    "price_list_update",
    "order_invoice",
    "payment_record",
    "pipeline_create",
    "quote_accept",
    "quote_create",
    "product_create",
    "product_restore",
    "product_trash",
    "product_update",
    "pipeline_update",
    "submission_allowed",
]
