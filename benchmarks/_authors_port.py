"""A direct port of the authors' L-RPCANet / RPCANet forward pass: the timing and output
reference of ``istd_deep.py``.

Deliberately independent of ``sparseopt`` and ``sparseopt_deep``: its modules keep the
authors' names and layer indices (so the released ``state_dict`` loads as is, no key mapping)
and its forward is the published stage written out by hand, not the library's shared
``rpca_stage``. If the library's network and this port agree to 1e-5 on real images, the key
mapping and the stage are right; their timings compare the library's indirection (operator
slots, closures) with straight-line code.
"""

from __future__ import annotations

import re

import torch
from torch import nn


class _SE(nn.Module):
    def __init__(self, c=32, r=16):
        super().__init__()
        self.excitation = nn.Sequential(
            nn.Conv2d(c, c // r, 1), nn.ReLU(inplace=True), nn.Conv2d(c // r, c, 1), nn.Sigmoid()
        )

    def forward(self, x):
        return x * self.excitation(nn.functional.adaptive_avg_pool2d(x, 1))


def _seq(c_in, width, depth, k_head, bn, out_ch):
    layers = [nn.Conv2d(c_in, width, k_head, padding=k_head // 2)]
    if bn:
        layers.append(nn.BatchNorm2d(width))
    layers.append(nn.ReLU(inplace=True))
    for _ in range(depth):
        layers.append(nn.Conv2d(width, width, 3, padding=1))
        if bn:
            layers.append(nn.BatchNorm2d(width))
        layers.append(nn.ReLU(inplace=True))
    layers.append(nn.Conv2d(width, out_ch, 3, padding=1))
    return nn.Sequential(*layers)


class _Lowrank(nn.Module):
    def __init__(self, bc, lightweight):
        super().__init__()
        if lightweight:
            self.convs = _seq(1, bc, 3, 1, True, 32)
            self.channel_attention = _SE()
            self.final_conv = nn.Conv2d(32, 1, 3, padding=1)
        else:
            self.convs = _seq(1, 32, 3, 3, True, 1)
        self.lightweight = lightweight

    def forward(self, D, T, N):
        x = D - T - N
        f = self.convs(x)
        if self.lightweight:
            f = self.final_conv(self.channel_attention(f))
        return x + f


class _Sparse(nn.Module):
    def __init__(self, bc, lightweight):
        super().__init__()
        self.epsilon = nn.Parameter(torch.tensor([0.01]))
        if lightweight:
            self.convs = _seq(1, bc, 6, 1, False, 32)
            self.channel_attention = _SE()
            self.final_conv = nn.Conv2d(32, 1, 3, padding=1)
        else:
            self.convs = _seq(1, 32, 6, 3, False, 1)
        self.lightweight = lightweight

    def forward(self, D, B, T, N):
        x = T + D - B - N
        h = self.convs(x)
        if self.lightweight:
            h = self.final_conv(self.channel_attention(h))
        return x - self.epsilon * h


class _Residual(nn.Module):
    def __init__(self, bc, depth):
        super().__init__()
        self.sigma = nn.Parameter(torch.tensor([0.01]))
        self.convs = _seq(1, bc, depth, 3, False, 32)
        self.channel_attention = _SE()
        self.final_conv = nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, D, B, T, N):
        x = N + D - B - T
        return x - self.sigma * self.final_conv(self.channel_attention(self.convs(x)))


class _Merge(nn.Module):
    def __init__(self, lightweight):
        super().__init__()
        if lightweight:
            self.mapping = _seq(1, 32, 3, 3, True, 32)[:-1]  # the SE block follows the body
            self.channel_attention = _SE()
            self.final_conv = nn.Conv2d(32, 1, 3, padding=1)
        else:
            self.mapping = _seq(1, 32, 3, 3, True, 1)
        self.lightweight = lightweight

    def forward(self, x):
        y = self.mapping(x)
        if self.lightweight:
            y = self.final_conv(self.channel_attention(y))
        return y


class _Deco(nn.Module):
    def __init__(self, lightweight, bc, noise_depth):
        super().__init__()
        self.lowrank = _Lowrank(bc, lightweight)
        self.sparse = _Sparse(bc, lightweight)
        self.residual = _Residual(bc, noise_depth) if lightweight else None
        self.merge = _Merge(lightweight)

    def forward(self, D, T):
        N = torch.zeros_like(D)
        B = self.lowrank(D, T, N)
        T = self.sparse(D, B, T, N)
        if self.residual is not None:
            N = self.residual(D, B, T, N)
        D = self.merge(B + T + N)
        return D, T


class AuthorsNet(nn.Module):
    """The published network as a plain loop over ``decos``; forward returns ``(D_K, T_K)``."""

    def __init__(self, lightweight=True, n_stages=6, bc=4, noise_depth=6):
        super().__init__()
        self.decos = nn.ModuleList(_Deco(lightweight, bc, noise_depth) for _ in range(n_stages))

    def forward(self, D):
        T = torch.zeros_like(D)
        for deco in self.decos:
            D, T = deco(D, T)
        return D, T


def from_state_dict(sd: dict) -> AuthorsNet:
    """An AuthorsNet shaped after a released ``state_dict``, with it loaded strictly."""
    n = 1 + max(int(re.match(r"decos\.(\d+)\.", k).group(1)) for k in sd)
    light = any(".residual." in k for k in sd)
    if light:
        bc = sd["decos.0.lowrank.convs.0.weight"].shape[0]
        depth = (
            sum(bool(re.fullmatch(r"decos\.0\.residual\.convs\.\d+\.weight", k)) for k in sd) - 2
        )
        net = AuthorsNet(True, n, bc, depth)
    else:
        net = AuthorsNet(False, n)
    net.load_state_dict(sd, strict=True)
    return net.eval()
