"""Composite-weather synthesis: the CDD-11 recipe, procedural and export-friendly.

Four atomic degradations applied in the fixed order low light → rain → snow → haze, and the
11 CDD-11 configurations of them. All randomness comes in as tensors (``params``: 16 uniform
numbers per image, ``noise``: 8 uniform fields), so the same code is

* randomised on the fly for training (``random_inputs``),
* seeded and reproducible for evaluation, and
* exported to ONNX (``models/synth/degrade.onnx``) for the TypeScript side (``f2d degrade``,
  ``f2d eval``) without a second implementation.

What replaces the recipe's external inputs (§6 of the method notes):

* depth for haze: the colour attenuation prior (Zhu et al.: depth grows with value minus
  saturation), min-filtered and smoothed, blended with a vertical prior (far at the top);
* illumination for low light: the max channel smoothed with a box filter (LIME-like);
* rain streaks: sparse seeds motion-blurred along a random angle and length, in a thin far
  layer and a thicker, blurred near layer (depth of field);
* snow: sparse seeds grown into discs of random size with a short motion streak, small dense
  far flakes and large sparse blurred near flakes.

Images are float tensors [B,3,H,W] in [0,1]. ``degrade`` also returns per-factor maps in
[0,1] (how strongly each pixel is affected), which supervise the parser's maps.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

FACTORS = ("low", "haze", "rain", "snow")
# The 11 CDD-11 configurations, as flags in FACTORS order.
CONFIGS: dict[str, tuple[int, int, int, int]] = {
    "low": (1, 0, 0, 0), "haze": (0, 1, 0, 0), "rain": (0, 0, 1, 0), "snow": (0, 0, 0, 1),
    "low_haze": (1, 1, 0, 0), "low_rain": (1, 0, 1, 0), "low_snow": (1, 0, 0, 1),
    "haze_rain": (0, 1, 1, 0), "haze_snow": (0, 1, 0, 1),
    "low_haze_rain": (1, 1, 1, 0), "low_haze_snow": (1, 1, 0, 1),
}
TIERS = {"single": ["low", "haze", "rain", "snow"],
         "pair": ["low_haze", "low_rain", "low_snow", "haze_rain", "haze_snow"],
         "triple": ["low_haze_rain", "low_haze_snow"]}
N_PARAMS = 16
N_NOISE = 8
KERNEL = 31  # streak kernel support (pixels); rain lengths stay below it


def _lerp(u: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * u


def _box(x: torch.Tensor, k: int) -> torch.Tensor:
    """Box filter with edge replication (same size out)."""
    # separable: two 1-D passes cost O(2k) per pixel instead of O(k²)
    p = k // 2
    x = F.avg_pool2d(F.pad(x, (p, k - 1 - p, 0, 0), mode="replicate"), (1, k), stride=1)
    return F.avg_pool2d(F.pad(x, (0, 0, p, k - 1 - p), mode="replicate"), (k, 1), stride=1)


def _min_filter(x: torch.Tensor, k: int) -> torch.Tensor:
    """Square min filter with edge replication, as two separable 1-D passes."""
    p = k // 2
    x = -F.max_pool2d(F.pad(-x, (p, p, 0, 0), mode="replicate"), (1, k), stride=1)
    return -F.max_pool2d(F.pad(-x, (0, 0, p, p), mode="replicate"), (k, 1), stride=1)


def _gaussian_from_uniform(u1: torch.Tensor, u2: torch.Tensor) -> torch.Tensor:
    """Box-Muller: two uniform fields → one standard normal field."""
    return torch.sqrt(-2 * torch.log(u1.clamp(min=1e-7))) * torch.cos(2 * torch.pi * u2)


def _rotated_grid(angle: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Kernel-grid coordinates along and across direction ``angle`` (0 = vertical): [B,K,K] each."""
    r = torch.arange(KERNEL, dtype=angle.dtype, device=angle.device) - KERNEL // 2
    yy, xx = r.view(-1, 1), r.view(1, -1)
    a = angle.view(-1, 1, 1)
    return xx * torch.sin(a) + yy * torch.cos(a), xx * torch.cos(a) - yy * torch.sin(a)


def _line_kernels(angle: torch.Tensor, length: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """Per-image anti-aliased line kernels [B,1,K,K] with peak 1 (angle 0 = vertical)."""
    along, across = _rotated_grid(angle)
    ln, w = length.view(-1, 1, 1), width.view(-1, 1, 1)
    k = torch.exp(-(across ** 2) / (2 * w ** 2)) * torch.sigmoid((ln / 2 - along.abs()) * 2)
    return _drop_tiny(k).unsqueeze(1)


def _drop_tiny(k: torch.Tensor) -> torch.Tensor:
    # Kernel tails underflow to float32 denormals, which make convolutions ~10x slower on CPU.
    return k * (k > 1e-4).to(k.dtype)


def _disc_kernels(radius: torch.Tensor, streak: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Soft discs of ``radius`` smeared along ``angle`` by ``streak`` pixels: [B,1,K,K]."""
    along, across = _rotated_grid(angle)
    rad, st = radius.view(-1, 1, 1), streak.view(-1, 1, 1)
    # distance to a segment of length `st` centred on the origin
    d_along = (along.abs() - st / 2).clamp(min=0)
    dist = torch.sqrt(d_along ** 2 + across ** 2 + 1e-6)
    return _drop_tiny(torch.sigmoid((rad - dist) * 3)).unsqueeze(1)


def _splat(seeds: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Convolve each image's seed field [B,1,H,W] with its own kernel [B,1,K,K]."""
    b, _, h, w = seeds.shape
    p = KERNEL // 2
    out = F.conv2d(F.pad(seeds.reshape(1, b, h, w), (p, p, p, p)), kernels, groups=b)
    return out.reshape(b, 1, h, w)


def haze_depth(clean: torch.Tensor, vertical_mix: torch.Tensor) -> torch.Tensor:
    """Relative scene distance in [0,1] (1 = far) from the colour attenuation prior."""
    v = clean.amax(1, keepdim=True)
    s = (v - clean.amin(1, keepdim=True)) / (v + 1e-4)
    d = 0.121779 + 0.959710 * v - 0.780245 * s
    d = _min_filter(d, 15)
    d = _box(d, 31)
    lo = d.amin((2, 3), keepdim=True)
    hi = d.amax((2, 3), keepdim=True)
    d = (d - lo) / (hi - lo + 1e-4)
    h = clean.shape[2]
    ramp = 1 - torch.arange(h, dtype=clean.dtype, device=clean.device).view(1, 1, -1, 1) / max(h - 1, 1)
    mix = vertical_mix.view(-1, 1, 1, 1)
    return (1 - mix) * d + mix * ramp.expand_as(d)


def degrade(clean: torch.Tensor, flags: torch.Tensor, params: torch.Tensor,
            noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the flagged degradations.

    Args:
        clean: [B,3,H,W] in [0,1].
        flags: [B,4] in {0,1}, FACTORS order (low, haze, rain, snow).
        params: [B,16] uniform in [0,1): each operator's random parameters.
        noise: [B,8,H,W] uniform in [0,1): sensor noise (0-3), rain (4-5), snow (6-7) fields.

    Returns:
        (degraded [B,3,H,W] in [0,1], maps [B,4,H,W] in [0,1]: per-pixel strength per factor).
    """
    f_low, f_haze, f_rain, f_snow = (flags[:, i].view(-1, 1, 1, 1) for i in range(4))
    p = [params[:, i] for i in range(N_PARAMS)]
    x = clean

    # 1. Low light (Retinex): I·L^(γ−1) + N(0, n²), L a smoothed max-channel illumination.
    gamma = _lerp(p[0], 2.0, 3.0).view(-1, 1, 1, 1)
    n_std = _lerp(p[1], 0.03, 0.08).view(-1, 1, 1, 1)
    illum = _box(clean.amax(1, keepdim=True), 15).clamp(1e-3, 1)
    gain = illum ** (gamma - 1)
    # Sensor noise: luminance (shared) plus chroma parts, as real dark frames show.
    g_luma = _gaussian_from_uniform(noise[:, 0:1], noise[:, 1:2])
    g_chroma = _gaussian_from_uniform(noise[:, 2:3], noise[:, 3:4])
    chroma_w = torch.tensor([0.35, -0.2, 0.5], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    sensor = g_luma + chroma_w * g_chroma
    low = (x * gain + n_std * sensor).clamp(0, 1)
    x = f_low * low + (1 - f_low) * x
    map_low = f_low * (1 - gain)

    # 2. Rain (additive, no clip yet): a thin far layer and a thick blurred near layer.
    angle = _lerp(p[2], -0.45, 0.45)  # radians from vertical, one wind direction per image
    density = _lerp(p[3], 0.002, 0.012)
    length = _lerp(p[4], 8.0, 24.0)
    intensity = _lerp(p[5], 0.35, 0.8).view(-1, 1, 1, 1)
    u = noise[:, 4:5]
    far_seeds = (u < density.view(-1, 1, 1, 1)).to(x.dtype) * (0.4 + 0.6 * noise[:, 5:6])
    near_seeds = (u > 1 - 0.25 * density.view(-1, 1, 1, 1)).to(x.dtype) * (0.5 + 0.5 * noise[:, 5:6])
    far = _splat(far_seeds, _line_kernels(angle, length, torch.full_like(angle, 0.5)))
    near = _splat(near_seeds, _line_kernels(angle, (length * 1.25).clamp(max=KERNEL - 1),
                                            _lerp(p[6], 0.8, 1.6)))
    near = _box(near, 3)
    rain = (intensity * (far + near)).clamp(0, 1)
    x = x + f_rain * rain
    map_rain = f_rain * (rain * 2).clamp(0, 1)

    # 3. Snow (alpha-composite white flakes): small dense far flakes, large sparse near ones.
    s_density = _lerp(p[7], 0.001, 0.006)
    s_radius = _lerp(p[8], 0.6, 1.6)
    s_angle = _lerp(p[9], -0.8, 0.8)
    s_opacity = _lerp(p[10], 0.7, 1.0).view(-1, 1, 1, 1)
    v = noise[:, 6:7]
    small = (v < s_density.view(-1, 1, 1, 1)).to(x.dtype)
    big = (v > 1 - 0.12 * s_density.view(-1, 1, 1, 1)).to(x.dtype)
    flakes_far = _splat(small, _disc_kernels(s_radius, _lerp(noise[:, 7, 0, 0], 0.0, 3.0), s_angle))
    flakes_near = _splat(big, _disc_kernels(s_radius * 2.5, _lerp(p[15], 0.0, 6.0), s_angle))
    flakes_near = _box(flakes_near, 5)
    snow = (s_opacity * (flakes_far + flakes_near)).clamp(0, 1)
    x = f_snow * (x * (1 - snow) + snow) + (1 - f_snow) * x
    map_snow = f_snow * snow

    # 4. Haze (atmospheric scattering): I·t + A(1 − t), t = exp(−β·min(distance, 0.7)).
    beta = _lerp(p[11], 1.0, 2.0).view(-1, 1, 1, 1)
    airlight = _lerp(p[12], 0.6, 0.9).view(-1, 1, 1, 1)
    # a slight colour cast of the airlight (bluish or warm), as real haze and smog show
    cast = (_lerp(p[14], -0.04, 0.04).view(-1, 1, 1, 1)
            * torch.tensor([-1.0, 0.0, 1.0], dtype=x.dtype, device=x.device).view(1, 3, 1, 1))
    dist = haze_depth(clean, _lerp(p[13], 0.2, 0.7))
    trans = torch.exp(-beta * dist.clamp(max=0.7))
    hazy = x * trans + (airlight + cast) * (1 - trans)
    x = f_haze * hazy + (1 - f_haze) * x
    map_haze = f_haze * (1 - trans)

    maps = torch.cat([map_low, map_haze, map_rain, map_snow], 1).clamp(0, 1)
    return x.clamp(0, 1), maps


def random_inputs(batch: int, height: int, width: int, generator: torch.Generator | None = None,
                  device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform ``params`` [B,16] and ``noise`` [B,8,H,W] for one call of :func:`degrade`
    (on ``device``, default the generator's, else the CPU)."""
    if device is None:
        device = generator.device if generator is not None else "cpu"
    params = torch.rand(batch, N_PARAMS, generator=generator, device=device)
    noise = torch.rand(batch, N_NOISE, height, width, generator=generator, device=device)
    return params, noise


def config_flags(name: str) -> torch.Tensor:
    if name not in CONFIGS:
        raise KeyError(f"unknown configuration {name!r}; expected one of {', '.join(CONFIGS)}")
    return torch.tensor(CONFIGS[name], dtype=torch.float32)
