r"""SPCA-Net: the ADMM of structured sparse PCA unfolded into K learnable stages.

Stage k runs :func:`sparseopt.stages.sspca_admm_stage` — the very function the
classical solver runs — on torch tensors, with its own positive scalars
:math:`\eta_k, \lambda_k, \mu_k, \alpha_k, \beta_k` ("dynamic"; one shared set
when ``dynamic=False``) and, with ``network=True``, a small learned module in the
W-step (the talk's LargNet):

.. math::

    W_{k} = \mathcal{P}\big(V + s\,h_k(V/s)\big), \qquad
    V = W_{k-1} - \eta_k\big[-CW_{k-1} + \Lambda + \alpha_k(W_{k-1} - Y) + \Pi + \beta_k(W_{k-1} - Z)\big],

where :math:`\mathcal{P}` is the Stiefel projection (polar factor, with a stable
backward pass), :math:`s` the root-mean-square entry of V (the projection is
scale-invariant, so the module sees a scale-free input) and :math:`h_k` a
two-layer MLP applied to every row of V with weights shared across rows. Its
size is :math:`O(p\cdot\text{hidden})` per stage, independent of d, and sharing
it across rows keeps the network equivariant to permutations of the features.
Its output layer starts at zero, so an untrained network *is* the plain
iteration. (The authors' demo uses a dense ``Linear(d·p, d·p)`` per stage: four
billion parameters for COIL20 with 10 stages.)

Training is unsupervised and transductive, on X itself: the loss is the SSPCA
objective of the last stage's W with the model's λ and μ **fixed**
(hyper-parameters); the learned per-stage thresholds are free. (Using the learned
λ_K, μ_K in the loss, as the demo does, makes it unbounded below.)

References
----------
L. Chen, X. Xiu, "Tuning-free structured sparse PCA via deep unfolding networks", CCC 2025.
K. Gregor, Y. LeCun, "Learning fast approximations of sparse coding", ICML 2010.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from sparseopt import prox
from sparseopt.decomposition import sspca_problem
from sparseopt.penalties import L1, L21
from sparseopt.stages import SSPCAOperators, SSPCAParams, SSPCAState, sspca_admm_stage

from .linalg import stiefel_projection

__all__ = ["SPCANet", "SPCANetResult", "train_spcanet"]


def _inv_softplus(x: float) -> float:
    x = max(float(x), 1e-12)
    return x + math.log(-math.expm1(-x)) if x < 30 else x


class RowMLP(nn.Module):
    """Residual correction applied to every row: p → hidden → p, shared across rows, zero-initialised output."""

    def __init__(self, n_components: int, hidden: int):
        super().__init__()
        self.inp = nn.Linear(n_components, hidden)
        self.out = nn.Linear(hidden, n_components)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, V: torch.Tensor) -> torch.Tensor:
        s = torch.sqrt(torch.mean(V * V)).clamp_min(torch.finfo(V.dtype).tiny)
        return V + s * self.out(torch.tanh(self.inp(V / s)))


class SPCANet(nn.Module):
    """K unfolded ADMM stages of structured sparse PCA (ℓ₂,₁ rows + ℓ₁ entries).

    Parameters
    ----------
    n_components : int
        p, the number of columns of W.
    n_stages : int
        K.
    dynamic : bool
        Per-stage scalars (True) or one set shared by all stages (False).
    network : bool
        Add the learned row module to each W-step (True) or run the plain iteration (False).
    lam, mu : float
        Initial thresholds λ, μ (absolute, in the scaled problem).
    alpha, beta : float
        Initial ADMM penalties of the ℓ₂,₁ and ℓ₁ blocks.
    eta : float, optional
        Initial W-step size; default 1/(α + β), the exact linearised W-step.
    hidden : int
        Width of the row module.
    blocks : tuple of {"l21", "l1"}
        Penalty blocks, in order (default both, as in the talk).
    """

    def __init__(
        self,
        n_components: int,
        n_stages: int = 10,
        *,
        dynamic: bool = True,
        network: bool = True,
        lam: float = 0.01,
        mu: float = 0.0,
        alpha: float = 0.1,
        beta: float = 0.1,
        eta: float | None = None,
        hidden: int = 32,
        blocks: tuple = ("l21", "l1"),
    ):
        super().__init__()
        if n_stages < 1:
            raise ValueError(f"n_stages must be >= 1, got {n_stages}.")
        unknown = set(blocks) - {"l21", "l1"}
        if unknown or not blocks:
            raise ValueError(f"blocks must be a non-empty tuple of 'l21'/'l1', got {blocks!r}.")
        self.n_components = int(n_components)
        self.n_stages = int(n_stages)
        self.dynamic = bool(dynamic)
        self.network = bool(network)
        self.blocks = tuple(blocks)
        penalties = {"l21": (lam, alpha), "l1": (mu, beta)}
        alphas = [penalties[b][1] for b in self.blocks]
        eta = 1.0 / sum(alphas) if eta is None else eta
        n_sets = self.n_stages if self.dynamic else 1
        # Raw (pre-softplus) scalars: rows = parameter sets, columns = [eta, (weight, alpha) per block].
        init = [_inv_softplus(eta)]
        for b in self.blocks:
            w, a = penalties[b]
            # A zero threshold is the limit softplus(-inf); start just above it so it can be learned.
            init += [_inv_softplus(w if w > 0 else 1e-6 * a), _inv_softplus(a)]
        self.raw = nn.Parameter(torch.tensor([init] * n_sets, dtype=torch.float64))
        self.row_modules = (
            nn.ModuleList(RowMLP(self.n_components, hidden) for _ in range(n_sets))
            if self.network
            else None
        )
        self._proxes = {"l21": prox.row_soft_threshold, "l1": prox.soft_threshold}

    def stage_params(self, k: int) -> SSPCAParams:
        """The positive scalars of stage k (softplus of the raw parameters)."""
        r = nn.functional.softplus(self.raw[k if self.dynamic else 0])
        weights = [r[1 + 2 * j] for j in range(len(self.blocks))]
        alphas = [r[2 + 2 * j] for j in range(len(self.blocks))]
        return SSPCAParams(eta=r[0], alphas=alphas, weights=weights)

    def stage_ops(self, k: int) -> SSPCAOperators:
        if self.network:
            module = self.row_modules[k if self.dynamic else 0]
            project = lambda V: stiefel_projection(module(V))  # noqa: E731
        else:
            project = stiefel_projection
        return SSPCAOperators(project=project, proxes=[self._proxes[b] for b in self.blocks])

    def forward(self, C: torch.Tensor, W0: torch.Tensor, return_all: bool = False):
        """Run the K stages from ``W0`` (Y = W0, multipliers 0) on the scaled covariance ``C``.

        ``C`` may also be a callable ``W -> CW`` (e.g. ``Xsᵀ(Xs W)`` when d ≫ n).
        Returns the final :class:`~sparseopt.stages.SSPCAState` (and the list of
        all states if ``return_all``).
        """
        grad = C if callable(C) else C.__matmul__
        dtype = W0.dtype
        state = SSPCAState(
            W0, tuple(W0 for _ in self.blocks), tuple(torch.zeros_like(W0) for _ in self.blocks)
        )
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

    def set_classical(self, eta: float, lam: float, mu: float, alpha: float, beta: float) -> None:
        """Set every stage's scalars to fixed classical values (for the equivalence check)."""
        vals = {"l21": (lam, alpha), "l1": (mu, beta)}
        row = [_inv_softplus(eta)]
        for b in self.blocks:
            w, a = vals[b]
            row += [_inv_softplus(w), _inv_softplus(a)]
        with torch.no_grad():
            self.raw.copy_(torch.tensor([row] * self.raw.shape[0], dtype=torch.float64))


def sspca_objective(W: torch.Tensor, C, trace: float, lam: float, mu: float) -> torch.Tensor:
    """½(tr C − ⟨W, CW⟩) + λ‖W‖₂,₁ + μ‖W‖₁ for orthonormal W (the training loss)."""
    CW = C(W) if callable(C) else C @ W
    val = 0.5 * (trace - torch.sum(W * CW)) + lam * torch.linalg.vector_norm(W, dim=1).sum()
    if mu > 0:
        val = val + mu * W.abs().sum()
    return val


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
        SSPCA objective of ``components`` (fixed λ, μ).
    history : dict
        ``loss`` per epoch.
    train_time : float
        Seconds spent training.
    lam, mu : float
        The fixed absolute penalty weights of the loss.
    """

    model: SPCANet
    components: np.ndarray
    scores: np.ndarray
    objective: float
    lam: float
    mu: float
    history: dict = field(default_factory=dict)
    train_time: float = 0.0


def train_spcanet(
    X,
    n_components: int,
    *,
    lam: float = 0.25,
    mu: float = 0.0,
    n_stages: int = 10,
    dynamic: bool = True,
    network: bool = True,
    n_epochs: int = 300,
    learning_rate: float = 1e-2,
    hidden: int = 32,
    random_state: int | None = 0,
    dtype=torch.float64,
    device: str = "cpu",
    progress: bool = False,
    problem=None,
) -> SPCANetResult:
    """Train SPCA-Net on X (unsupervised, transductive) and return its output W and scores.

    ``lam`` and ``mu`` are *relative* strengths, calibrated exactly as in
    :func:`sparseopt.decomposition.structured_sparse_pca`, and stay fixed in the
    loss. The learnable scalars start at the classical solver's values
    (α = β = mean principal eigenvalue, η = 1/(α + β)), the row modules at zero,
    so epoch 0 is the plain K-iteration ADMM. Adam on the full problem; the best
    epoch (lowest loss) is kept.
    """
    if n_epochs < 0:
        raise ValueError(f"n_epochs must be >= 0, got {n_epochs}.")
    if problem is None:
        problem = sspca_problem(X, n_components)
    p = problem.n_components
    lam_abs = problem.absolute_weight(L21(), lam)
    mu_abs = problem.absolute_weight(L1(), mu)
    alpha0 = problem.default_alpha

    gen = torch.Generator().manual_seed(0 if random_state is None else int(random_state))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
        model = SPCANet(
            p,
            n_stages,
            dynamic=dynamic,
            network=network,
            lam=lam_abs,
            mu=mu_abs,
            alpha=alpha0,
            beta=alpha0,
            hidden=hidden,
        ).to(device=device, dtype=dtype)
    model.raw.data = model.raw.data.to(torch.float64)

    if problem.C is not None:
        C = torch.as_tensor(problem.C, dtype=dtype, device=device)
    else:
        Xs = torch.as_tensor(problem.Xc / math.sqrt(problem.scale), dtype=dtype, device=device)
        C = lambda W: Xs.T @ (Xs @ W)  # noqa: E731
    W0 = torch.as_tensor(problem.V, dtype=dtype, device=device)

    opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    best_loss, best_state = math.inf, copy.deepcopy(model.state_dict())
    history = {"loss": []}
    t0 = time.perf_counter()
    bar = tqdm(range(n_epochs + 1), desc="SPCA-Net", disable=not progress, leave=False)
    for epoch in bar:
        opt.zero_grad()
        W = model(C, W0).W
        loss = sspca_objective(W, C, problem.trace, lam_abs, mu_abs)
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
    model.load_state_dict(best_state)
    with torch.no_grad():
        W = model(C, W0).W
        objective = float(sspca_objective(W, C, problem.trace, lam_abs, mu_abs))
    Wn = W.detach().cpu().numpy().astype(np.float64)
    return SPCANetResult(
        model=model,
        components=Wn,
        scores=np.linalg.norm(Wn, axis=1),
        objective=objective,
        lam=lam_abs,
        mu=mu_abs,
        history=history,
        train_time=train_time,
    )
