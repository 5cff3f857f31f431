"""`clientela analytics clv`, written the usual way with `lifetimes` and pandas.

The reference pipeline of ``whole_process.py``: read the transaction CSV with
pandas, summarise it per customer in weeks, fit BG/NBD and Gamma-Gamma (on
repeat buyers), and write one row per customer with the same columns as
`clientela analytics clv`. Bench-only: `lifetimes` is not a dependency of
clientela.

    python bench/analytics/lifetimes_clv.py --input log.csv --calibration-end 2023-12-30 \
        --horizon 52 --discount-rate 0.002293 --output clv.csv

lifetimes discounts per month (steps of 4.345 weeks), so the horizon is cut
into whole months and the weekly rate is compounded into a monthly one.
"""

from __future__ import annotations

import argparse

WEEKS_PER_MONTH = 4.345  # lifetimes' own conversion for freq="W"


def main() -> None:
    parser = argparse.ArgumentParser(description="clv with lifetimes + pandas")
    parser.add_argument("--input", required=True)
    parser.add_argument("--calibration-end", required=True)
    parser.add_argument("--horizon", type=float, required=True, help="weeks")
    parser.add_argument("--discount-rate", type=float, default=0.0, help="per week")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    log = pd.read_csv(args.input, dtype={"customer_id": str}, parse_dates=["date"])
    summary = summary_data_from_transaction_data(
        log,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(args.calibration_end),
        freq="D",
        freq_multiplier=7,
    )
    x, t_x, T, spend = summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"]
    bgf = BetaGeoFitter().fit(x, t_x, T)
    repeat = summary[x > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    summary["p_alive"] = bgf.conditional_probability_alive(x, t_x, T)
    summary["expected_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(args.horizon, x, t_x, T)
    summary["expected_avg_spend"] = ggf.conditional_expected_average_profit(x, spend)
    summary["clv"] = ggf.customer_lifetime_value(
        bgf,
        x,
        t_x,
        T,
        spend,
        time=round(args.horizon / WEEKS_PER_MONTH),
        discount_rate=(1.0 + args.discount_rate) ** WEEKS_PER_MONTH - 1.0,
        freq="W",
    )
    summary.rename(columns={"monetary_value": "monetary"}).to_csv(args.output)


if __name__ == "__main__":
    main()
