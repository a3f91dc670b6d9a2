"""PSNR and SSIM in the CDD-11 convention: RGB, data range 1, SSIM with a 7×7 uniform window
(skimage's defaults: sample covariance, K1 = 0.01, K2 = 0.03)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of [B,3,H,W] tensors in [0,1]."""
    mse = ((a - b) ** 2).mean((1, 2, 3)).clamp(min=1e-10)
    return 10 * torch.log10(1.0 / mse)


def ssim(a: torch.Tensor, b: torch.Tensor, win: int = 7, exact: bool = True) -> torch.Tensor:
    """Per-image mean SSIM over channels, skimage-compatible (no padding: valid windows only).

    ``exact`` computes in float64, as scores are reported; a training loss passes False (float32
    is within 1e-4 here and a few times faster on the CPU).
    """
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    n = win * win
    cov_norm = n / (n - 1)
    ab = torch.cat([a, b, a * a, b * b, a * b], 1)
    ab = ab.double() if exact else ab
    m = F.avg_pool2d(ab, win, stride=1)
    ch = a.shape[1]
    ux, uy, uxx, uyy, uxy = m.split(ch, 1)
    vx, vy, vxy = cov_norm * (uxx - ux * ux), cov_norm * (uyy - uy * uy), cov_norm * (uxy - ux * uy)
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    # skimage crops (win-1)//2 from each side of the full-size map; valid pooling is the same
    return s.mean((1, 2, 3)).to(a.dtype)
