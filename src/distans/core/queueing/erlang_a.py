"""Erlang A: the M/M/n+M queue (Palm 1943), exact and vectorised.

Poisson arrivals (rate lambda), n agents with exponential handle time (mean AHT =
1/mu), FCFS, and exponential patience (mean 1/theta): a waiting contact hangs up
when its patience runs out. Write A = lambda/mu, a = n mu/theta, x = lambda/theta.

Stationary law (birth-death chain): states k <= n weigh A^k/k!, a queue of j behind
full agents weighs A^n/n! * t_j with t_j = x^j / ((a+1)(a+2)...(a+j)). Then

    S = sum_j t_j = 1F1(1; a+1; x) = Gamma(a+1) e^x x^-a P(a, x)
    P(wait) = S / (1/B(n, A) - 1 + S)

with B Erlang B and P the regularised lower incomplete gamma function
(Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient
customers", MSOM 4(3); Zeltyn & Mandelbaum 2005, Queueing Systems 51).

A contact that finds j waiting ahead would reach an agent after the "offered wait"
V, a sum of exponentials with rates theta (a + i), i = 0..j; Y = e^(-theta V) is then
Beta(a, j+1)-distributed and it is answered iff its patience exceeds V, with
probability Y. Mixing over j gives for Y the density a y^(a-1) e^(x(1-y)) / S on
(0, 1), from which, with c = e^(-theta T):

    P(answered | wait)            = (a/x) P(a+1, x) / P(a, x)
    P(answered within T | wait)   = (a/x) (P(a+1, x) - P(a+1, c x)) / P(a, x)
    abandon rate                  = P(wait) (1 - P(answered | wait))
    mean wait over all arrivals   = abandon rate / theta          (Little's law)

Service-level convention: SL = P(answered within T) over *all* arrivals; a contact
that abandons, however early, counts as not answered within T.

ASA (mean wait of answered contacts) needs E[V Y], summed over j:
E[V Y | j] = a/(a+j+1) (psi(a+j+2) - psi(a+1)) / theta (psi the digamma function).

log P(s, z) is taken from 1F1 when z < s (where P itself may underflow) and from
scipy's gammainc otherwise, so that nothing overflows at 1,000+ agents.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

from distans.core.queueing.erlang_c import (
    FloatArray,
    QueueMetrics,
    erlang_c_metrics,
    inverse_erlang_b,
)


def _log_lower_gamma_regularised(s: FloatArray, z: FloatArray) -> FloatArray:
    """log P(s, z), stable where P underflows: z^s e^-z / Gamma(s+1) * 1F1(1; s+1; z)."""
    out = np.empty(np.broadcast(s, z).shape, dtype=np.float64)
    s, z = np.broadcast_arrays(s, z)
    low = z < s
    sl, zl = s[low], z[low]
    with np.errstate(divide="ignore"):
        out[low] = (
            sl * np.log(zl)
            - zl
            - special.gammaln(sl + 1.0)
            + np.log(special.hyp1f1(1.0, sl + 1.0, zl))
        )
        out[~low] = np.log(special.gammainc(s[~low], z[~low]))
    return out


def _log_s(a: FloatArray, x: FloatArray) -> FloatArray:
    """log of S = 1F1(1; a+1; x), the queue part of the normalising constant."""
    out = np.empty(a.shape, dtype=np.float64)
    low = x < a
    out[low] = np.log(special.hyp1f1(1.0, a[low] + 1.0, x[low]))
    high = ~low
    ah, xh = a[high], x[high]
    out[high] = special.gammaln(ah + 1.0) + xh - ah * np.log(xh) + np.log(special.gammainc(ah, xh))
    return out


def _answered_wait_given_wait(a: FloatArray, x: FloatArray, log_s: FloatArray) -> FloatArray:
    """E[V * Y | wait] * theta: summed over the queue length j met on arrival."""
    with np.errstate(divide="ignore"):
        spread = np.sqrt(np.maximum(a, x))
        decay = np.where(
            x < a, 40.0 / np.log(np.maximum(a / np.maximum(x, 1e-300), 1.0 + 1e-12)), np.inf
        )
    half = np.ceil(np.minimum(12.0 * spread + 30.0, decay + 30.0))
    width = int(2 * half.max()) + 1 if half.size else 1
    mode = np.floor(np.maximum(x - a, 0.0))
    first = np.maximum(mode - half, 0.0)
    j = first[:, None] + np.arange(width, dtype=np.float64)[None, :]
    ac, xc = a[:, None], x[:, None]
    log_t = j * np.log(xc) + special.gammaln(ac + 1.0) - special.gammaln(ac + j + 1.0)
    weight = np.exp(log_t - log_s[:, None])
    terms = (
        weight * ac / (ac + j + 1.0) * (special.digamma(ac + j + 2.0) - special.digamma(ac + 1.0))
    )
    return np.asarray(terms.sum(axis=1), dtype=np.float64)


def erlang_a_metrics(
    traffic: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    *,
    with_asa: bool = True,
) -> QueueMetrics:
    """All Erlang A figures per element; infinite patience gives Erlang C.

    ``with_asa=False`` skips the (costlier) ASA sum and returns NaN for it; the
    staffing search uses that when ASA is not part of the target.
    """
    arrays = np.broadcast_arrays(
        *(
            np.asarray(v, np.float64)
            for v in (traffic, agents, aht_seconds, answer_within_seconds, patience_seconds)
        )
    )
    shape = arrays[0].shape
    big_a, n, aht, t, patience = (np.ravel(v) for v in arrays)
    base = erlang_c_metrics(big_a, n, aht, t)
    p_wait, sl, asa, wait, abandon, occ = (np.array(v, dtype=np.float64) for v in base)
    finite = np.isfinite(patience)
    # Nobody to answer: everyone waits and, with finite patience, hangs up.
    no_agent = finite & (n <= 0) & (big_a > 0)
    p_wait[no_agent], sl[no_agent], abandon[no_agent] = 1.0, 0.0, 1.0
    asa[no_agent], occ[no_agent] = np.inf, 0.0
    wait[no_agent] = patience[no_agent]
    sub = finite & (n > 0) & (big_a > 0)
    if sub.any():
        a_s, n_s, aht_s, t_s, pat_s = big_a[sub], n[sub], aht[sub], t[sub], patience[sub]
        a = n_s * pat_s / aht_s
        x = a_s * pat_s / aht_s
        log_s = _log_s(a, x)
        inv_b = inverse_erlang_b(a_s, n_s)
        with np.errstate(over="ignore", invalid="ignore"):
            pw = 1.0 / (1.0 + (inv_b - 1.0) * np.exp(-log_s))
        pw = np.where(np.isnan(pw), 0.0, pw)
        log_pa = _log_lower_gamma_regularised(a, x)
        answered_w = (a / x) * np.exp(_log_lower_gamma_regularised(a + 1.0, x) - log_pa)
        late = (a / x) * np.exp(
            _log_lower_gamma_regularised(a + 1.0, x * np.exp(-t_s / pat_s)) - log_pa
        )
        within_w = np.clip(answered_w - late, 0.0, 1.0)
        answered_w = np.clip(answered_w, 0.0, 1.0)
        ab = pw * (1.0 - answered_w)
        p_wait[sub] = pw
        sl[sub] = (1.0 - pw) + pw * within_w
        abandon[sub] = ab
        wait[sub] = ab * pat_s
        occ[sub] = a_s * (1.0 - ab) / n_s
        if with_asa:
            vy = _answered_wait_given_wait(a, x, log_s) * pat_s
            asa[sub] = pw * vy / np.maximum(1.0 - ab, 1e-300)
        else:
            asa[sub] = np.nan
    return QueueMetrics(*(v.reshape(shape) for v in (p_wait, sl, asa, wait, abandon, occ)))
