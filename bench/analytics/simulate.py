"""A synthetic transaction log drawn from a BG/NBD process with Gamma-Gamma spend.

Customer i is acquired at a uniform time in the first ``acquisition_weeks``
weeks and observed until ``weeks``. While alive they buy at Poisson rate
lambda_i ~ Gamma(r, alpha) per week; after each repeat purchase they drop out
with probability p_i ~ Beta(a, b) (Fader, Hardie & Lee 2005). Each purchase is
worth z ~ Gamma(shape p, rate nu_i), nu_i ~ Gamma(q, rate gamma) (Colombo &
Jiang 1999). Times are rounded down to days, so purchases on one day merge
into one purchase day, as in any real log.

Vectorised: repeat purchases in a window of length W are the first
x = min(C, N) points of a Poisson process, with C ~ Poisson(lambda W) points in
the window and N ~ Geometric(p) purchases before dropout; the first x of C
sorted uniforms are S_k / (S_x + G) with S the cumulative sums of unit
exponentials and G ~ Gamma(C + 1 - x).
"""

from __future__ import annotations

import numpy as np

START = np.datetime64("2022-01-01")
TRUE_PARAMS = {
    "bgnbd": {"r": 1.0, "alpha": 5.0, "a": 0.5, "b": 5.0},  # about 10 transactions per customer
    "gammagamma": {"p": 6.0, "q": 4.0, "gamma": 15.0},
}


def simulate(
    customers: int,
    *,
    weeks: float = 104.0,
    acquisition_weeks: float = 52.0,
    seed: int = 0,
    params: dict[str, dict[str, float]] | None = None,
) -> dict[str, np.ndarray]:
    """Columns customer (int64 code), date (datetime64[D]) and amount (float64)."""
    chosen = params or TRUE_PARAMS
    bg, gg = chosen["bgnbd"], chosen["gammagamma"]
    rng = np.random.default_rng(seed)
    acquired = rng.uniform(0.0, acquisition_weeks, customers)
    window = weeks - acquired
    rate = rng.gamma(bg["r"], 1.0 / bg["alpha"], customers)
    dropout = rng.beta(bg["a"], bg["b"], customers)
    in_window = rng.poisson(rate * window)
    before_dropout = rng.geometric(dropout)
    repeat = np.minimum(in_window, before_dropout)

    total = int(repeat.sum())
    owner = np.repeat(np.arange(customers), repeat)
    gaps = rng.standard_exponential(total)
    cumulative = np.cumsum(gaps)
    ends = np.cumsum(repeat)
    offset = np.r_[0.0, cumulative][ends - repeat]  # running sum before each customer
    within = cumulative - np.repeat(offset, repeat)
    last = np.zeros(customers)
    has = repeat > 0
    last[has] = within[ends[has] - 1]
    rest = rng.gamma(np.maximum(in_window + 1 - repeat, 1e-12), 1.0)
    scale = window / (last + rest)
    repeat_time = acquired[owner] + within * scale[owner]

    customer = np.concatenate([np.arange(customers), owner])
    time = np.concatenate([acquired, repeat_time])
    nu = rng.gamma(gg["q"], 1.0 / gg["gamma"], customers)
    amount = rng.gamma(gg["p"], 1.0 / nu[customer])
    days = np.floor(np.minimum(time, weeks - 1e-9) * 7.0).astype(np.int64)
    order = rng.permutation(customer.size)  # a log is not sorted by customer
    return {
        "customer": customer[order].astype(np.int64),
        "date": (START + days[order].astype("timedelta64[D]")).astype("datetime64[D]"),
        "amount": np.round(amount[order], 2),
    }


def end_date(weeks: float = 104.0) -> np.datetime64:
    """The last day of the observation window."""
    return START + np.timedelta64(int(weeks * 7) - 1, "D")
