from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "clientela.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from clientela.core import housekeeping
        from clientela.core import panels as core_panels
        from clientela.core.recordtypes import register
        from clientela.sales import forecasting, panels, queries

        register("sales.lead", scoped_get=queries.lead_get, names=queries.lead_names)
        register("sales.deal", scoped_get=queries.deal_get, names=queries.deal_names)
        register("sales.pipeline", public=True, names=queries.pipeline_names)
        register("sales.stage", public=True, names=queries.stage_names)
        register("sales.lostreason", public=True, names=queries.lost_reason_names)
        register("sales.leadform", admin_only=True)
        register("sales.leadassignmentrule", admin_only=True)
        register("sales.product", public=True, names=queries.product_names)
        register("sales.pricelist", public=True)
        register("sales.quote", scoped_get=queries.quote_get)
        register("sales.order", scoped_get=queries.order_get)
        register("sales.invoice", scoped_get=queries.invoice_get)
        register("sales.payment", scoped_get=queries.payment_get)
        register("sales.forecastadjustment", scoped_get=forecasting.forecast_adjustment_get)
        register("sales.forecastsnapshot", admin_only=True)
        # An organization's and a contact's deals on their 360° pages.
        core_panels.register("parties.organization", panels.party_deals)
        core_panels.register("parties.contact", panels.party_deals)
        core_panels.register("parties.organization", panels.party_documents)
        core_panels.register("parties.contact", panels.party_documents)
        # The worker keeps the forecast of each month, to compare later with what closed.
        housekeeping.register("sales.forecast_snapshot", "clientela.sales.tasks.take_monthly_snapshot")
        housekeeping.register("sales.lead_import_files", "clientela.sales.tasks.purge_lead_import_files")
        # The figures the dashboard and forecasts read, kept in step by every write of a deal or a
        # lead (and built by the worker when missing).
        from clientela.core import tallies
        from clientela.sales.actions import figures
        from clientela.sales.models import Deal, Lead

        tallies.register(Deal, figures.DEALS)
        tallies.register(Lead, figures.LEADS)
        housekeeping.register("sales.figures", "clientela.sales.tasks.build_missing_figures")
        housekeeping.register("sales.quote_expiry", "clientela.sales.tasks.expire_quotes")
        # The deals list keeps saved views, as the contact and organization lists do.
        from django.urls import reverse

        from clientela.parties import savedviews
        from clientela.sales import listing

        savedviews.register_list(
            listing.ENTITY, clean=listing.clean_query_string, path=lambda: reverse("sales:deal_list")
        )
