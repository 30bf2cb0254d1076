r"""L-RPCANet and RPCANet: robust PCA unfolded into a network, on the shared RPCA stage.

Both networks run :func:`sparseopt.stages.rpca_stage`, the very function the classical
:func:`sparseopt.decomposition.robust_pca` iterates, with small convolutional networks in its
four operator slots instead of singular value thresholding, soft thresholding, noise shrinkage
and the multiplier step. With :math:`D_0` the image in :math:`[0, 1]`, :math:`T_0 = 0`, stage
:math:`k = 1, \dots, K` of **L-RPCANet** (Luo et al. 2025) computes

.. math::

    B &= x + F_k(x), && x = D_{k-1} - T_{k-1} - N \\
    T &= x - \varepsilon_k H_k(x), && x = T_{k-1} + D_{k-1} - B - N \\
    N &= x - \sigma_k G_k(x), && x = N + D_{k-1} - B - T \\
    D_k &= M_k(B + T + N)

with :math:`N = 0` at the start of every stage (the noise estimate of a stage feeds only its own
reconstruction), learned step sizes :math:`\varepsilon_k, \sigma_k` and convolutional
:math:`F_k, H_k, G_k, M_k` each ending in a squeeze-and-excitation block (SEBEM, SETEM, SENRM,
SEIRM in the paper). **RPCANet** (Wu et al. 2024) has no noise term and no
squeeze-and-excitation. The output is the target map :math:`T_K` as logits (a probability
after a sigmoid) and the reconstruction :math:`D_K`, which training compares with :math:`D_0`.

References
----------
F. Wu, T. Zhang, L. Li, Y. Huang, Z. Peng, "RPCANet: Deep unfolding RPCA based infrared small
target detection", WACV 2024.
J. Luo, X. Xiu, et al., "L-RPCANet: Lightweight deep unfolding RPCA network for infrared small
target detection" (the talk *Rethinking Sparse Optimization Through Deep Learning*, X. Xiu, 2025).
J. Hu, L. Shen, G. Sun, "Squeeze-and-excitation networks", CVPR 2018.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from sparseopt.stages.rpca import RPCAOperators, RPCAState, rpca_stage

__all__ = ["LRPCANet", "RPCANet", "RPCANetOutput", "SqueezeExcitation"]

#: channel width of the expansion, squeeze-and-excitation and reconstruction layers
WIDE = 32


class RPCANetOutput(NamedTuple):
    """What the networks return: the target logits :math:`T_K` and the last reconstruction
    :math:`D_K` (both ``N × 1 × H × W``)."""

    logits: torch.Tensor
    reconstruction: torch.Tensor


class SqueezeExcitation(nn.Module):
    """Channel attention: global average pool, 1×1 conv C→C/16, ReLU, 1×1 conv C/16→C,
    sigmoid, channel-wise scale (Hu et al. 2018)."""

    def __init__(self, channels: int = WIDE, reduction: int = 16):
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.squeeze = nn.Conv2d(channels, hidden, 1)
        self.excite = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        w = x.mean(dim=(2, 3), keepdim=True)
        w = torch.sigmoid(self.excite(torch.relu(self.squeeze(w))))
        return x * w


class ConvNet(nn.Module):
    """A single-channel image to single-channel image network: head, body, output.

    ``head``: conv 1→``width`` (``head_kernel``×``head_kernel``), [BN], ReLU; ``body``: ``depth`` ×
    (3×3 conv, [BN], ReLU); then, for the L-RPCANet modules, a linear 3×3 expansion
    ``width``→32 (``expand``) and/or a squeeze-and-excitation block (``se``); ``out``: a linear
    3×3 conv to one channel. Every convolution has a bias and "same" padding.
    """

    def __init__(
        self,
        width: int,
        depth: int,
        *,
        head_kernel: int = 3,
        batch_norm: bool = False,
        expand: bool = False,
        se: bool = False,
    ):
        super().__init__()

        def block(c_in, k):
            layers = [nn.Conv2d(c_in, width, k, padding=k // 2)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU(inplace=True))
            return nn.Sequential(*layers)

        self.head = block(1, head_kernel)
        self.body = nn.Sequential(*[block(width, 3) for _ in range(depth)])
        # The expansion feeds the attention directly: linear, no BN, no activation.
        self.expand = nn.Conv2d(width, WIDE, 3, padding=1) if expand else None
        c = WIDE if expand else width
        self.se = SqueezeExcitation(c) if se else None
        self.out = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, x):
        x = self.body(self.head(x))
        if self.expand is not None:
            x = self.expand(x)
        if self.se is not None:
            x = self.se(x)
        return self.out(x)


class _StepSize(nn.Module):
    """A learned scalar step, used as a plain multiplier (no positivity constraint)."""

    def __init__(self, init: float = 0.01):
        super().__init__()
        self.value = nn.Parameter(torch.full((1,), float(init)))


class _Stage(nn.Module):
    """The learned operators of one stage, exposed as :class:`RPCAOperators`."""

    background: ConvNet
    target: ConvNet
    noise: ConvNet | None
    merge: ConvNet

    def operators(self) -> RPCAOperators:
        eps = self.epsilon.value
        noise = self.noise

        def op_B(x):
            return x + self.background(x)

        def op_T(x, T_prev):
            x = x + T_prev
            return x - eps * self.target(x)

        if noise is None:

            def op_N(x, N_prev):
                return N_prev  # RPCANet: no noise term (N stays 0)

        else:
            sigma = self.sigma.value

            def op_N(x, N_prev):
                x = x + N_prev
                return x - sigma * noise(x)

        def op_D(B, T, N, D):
            return self.merge(B + T + N)

        return RPCAOperators(op_B, op_T, op_N, op_D)


class _LRPCAStage(_Stage):
    def __init__(self, base_channels, noise_layers, se):
        super().__init__()
        se_B, se_T, se_N, se_M = se
        bc = base_channels
        self.background = ConvNet(bc, 3, head_kernel=1, batch_norm=True, expand=True, se=se_B)
        self.target = ConvNet(bc, 6, head_kernel=1, expand=True, se=se_T)
        self.noise = ConvNet(bc, noise_layers, head_kernel=3, expand=True, se=se_N)
        self.merge = ConvNet(WIDE, 3, batch_norm=True, se=se_M)
        self.epsilon = _StepSize()
        self.sigma = _StepSize()


class _RPCAStage(_Stage):
    def __init__(self):
        super().__init__()
        self.background = ConvNet(WIDE, 3, batch_norm=True)
        self.target = ConvNet(WIDE, 6)
        self.noise = None
        self.merge = ConvNet(WIDE, 3, batch_norm=True)
        self.epsilon = _StepSize()


class _UnfoldedRPCA(nn.Module):
    """The generic unfolded loop: ``n_stages`` calls of :func:`rpca_stage`."""

    stages: nn.ModuleList

    def forward(self, image: torch.Tensor) -> RPCANetOutput:
        """Run the stages on ``image`` (``N × 1 × H × W``, values in [0, 1])."""
        if image.ndim != 4 or image.shape[1] != 1:
            raise ValueError(
                f"{type(self).__name__} expects a batch of grey images N×1×H×W, "
                f"got shape {tuple(image.shape)}."
            )
        zero = torch.zeros_like(image)
        state = self.unroll(RPCAState(None, zero, zero, image))
        return RPCANetOutput(state.T, state.D)

    def unroll(self, state: RPCAState) -> RPCAState:
        """The stage loop on any initial state: ``rpca_stage`` with each stage's operators.

        ``N`` restarts from zero in every stage: the noise a stage estimates only enters its
        own reconstruction (the published models are trained so; carrying ``N`` from stage to
        stage is another model).
        """
        for stage in self.stages:
            state = rpca_stage(state._replace(N=state.N * 0), stage.operators())
        return state

    @torch.no_grad()
    def predict_proba(self, image: torch.Tensor) -> torch.Tensor:
        """Target probability ``sigmoid(T_K)`` in eval mode."""
        return torch.sigmoid(self(image).logits)


class LRPCANet(_UnfoldedRPCA):
    """L-RPCANet: the lightweight unfolded robust PCA network with squeeze-and-excitation.

    Parameters
    ----------
    n_stages : int, default 6
        Number of unfolded stages :math:`K`, each with its own weights.
    base_channels : int, default 4
        Width of the background, target and noise networks before their expansion to 32
        channels (4: the paper's 0.216M-parameter model; 16: the released NUDT-SIRST one).
    noise_layers : int, default 6
        Inner 3×3 layers of the noise network (3 in the released IRSTD-1k model).
    se : tuple of 4 bool, default (True, True, True, True)
        Squeeze-and-excitation on the background, target, noise and reconstruction networks
        (the paper's SE ablation switches them off one by one).
    """

    def __init__(
        self,
        n_stages: int = 6,
        base_channels: int = 4,
        noise_layers: int = 6,
        se: tuple = (True, True, True, True),
    ):
        super().__init__()
        _check_int(n_stages, "n_stages")
        _check_int(base_channels, "base_channels")
        _check_int(noise_layers, "noise_layers", minimum=0)
        se = tuple(bool(s) for s in se)
        if len(se) != 4:
            raise ValueError(
                f"se must have 4 entries (background, target, noise, merge), got {se}."
            )
        self.config = {
            "model": "lrpcanet",
            "n_stages": n_stages,
            "base_channels": base_channels,
            "noise_layers": noise_layers,
            "se": list(se),
        }
        self.stages = nn.ModuleList(
            _LRPCAStage(base_channels, noise_layers, se) for _ in range(n_stages)
        )


class RPCANet(_UnfoldedRPCA):
    """RPCANet: unfolded robust PCA without a noise term or attention (Wu et al. 2024).

    Parameters
    ----------
    n_stages : int, default 6
        Number of unfolded stages, each with its own weights.
    """

    def __init__(self, n_stages: int = 6):
        super().__init__()
        _check_int(n_stages, "n_stages")
        self.config = {"model": "rpcanet", "n_stages": n_stages}
        self.stages = nn.ModuleList(_RPCAStage() for _ in range(n_stages))


def build_model(config: dict) -> _UnfoldedRPCA:
    """The network a ``config`` dict (``model.config``) describes."""
    config = dict(config)
    name = config.pop("model", None)
    if name == "lrpcanet":
        return LRPCANet(**config)
    if name == "rpcanet":
        return RPCANet(**config)
    raise ValueError(f"unknown model {name!r}: expected 'lrpcanet' or 'rpcanet'.")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
