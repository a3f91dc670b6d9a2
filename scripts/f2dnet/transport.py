"""The multiplicative-noise transport of F2D-Net (FoD's SDE), in closed form.

Forward SDE:  dx = θ_t (μ − x) dt + σ_t (x − μ) dW.  The residual r = x − μ is a geometric
Brownian motion, so the transition from the degraded start x_0 = y to step k is log-normal
per pixel-channel:

    x_k = μ + (y − μ) · exp(m̄_k + s̄_k ε),   m̄_k = −dt Σ_{j≤k} (θ_j + σ²_j / 2),
                                             s̄_k² = dt Σ_{j≤k} σ²_j,   ε ~ N(0, I).

θ is the improved-DDPM cosine schedule, σ² a linear schedule normalised so that Σσ² equals
``sigmas_scale`` (0 gives the deterministic transport), and dt is chosen so that the mean
log-multiplier at k = T is ln(0.001). This closed form is what lets training sample any
step directly and inference take one network call at k = 0.
"""
from __future__ import annotations

import math

import torch

T_STEPS = 100
FINAL_LOG_MULTIPLIER = math.log(0.001)


def cosine_thetas(T: int = T_STEPS, s: float = 0.008) -> torch.Tensor:
    """θ_0..θ_T: the cosine betas of improved DDPM (θ_0 = 0 prepended), clipped at 0.999."""
    steps = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos(((steps / T) + s) / (1 + s) * math.pi / 2) ** 2
    alphas_cumprod = f / f[0]
    betas = 1 - alphas_cumprod[1:] / alphas_cumprod[:-1]
    return torch.cat([torch.zeros(1, dtype=torch.float64), betas.clamp(max=0.999)])


def linear_sigma2(T: int = T_STEPS, sigmas_scale: float = 1.0) -> torch.Tensor:
    """σ²_0..σ²_T: a linear schedule normalised to Σσ² = sigmas_scale (σ²_0 = 0)."""
    s2 = torch.linspace(0.001, 0.2, T, dtype=torch.float64)
    if sigmas_scale == 0:
        s2 = torch.zeros_like(s2)
    else:
        s2 = s2 / s2.sum() * sigmas_scale
    return torch.cat([torch.zeros(1, dtype=torch.float64), s2])


class Transport:
    """Closed-form schedule tables and sampling of x_k."""

    def __init__(self, sigmas_scale: float = 1.0, T: int = T_STEPS):
        self.T = T
        self.sigmas_scale = sigmas_scale
        self.thetas = cosine_thetas(T)
        self.sigma2 = linear_sigma2(T, sigmas_scale)
        self.dt = -FINAL_LOG_MULTIPLIER / (self.thetas.sum() + 0.5 * self.sigma2.sum())
        self.log_mean = -self.dt * torch.cumsum(self.thetas + 0.5 * self.sigma2, 0)  # m̄_k
        self.log_std = torch.sqrt(self.dt * torch.cumsum(self.sigma2, 0))             # s̄_k

    def sample(self, y: torch.Tensor, mu: torch.Tensor, k: torch.Tensor,
               eps: torch.Tensor | None = None) -> torch.Tensor:
        """x_k = μ + (y − μ)·exp(m̄_k + s̄_k ε) for a batch, one integer k per sample."""
        if eps is None:
            eps = torch.randn_like(y)
        m = self.log_mean.to(device=y.device, dtype=y.dtype)[k].view(-1, 1, 1, 1)
        s = self.log_std.to(device=y.device, dtype=y.dtype)[k].view(-1, 1, 1, 1)
        # fp32 and a clamped exponent, as the reference code does: exp overflows otherwise.
        return mu + (y - mu) * torch.exp((m + s * eps).clamp(-20, 20))
