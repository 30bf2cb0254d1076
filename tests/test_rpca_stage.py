"""The RPCA stage: classical operators in its slots reproduce the textbook inexact ALM."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from sparseopt.decomposition import ZERO, alm_operators
from sparseopt.prox import svt
from sparseopt.stages import RPCAOperators, RPCAState, rpca_stage

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _textbook_alm(D, lam, mu, n_iter, rho=1.5):
    """Lin, Chen & Ma's inexact ALM, written out plainly (with a noise term when mu < inf)."""
    norm_two = np.linalg.norm(D, 2)
    Y = D / max(norm_two, np.abs(D).max() / lam)
    alpha = 1.25 / norm_two
    alpha_max = alpha * 1e7
    T = np.zeros_like(D)
    N = np.zeros_like(D)
    for _ in range(n_iter):
        U, s, Vt = np.linalg.svd(D - T - N + Y / alpha, full_matrices=False)
        B = (U * np.maximum(s - 1 / alpha, 0)) @ Vt
        X = D - B - N + Y / alpha
        T = np.sign(X) * np.maximum(np.abs(X) - lam / alpha, 0)
        if math.isinf(mu):
            N = np.zeros_like(D)
        else:
            N = alpha / (alpha + 2 * mu) * (D - B - T + Y / alpha)
        Y = Y + alpha * (D - B - T - N)
        alpha = min(rho * alpha, alpha_max)
    return B, T, N


def _stage_alm(D, lam, mu, n_iter, rho=1.5):
    norm_two = np.linalg.norm(D, 2)
    alpha = 1.25 / norm_two
    alpha_max = alpha * 1e7
    Y = D / max(norm_two, np.abs(D).max() / lam)
    state = RPCAState(
        None, np.zeros_like(D), ZERO if math.isinf(mu) else np.zeros_like(D), D + Y / alpha, alpha
    )
    for _ in range(n_iter):
        a_next = min(rho * state.alpha, alpha_max)
        ops = alm_operators(state.alpha, a_next, lam, mu, D, svt)
        state = rpca_stage(state, ops, alpha_next=a_next)
    N = np.zeros_like(D) if state.N is ZERO else state.N
    return state.B, state.T, N


@pytest.mark.parametrize("mu", [np.inf, 0.5, 5.0])
def test_classical_slots_reproduce_textbook_alm(mu):
    rng = np.random.default_rng(0)
    L = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 30))
    S = (rng.random((40, 30)) < 0.05) * rng.uniform(-5, 5, (40, 30))
    D = L + S + 0.01 * rng.standard_normal((40, 30))
    lam = 1 / math.sqrt(40)
    for n_iter in (1, 5, 25):
        ref = _textbook_alm(D, lam, mu, n_iter)
        got = _stage_alm(D, lam, mu, n_iter)
        for a, b in zip(ref, got):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-10 * np.abs(D).max())


def test_stage_is_plain_arithmetic_exact_fractions():
    """The stage runs on any type with + - * / (here exact rationals): nothing NumPy-specific."""
    state = RPCAState(None, Fraction(1, 3), Fraction(1, 7), Fraction(5, 2), None)
    out = rpca_stage(
        state,
        RPCAOperators(
            background=lambda x: x / 2,
            target=lambda x, T: (x + T) - Fraction(1, 10) * (x + T),  # L-RPCANet's form
            noise=lambda x, N: (x + N) / 3,
            data=lambda B, T, N, D: B + T + N,  # the networks' reconstruction, M = identity
        ),
    )
    B = (Fraction(5, 2) - Fraction(1, 3) - Fraction(1, 7)) / 2
    xT = Fraction(5, 2) - B - Fraction(1, 7) + Fraction(1, 3)
    T = xT - xT / 10
    N = (Fraction(5, 2) - B - T + Fraction(1, 7)) / 3
    assert out.B == B and out.T == T and out.N == N
    assert out.D == B + T + N
    assert out.alpha is None


def test_stage_order_and_inputs():
    """Each slot sees the documented input, computed from the freshest values."""
    seen = {}

    def op_B(x):
        seen["B"] = x
        return 1.0

    def op_T(x, T):
        seen["T"] = (x, T)
        return 2.0

    def op_N(x, N):
        seen["N"] = (x, N)
        return 3.0

    def op_D(B, T, N, D):
        seen["D"] = (B, T, N, D)
        return 10.0

    ops = RPCAOperators(op_B, op_T, op_N, op_D)
    out = rpca_stage(RPCAState(None, 0.5, 0.25, 8.0, 2.0), ops, alpha_next=3.0)
    assert seen["B"] == 8.0 - 0.5 - 0.25
    assert seen["T"] == (8.0 - 1.0 - 0.25, 0.5)
    assert seen["N"] == (8.0 - 1.0 - 2.0, 0.25)
    assert seen["D"] == (1.0, 2.0, 3.0, 8.0)
    assert out == RPCAState(1.0, 2.0, 3.0, 10.0, 3.0)


def test_zero_is_an_additive_identity_without_copies():
    x = np.arange(6.0).reshape(2, 3)
    assert (x - ZERO) is x
    assert (x + ZERO) is x and (ZERO + x) is x
    np.testing.assert_array_equal(ZERO - x, -x)
    assert ZERO * 3.0 is ZERO and 3.0 * ZERO is ZERO
    assert not ZERO
    assert repr(ZERO) == "ZERO"
