"""BLAS thread limits for the solvers' hot loops (one rule, one error message).

The iterative solvers run many small matrix products; on a busy 2-core machine OpenBLAS's
threads oversubscribe and one thread is faster (``benchmarks/sspca_speed.py``,
``benchmarks/istd.py``), so the solvers take an ``n_threads`` option that limits the BLAS
pool for the duration of a call.
"""

from __future__ import annotations

import contextlib
import numbers

from threadpoolctl import threadpool_limits

__all__ = ["blas_threads", "check_n_threads"]


def check_n_threads(n_threads) -> int | None:
    """``None`` (leave the BLAS pool alone) or a positive integer; anything else raises."""
    if n_threads is None:
        return None
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads must be None or a positive integer, got {n_threads!r}.")
    if n_threads < 1:
        raise ValueError(f"n_threads must be None or a positive integer, got {n_threads!r}.")
    return int(n_threads)


def blas_threads(n_threads):
    """Context manager limiting the BLAS pool to ``n_threads`` (``None``: no change).

    threadpoolctl applies the limit when the object is *created*, so call this in the
    ``with`` statement itself, after any validation that may raise.
    """
    n = check_n_threads(n_threads)
    if n is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")
