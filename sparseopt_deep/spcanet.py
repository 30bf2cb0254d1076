r"""SPCA-Net: the ADMM of structured sparse PCA unfolded into K learnable stages.

Stage k runs :func:`sparseopt.stages.sspca_admm_stage` — the very function the
classical solver runs — on torch tensors, with its own positive scalars
:math:`\eta_k` and, per penalty block j, a threshold weight and an ADMM penalty
:math:`\alpha_{j,k}` ("dynamic"; one shared set when ``dynamic=False``) and, with ``network=True``, a small learned module in the
W-step (the talk's LargNet):

.. math::

    W_{k} = \mathcal{P}\big(V + s\,h_k(V/s)\big), \qquad
    V = W_{k-1} - \eta_k\big[-CW_{k-1} + \textstyle\sum_j \Lambda_j + \alpha_{j,k}(W_{k-1} - Y_j)\big],

where :math:`\mathcal{P}` is the Stiefel projection (polar factor, with a stable
backward pass), :math:`s` the root-mean-square entry of V (the projection is
scale-invariant, so the module sees a scale-free input) and :math:`h_k` a
two-layer MLP applied to every row of V with weights shared across rows. Its
size is :math:`O(k\cdot\text{hidden})` per stage, independent of d, and sharing
it across rows keeps the network equivariant to permutations of the features.
Its output layer starts at zero, so an untrained network *is* the plain
iteration. (The authors' demo uses a dense ``Linear(d·p, d·p)`` per stage: four
billion parameters for COIL20 with 10 stages.)

Everything around the stage is shared with the classical solver too: the
penalties are :class:`sparseopt.penalties.Penalty` objects (their ``prox`` is the
Y-step, their ``value`` the loss), the problem is the solver's
:class:`~sparseopt.decomposition.SSPCAProblem` (the same C, scale, start and
calibration), the start is :func:`sparseopt.stages.initial_state` and the loss is
:func:`sparseopt.stages.sspca_objective`; the Stiefel projection is
:func:`sparseopt.prox.stiefel_projection`, which on torch tensors is the one
with a stable backward (:mod:`sparseopt_deep.linalg`). Every penalty of the
solver is supported except ℓ₂,₀, which is refused by name (its value is
piecewise constant, so no loss can see it).

Training is unsupervised and transductive, on X itself: the loss is the SSPCA
objective of the last stage's W with the penalties' weights **fixed**
(hyper-parameters); the learned per-stage thresholds are free. (Using the learned
thresholds in the loss, as the demo does, makes it unbounded below.)

References
----------
L. Chen, X. Xiu, "Tuning-free structured sparse PCA via deep unfolding networks", CCC 2025.
K. Gregor, Y. LeCun, "Learning fast approximations of sparse coding", ICML 2010.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from sparseopt import prox
from sparseopt._threads import blas_threads
from sparseopt.decomposition import sspca_problem
from sparseopt.decomposition._sspca import resolve_penalties
from sparseopt.penalties import L1, Penalty, make_penalty
from sparseopt.stages import (
    SSPCAOperators,
    SSPCAParams,
    initial_state,
    sspca_admm_stage,
    sspca_objective,
)

__all__ = ["SPCANet", "SPCANetResult", "sspca_objective", "train_spcanet"]


def _inv_softplus(x: float) -> float:
    x = max(float(x), 1e-12)
    return x + math.log(-math.expm1(-x)) if x < 30 else x


class RowMLP(nn.Module):
    """Residual correction applied to every row: k → hidden → k, shared across rows, zero-initialised output."""

    def __init__(self, n_components: int, hidden: int):
        super().__init__()
        self.inp = nn.Linear(n_components, hidden)
        self.out = nn.Linear(hidden, n_components)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, V: torch.Tensor) -> torch.Tensor:
        s = torch.sqrt(torch.mean(V * V)).clamp_min(torch.finfo(V.dtype).tiny)
        return V + s * self.out(torch.tanh(self.inp(V / s)))


def _check_penalties(penalties) -> tuple:
    penalties = tuple(penalties)
    if not penalties or not all(isinstance(pen, Penalty) for pen in penalties):
        raise TypeError(
            f"penalties must be a non-empty sequence of sparseopt.penalties.Penalty, got {penalties!r}."
        )
    for pen in penalties:
        if not pen.differentiable:
            raise ValueError(
                f"SPCA-Net does not support the {pen.name!r} penalty: its value is piecewise "
                "constant, so the training loss cannot see it. Use the classical solver."
            )
    return penalties


class SPCANet(nn.Module):
    """K unfolded ADMM stages of structured sparse PCA, one block per penalty object.

    Parameters
    ----------
    n_components : int
        k, the number of columns of W.
    n_stages : int
        K.
    penalties : sequence of sparseopt.penalties.Penalty
        The penalty blocks, with their *absolute* weights as the initial
        thresholds (e.g. ``problem.calibrate(L21(), 0.25)``). Any penalty of
        :mod:`sparseopt.penalties` except ℓ₂,₀ (refused by name).
    dynamic : bool
        Per-stage scalars (True) or one set shared by all stages (False).
    network : bool
        Add the learned row module to each W-step (True) or run the plain iteration (False).
    alpha : float
        Initial ADMM penalty of every block.
    eta : float, optional
        Initial W-step size; default 1/(number of blocks × α), the exact linearised W-step.
    hidden : int
        Width of the row module.
    """

    def __init__(
        self,
        n_components: int,
        n_stages: int = 10,
        *,
        penalties,
        dynamic: bool = True,
        network: bool = True,
        alpha: float = 0.1,
        eta: float | None = None,
        hidden: int = 32,
    ):
        super().__init__()
        if n_stages < 1:
            raise ValueError(f"n_stages must be >= 1, got {n_stages}.")
        self.penalties = _check_penalties(penalties)
        self.n_components = int(n_components)
        self.n_stages = int(n_stages)
        self.dynamic = bool(dynamic)
        self.network = bool(network)
        n_sets = self.n_stages if self.dynamic else 1
        self.raw = nn.Parameter(
            torch.tensor(
                [self._raw_row(eta, [pen.weight for pen in self.penalties], alpha)] * n_sets,
                dtype=torch.float64,
            )
        )
        self.row_modules = (
            nn.ModuleList(RowMLP(self.n_components, hidden) for _ in range(n_sets))
            if self.network
            else None
        )

    def _raw_row(self, eta, weights, alpha) -> list:
        """Pre-softplus scalars of one set: [eta, (weight, alpha) per block]."""
        alphas = [alpha] * len(weights) if not isinstance(alpha, list | tuple) else list(alpha)
        eta = 1.0 / sum(alphas) if eta is None else eta
        row = [_inv_softplus(eta)]
        for w, a in zip(weights, alphas):
            # A zero threshold is the limit softplus(-inf); start just above it so it can be learned.
            row += [_inv_softplus(w if w > 0 else 1e-6 * a), _inv_softplus(a)]
        return row

    def stage_params(self, k: int) -> SSPCAParams:
        """The positive scalars of stage k (softplus of the raw parameters)."""
        r = nn.functional.softplus(self.raw[k if self.dynamic else 0])
        n = len(self.penalties)
        return SSPCAParams(
            eta=r[0],
            alphas=[r[2 + 2 * j] for j in range(n)],
            weights=[r[1 + 2 * j] for j in range(n)],
        )

    def stage_ops(self, k: int) -> SSPCAOperators:
        if self.network:
            module = self.row_modules[k if self.dynamic else 0]
            project = lambda V: prox.stiefel_projection(module(V))  # noqa: E731
        else:
            project = prox.stiefel_projection
        return SSPCAOperators(project=project, proxes=[pen.prox for pen in self.penalties])

    def forward(self, C, W0: torch.Tensor, return_all: bool = False):
        """Run the K stages from ``W0`` (:func:`~sparseopt.stages.initial_state`) on the scaled covariance.

        ``C`` is a tensor or a callable ``W -> CW`` (``problem.linear_operator``).
        Returns the final :class:`~sparseopt.stages.SSPCAState` (and the list of
        all states if ``return_all``).
        """
        grad = C if callable(C) else C.__matmul__
        dtype = W0.dtype
        state = initial_state(W0, len(self.penalties))
        states = [state]
        for k in range(self.n_stages):
            p = self.stage_params(k)
            p = SSPCAParams(
                eta=p.eta.to(dtype),
                alphas=[a.to(dtype) for a in p.alphas],
                weights=[w.to(dtype) for w in p.weights],
            )
            state = sspca_admm_stage(state, grad(state.W), p, self.stage_ops(k))
            if return_all:
                states.append(state)
        return (state, states) if return_all else state

    def set_classical(self, eta: float, weights, alphas) -> None:
        """Set every stage's scalars to fixed classical values (for the equivalence check)."""
        row = self._raw_row(eta, list(weights), list(alphas))
        with torch.no_grad():
            self.raw.copy_(torch.tensor([row] * self.raw.shape[0], dtype=torch.float64))


@dataclass
class SPCANetResult:
    """Trained SPCA-Net and its output.

    Attributes
    ----------
    model : SPCANet
        The trained network (best epoch).
    components : ndarray, shape (n_features, n_components)
        W after the last stage.
    scores : ndarray, shape (n_features,)
        Row norms of W (the talk's ranking; descending).
    objective : float
        SSPCA objective of ``components`` (fixed penalty weights).
    penalties : tuple of Penalty
        The penalty blocks of the loss, with their fixed *absolute* weights.
    history : dict
        ``loss`` per epoch.
    train_time : float
        Seconds spent training.
    """

    model: SPCANet
    components: np.ndarray
    scores: np.ndarray
    objective: float
    penalties: tuple
    history: dict = field(default_factory=dict)
    train_time: float = 0.0


@contextlib.contextmanager
def torch_threads(n_threads: int | None):
    """Limit torch's intra-op pool (and BLAS's) for the duration of a block; None leaves both."""
    if n_threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        with blas_threads(n_threads):
            yield
    finally:
        torch.set_num_threads(before)


def train_spcanet(
    X,
    n_components: int | str = "auto",
    *,
    lam: float = 0.25,
    mu: float = 0.0,
    penalty: str = "l21",
    p: float = 0.5,
    penalties=None,
    n_stages: int = 10,
    dynamic: bool = True,
    network: bool = True,
    n_epochs: int = 300,
    learning_rate: float = 1e-2,
    hidden: int = 32,
    random_state: int | None = 0,
    dtype=torch.float64,
    device: str = "cpu",
    n_threads: int | None = 1,
    progress: bool = False,
    problem=None,
) -> SPCANetResult:
    """Train SPCA-Net on X (unsupervised, transductive) and return its output W and scores.

    The penalties are spelled as for :func:`sparseopt.decomposition.structured_sparse_pca`:
    relative strengths ``lam`` (row penalty ``penalty`` with exponent ``p``) and
    ``mu`` calibrated on the problem's own scale, or ``penalties`` with absolute
    weights; they stay fixed in the loss. The learnable scalars start at the
    classical solver's values (α = mean principal eigenvalue, η = 1/Σα), the row
    modules at zero, so epoch 0 is the plain K-iteration ADMM. Adam on the full
    problem; the best epoch (lowest loss) is kept.

    ``n_threads`` (default 1) limits torch's and BLAS's thread pools while
    training: the products are small (d × k), and on a shared 2-core machine two
    pools competing cost far more than they gain (``benchmarks/spcanet_ablation.py``
    measures it). ``None`` leaves the pools as they are.
    """
    if n_epochs < 0:
        raise ValueError(f"n_epochs must be >= 0, got {n_epochs}.")
    if problem is None:
        if X is None:
            raise ValueError("Give X or a precomputed problem.")
        problem = sspca_problem(X, n_components)
    if penalties is None:
        # The talk's network always has both blocks (row penalty and ℓ₁), even at weight 0:
        # a zero block's threshold starts just above 0 and is learned; its loss term is 0.
        resolve_penalties(problem, lam, mu, penalty, p)  # same checks as the solver
        blocks = (
            problem.calibrate(make_penalty(penalty, p=p), lam),
            problem.calibrate(L1(), mu),
        )
    else:
        blocks = resolve_penalties(problem, lam, mu, penalty, p, penalties)
    blocks = _check_penalties(blocks)
    k = problem.n_components
    alpha0 = problem.default_alpha

    with torch_threads(n_threads):
        gen = torch.Generator().manual_seed(0 if random_state is None else int(random_state))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
            model = SPCANet(
                k,
                n_stages,
                penalties=blocks,
                dynamic=dynamic,
                network=network,
                alpha=alpha0,
                hidden=hidden,
            ).to(device=device, dtype=dtype)
        model.raw.data = model.raw.data.to(torch.float64)

        C = problem.linear_operator(lambda a: torch.as_tensor(a, dtype=dtype, device=device))
        W0 = torch.as_tensor(problem.V, dtype=dtype, device=device)

        def loss_of(W):
            return sspca_objective(W, C(W), problem.trace, blocks)

        opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
        best_loss, best_state = math.inf, copy.deepcopy(model.state_dict())
        history = {"loss": []}
        t0 = time.perf_counter()
        bar = tqdm(range(n_epochs + 1), desc="SPCA-Net", disable=not progress, leave=False)
        for epoch in bar:
            opt.zero_grad()
            loss = loss_of(model(C, W0).W)
            value = float(loss.detach())
            history["loss"].append(value)
            if value < best_loss and math.isfinite(value):
                best_loss, best_state = value, copy.deepcopy(model.state_dict())
            if epoch == n_epochs:
                break
            loss.backward()
            opt.step()
            bar.set_postfix(loss=f"{value:.5f}")
        train_time = time.perf_counter() - t0
        if not math.isfinite(best_loss):
            raise FloatingPointError(
                "SPCA-Net training diverged: every epoch's loss was NaN or inf."
            )
        model.load_state_dict(best_state)
        with torch.no_grad():
            W = model(C, W0).W
            objective = float(loss_of(W))
    Wn = W.detach().cpu().numpy().astype(np.float64)
    return SPCANetResult(
        model=model,
        components=Wn,
        scores=np.linalg.norm(Wn, axis=1),
        objective=objective,
        penalties=blocks,
        history=history,
        train_time=train_time,
    )
