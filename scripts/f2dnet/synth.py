"""Composite-weather synthesis for training: the CDD-11 recipe, widened, procedural and exportable.

Four atomic degradations applied in CDD-11's fixed order low light → rain → snow → haze, and
the 11 CDD-11 configurations of them. All randomness comes in as tensors (``params``:
N_PARAMS uniform numbers per image, ``noise``: N_NOISE uniform fields), so the same code is

* randomised on the fly for training (``random_inputs``),
* seeded and reproducible for evaluation, and
* exported to ONNX (``models/synth/degrade.onnx``) for the TypeScript side (``f2d degrade``,
  ``f2d eval --synth train``) without a second implementation.

The ranges are deliberately wider than any one dataset's: a model trained on one generator
learns that generator (the first version drew a few hundred thick opaque white bars, and the
model left real rain alone). What each operator covers (see docs/weather-appearance.md):

* **low light**: Retinex darkening I·L^(γ−1) with L the max channel smoothed from a plain blur
  (light spills across edges) to edge-keeping (dark things stay dark beside bright ones), a
  global exposure and a tone curve, a colour cast (sodium-warm to cool-blue), glare around the
  brightest areas, and Poisson–Gaussian sensor noise (shot noise growing with the signal, read
  noise, part of it independent per channel: colour noise);
* **rain**: the image-editor recipe behind Rain100/Rain1400-type data (noise → threshold →
  rotated motion blur of random length and width → levels → additive or screen blend) in
  three depth layers (dense thin faint far streaks, a middle layer, a few long thick blurred
  near ones), densities from drizzle to thousands of streaks over the whole frame, tinted by
  the scene's light, plus, in half the storms, a rain-accumulation veil, mostly slight;
* **snow**: alpha-composited flakes from dense far specks through motion-elongated middle
  flakes to a few large, very blurred, semi-transparent near blobs, with varied opacity per
  flake and, in half the snowfalls, a faint whitening veil; some snowfalls are only a few
  large near flakes, with next to no specks;
* **haze**: atmospheric scattering I·t + A(1 − t) with depth from the colour attenuation
  prior blended with a vertical prior, a coloured airlight (grey, blue, warm smog), and a
  non-homogeneous density (β modulated by a smooth random field).

Not covered: splashes on the road, raindrops on the lens, headlight flare. Images are float
tensors [B,3,H,W] in [0,1]. ``degrade`` also returns per-factor maps in [0,1] (how strongly
each pixel is affected), which supervise the parser's maps.
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
N_PARAMS = 55  # low 0-8 and 47-48, rain 9-26, snow 27-39 and 49-54, haze 40-46
# noise fields: 0-3 two Box-Muller pairs (four normals), 4-6 rain layers far/mid/near,
# 7-8 snow specks and flakes, 9 a smooth random field (haze density, veils)
N_NOISE = 10
# Kernel supports (pixels). The splats are most of the synthesis's cost (a dense convolution
# per layer), so each layer gets the smallest kernel its shapes fit in, and the large, blurred
# near layers are drawn at half resolution.
KERNEL = 31        # middle rain streaks up to 28 px
FLAKE_KERNEL = 21  # snow flakes: radius ≤ 2.8 plus half a motion smear of ≤ 8
FAR_KERNEL = 21    # far rain: streaks up to 19 px
SPECK_KERNEL = 9   # snow specks: 4 px with their motion smear
HALF_KERNEL = 17   # near rain and snow blobs, at half resolution (34 px at full)
QUARTER_KERNEL = 41  # the nearest snow smudges, at quarter resolution (164 px at full)


def _lerp(u: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * u


def _loglerp(u: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """Log-uniform between lo and hi: densities span decades, a linear draw would miss drizzle."""
    return lo * (hi / lo) ** u


def _half_off(u: torch.Tensor, off: float, lo: float, hi: float, log: bool = False) -> torch.Tensor:
    """``off`` for half the draws (u < 0.5), else lo–hi over the other half.

    The widened extras (exposure, tone curve, casts, glare, patchy or coloured haze) drawn on
    every sample moved training away from plain Retinex darkening and grey homogeneous haze,
    and the model lost 1–1.4 dB there on the independent synthesis; half the draws keep the plain case.
    """
    v = 2 * u - 1
    on = _loglerp(v.clamp(min=0), lo, hi) if log else _lerp(v.clamp(min=0), lo, hi)
    return torch.where(u < 0.5, torch.full_like(u, off), on)


def _col(v: torch.Tensor) -> torch.Tensor:
    return v.view(-1, 1, 1, 1)


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


def _normals(u1: torch.Tensor, u2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Box-Muller: two uniform fields → two independent standard normal fields."""
    r = torch.sqrt(-2 * torch.log(u1.clamp(min=1e-7)))
    return r * torch.cos(2 * torch.pi * u2), r * torch.sin(2 * torch.pi * u2)


def _smooth_field(u: torch.Tensor, cell: int) -> torch.Tensor:
    """A smooth random field, about N(0,1), varying over ``cell``-pixel scales, from a uniform one.

    The mean of cell² uniforms has standard deviation 0.2887/cell; it is rescaled to unit and
    upsampled bilinearly, then softened so the cell grid does not show.
    """
    h, w = u.shape[2], u.shape[3]
    coarse = (F.avg_pool2d(u, cell, stride=cell, ceil_mode=True) - 0.5) * (cell / 0.2887)
    up = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
    return _box(up, cell // 2 + 1)


def _rotated_grid(angle: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Kernel-grid coordinates along and across direction ``angle`` (0 = vertical): [B,K,K] each."""
    r = torch.arange(size, dtype=angle.dtype, device=angle.device) - size // 2
    yy, xx = r.view(-1, 1), r.view(1, -1)
    a = angle.view(-1, 1, 1)
    return xx * torch.sin(a) + yy * torch.cos(a), xx * torch.cos(a) - yy * torch.sin(a)


def _drop_tiny(k: torch.Tensor) -> torch.Tensor:
    # Kernel tails underflow to float32 denormals, which make convolutions ~10x slower on CPU.
    return k * (k > 1e-4).to(k.dtype)


def _line_kernels(angle: torch.Tensor, length: torch.Tensor, width: torch.Tensor, size: int) -> torch.Tensor:
    """Per-image anti-aliased streak kernels [B,1,K,K] with peak 1 (angle 0 = vertical).

    A motion-blurred drop: Gaussian across, a plateau along that fades at both ends (a drop
    moving through the exposure leaves a streak that is dimmer where it entered and left).
    """
    along, across = _rotated_grid(angle, size)
    ln, w = length.view(-1, 1, 1), width.view(-1, 1, 1)
    k = torch.exp(-(across ** 2) / (2 * w ** 2)) * torch.sigmoid((ln / 2 - along.abs()) * 1.5)
    return _drop_tiny(k).unsqueeze(1)


def _disc_kernels(radius: torch.Tensor, streak: torch.Tensor, angle: torch.Tensor, softness: torch.Tensor,
                  size: int) -> torch.Tensor:
    """Soft discs of ``radius`` smeared along ``angle`` by ``streak`` pixels: [B,1,K,K].

    ``softness`` is the edge width in pixels: 0.3 a crisp flake, 3 an out-of-focus blob.
    """
    along, across = _rotated_grid(angle, size)
    rad, st, soft = radius.view(-1, 1, 1), streak.view(-1, 1, 1), softness.view(-1, 1, 1)
    d_along = (along.abs() - st / 2).clamp(min=0)   # distance to a segment of length `st`
    dist = torch.sqrt(d_along ** 2 + across ** 2 + 1e-6)
    return _drop_tiny(torch.sigmoid((rad - dist) / soft)).unsqueeze(1)


def _splat_half(seeds: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """:func:`_splat` at half resolution (kernels drawn at half size), upsampled back.

    For the blurred near layers only: 16× cheaper, and their blur hides the resampling.
    """
    h, w = seeds.shape[2], seeds.shape[3]
    half = F.avg_pool2d(seeds, 2, stride=2, ceil_mode=True) * 4
    return F.interpolate(_splat(half, kernels), size=(h, w), mode="bilinear", align_corners=False)


def _splat_quarter(seeds: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """:func:`_splat` at quarter resolution, for shapes too large and soft for the half one."""
    h, w = seeds.shape[2], seeds.shape[3]
    quarter = F.avg_pool2d(seeds, 4, stride=4, ceil_mode=True) * 16
    return F.interpolate(_splat(quarter, kernels), size=(h, w), mode="bilinear", align_corners=False)


def _splat(seeds: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Convolve each image's seed field [B,1,H,W] with its own kernel [B,1,K,K]."""
    b, _, h, w = seeds.shape
    p = kernels.shape[-1] // 2
    out = F.conv2d(F.pad(seeds.reshape(1, b, h, w), (p, p, p, p)), kernels, groups=b)
    return out.reshape(b, 1, h, w)


def _seeds(u: torch.Tensor, lo: torch.Tensor, density: torch.Tensor, floor: float) -> torch.Tensor:
    """Seeds where lo ≤ u < lo + density, each with its own strength in [floor, 1].

    Conditioned on falling in the window, (u − lo)/density is again uniform: one field gives
    both where the drops are and how bright each is.
    """
    d = _col(density)
    rel = (u - _col(lo)) / d
    inside = ((rel >= 0) & (rel < 1)).to(u.dtype)
    return inside * (floor + (1 - floor) * rel.clamp(0, 1))


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
    mix = _col(vertical_mix)
    return (1 - mix) * d + mix * ramp.expand_as(d)


def _rgb(r: float, g: float, b: float, like: torch.Tensor) -> torch.Tensor:
    return torch.tensor([r, g, b], dtype=like.dtype, device=like.device).view(1, 3, 1, 1)


def _self_guided(v: torch.Tensor, k: int, eps: torch.Tensor) -> torch.Tensor:
    """Guided filter of ``v`` by itself over k×k windows: smooth inside flat areas, edges kept.

    eps [B,1,1,1] sets what counts as an edge (a window's variance well above eps is kept).
    """
    mean = _box(v, k)
    var = (_box(v * v, k) - mean * mean).clamp(min=0)
    a = var / (var + eps)
    return _box(a, k) * v + _box(mean - a * mean, k)


def illumination(max_channel: torch.Tensor, u: torch.Tensor, u_eps: torch.Tensor) -> torch.Tensor:
    """How much light reached each pixel, from its brightest channel [B,1,H,W].

    Half the draws (u < 0.5) blur it plainly over 15 px, so light from lamps and windows spills
    onto the dark things around them; the other half mix in an edge-keeping smoothing (weight
    0.3–1, edge threshold ε log-uniform 1e-3–1e-1), as Retinex estimates such as LIME's do, so
    a dark object beside a bright one gets its own, darker light. The plain blur alone taught
    the model one relation between a frame's darkness and its true brightness: on low light
    darkened with edge-kept illumination it restored frames 13–19 levels too dark (2–3 dB).
    """
    blurred = _box(max_channel, 15)
    eps = _col(_loglerp(u_eps, 1e-3, 1e-1))
    weight = _col(_half_off(u, 0.0, 0.3, 1.0))
    kept = _self_guided(max_channel, 15, eps)
    return ((1 - weight) * blurred + weight * kept).clamp(1e-3, 1)


def low_light(x: torch.Tensor, p: list[torch.Tensor], noise: torch.Tensor, field: torch.Tensor,
              clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Night or underexposure: returns (dark image, map of how much light was lost)."""
    gamma = _col(_lerp(p[0], 1.6, 3.5))
    exposure = _col(_half_off(p[1], 1.0, 0.4, 1.0, log=True))
    curve = _col(_half_off(p[2], 1.0, 0.8, 1.5))      # tone curve: >1 crushes the shadows further
    illum = illumination(x.amax(1, keepdim=True), p[47], p[48])
    gain = illum ** (gamma - 1) * exposure
    dark = ((x * gain).clamp(0, 1) ** curve)
    # colour cast from the light sources: sodium-warm ↔ neutral ↔ cool (LED/moonlight)
    warm, cool = _rgb(1.0, 0.78, 0.5, x), _rgb(0.8, 0.9, 1.0, x)
    tint_pick = _col(p[3])
    tint = (1 - tint_pick) * warm + tint_pick * cool
    cast = 1 + _col(_half_off(p[4], 0.0, 0.1, 0.8)) * (tint - 1)
    dark = dark * cast
    # glare: light spreads around what stays bright (lamps, lit windows, headlights)
    bright = (x.amax(1, keepdim=True) - 0.85).clamp(min=0) * 6.7
    glare = _box(_box(bright, 9), 9) * _col(_half_off(p[5], 0.0, 0.05, 0.5))
    dark = dark + glare * cast
    # Poisson–Gaussian sensor noise: var = a·signal + b², part shared (luma), part per channel
    shot = _col(_loglerp(p[6], 2e-4, 2e-2))
    # read noise: quiet modern sensors (log-uniform 0.003–0.03) for half the draws, the
    # recipe's heavy Gaussian noise (σ 0.03–0.09) for the other half
    read = _col(torch.where(p[7] < 0.5, _loglerp((2 * p[7]).clamp(max=1), 3e-3, 3e-2),
                            _lerp((2 * p[7] - 1).clamp(min=0), 3e-2, 9e-2)))
    colour = _col(_lerp(p[8], 0.2, 1.0))
    std = torch.sqrt(shot * dark.clamp(min=0) + read ** 2)
    g_luma, g_r = _normals(noise[:, 0:1], noise[:, 1:2])
    g_g, g_b = _normals(noise[:, 2:3], noise[:, 3:4])
    per_channel = torch.cat([g_r, g_g, g_b], 1)
    grain = (1 - colour) * g_luma + colour * per_channel
    out = (dark + std * grain).clamp(0, 1)
    lost = (1 - (gain * cast.mean(1, keepdim=True)).clamp(0, 1)) ** 0.8
    return out, lost


def rain(x: torch.Tensor, p: list[torch.Tensor], noise: torch.Tensor, field: torch.Tensor,
         clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rain streaks in three depth layers and a veil: returns (image, rain strength map)."""
    angle = _lerp(p[9], -0.6, 0.6)                 # radians from vertical: the wind
    density = _loglerp(p[10], 0.003, 0.08)         # far layer: seeds per pixel
    length = _lerp(p[11], 5.0, 19.0)
    intensity = _col(_loglerp(p[12], 0.12, 0.9))
    zero = torch.zeros_like(density)
    far = _splat(_seeds(noise[:, 4:5], zero, density, 0.2),
                 _line_kernels(angle + _lerp(p[13], -0.08, 0.08), length, _lerp(p[14], 0.35, 0.75), FAR_KERNEL))
    mid_density = density * _lerp(p[15], 0.05, 0.4)
    mid = _splat(_seeds(noise[:, 5:6], zero, mid_density, 0.3),
                 _line_kernels(angle, (length * _lerp(p[16], 1.3, 2.0)).clamp(max=KERNEL - 3),
                               _lerp(p[17], 0.6, 1.3), KERNEL))
    near_density = density * _lerp(p[18], 0.0, 0.04)
    near = _splat_half(_seeds(noise[:, 6:7], zero, near_density, 0.4),
                       _line_kernels(angle + _lerp(p[19], -0.05, 0.05), torch.full_like(angle, HALF_KERNEL - 2.0),
                                     _lerp(p[20], 0.6, 1.3), HALF_KERNEL))   # out of focus: blurred by the upsampling
    layer = far * _col(_lerp(p[21], 0.4, 1.0)) + mid * _col(_lerp(p[22], 0.5, 1.0)) + near
    # levels: a contrast curve on the streak layer (the recipe's "levels" step)
    layer = (layer * intensity).clamp(0, 1) ** _col(_lerp(p[23], 0.6, 1.4))
    # streaks take the colour of the scene's light (white in daylight, warm under sodium lamps)
    scene = x.mean((2, 3), keepdim=True)
    tint = (scene + 0.05) / (scene.mean(1, keepdim=True) + 0.05)
    layer_rgb = layer * (1 + _col(_lerp(p[24], 0.0, 0.7)) * (tint - 1))
    screen = _col(p[25])                           # additive ↔ screen blend
    out = (1 - screen) * (x + layer_rgb) + screen * (1 - (1 - x.clamp(0, 1)) * (1 - layer_rgb.clamp(0, 1)))
    # rain accumulation: a veil of falling water, patchy, towards a grey-blue airlight as
    # bright as the scene's light (a veil at night is dark, not grey). In half the storms, and
    # mostly slight (median 0.09, up to 0.35). It was in seven storms in ten, uniformly up to
    # 0.35, which teaches that rain always takes contrast away; on 256-px crops of the
    # independent synthesis the restored tone of streak-only rain was further off than the
    # input's (at 512×384 it was not). Trained on this, f2d-lite gained 0.14 dB on that rain
    # (scripts/README.md, stage lite-veil). A veil without streaks is haze, the haze factor's.
    veil = _col(0.35 * _lerp(p[26], -1.0, 1.0).clamp(min=0) ** 2) * (1 + 0.4 * field).clamp(0.2, 1.8)
    veil = veil.clamp(0, 0.6)
    veil_light = (scene.mean(1, keepdim=True) * 1.4 + 0.1).clamp(max=0.85)
    out = out * (1 - veil) + veil * veil_light * _rgb(0.95, 1.0, 1.06, x)
    strength = (layer * 3 + veil * 2).clamp(0, 1)
    return out, strength


def _nearest_smudges(p: list[torch.Tensor], noise: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """In half the snowfalls, a few flakes right at the lens: 16-48 px across, soft, faint, and
    stretched by their motion up to five times their width (alpha, [B,1,H,W]).

    Snow100K-type masks have them, and so does the independent synthesis's largest layer; the
    half-resolution blobs stop at 24 px across and are round, and f2d-lite read such smudges,
    when they came alone, as snow 0.02 (scripts/README.md, stage lite-snow). Drawn at quarter
    resolution: their softness hides the resampling, and a 41-tap kernel there costs what an
    11-tap one does at full resolution.
    """
    present = (p[50] < 0.5).to(angle.dtype)
    density = present * _loglerp((p[50] / 0.5).clamp(max=1), 1e-5, 1.5e-4)    # per full-res pixel
    radius = _lerp(p[51], 2.0, 6.0)                 # quarter-resolution pixels
    softness = _lerp(p[53], 0.8, 2.5)
    reach = QUARTER_KERNEL // 2 - 2 * softness - radius   # what the kernel leaves for the smear
    streak = torch.minimum(_lerp(p[52], 0.0, 8.0) * radius, 2 * reach)
    smudges = _splat_quarter(_seeds(noise[:, 7:8], 1 - density, density, 0.4),
                             _disc_kernels(radius, streak, angle, softness, QUARTER_KERNEL))
    return smudges * _col(_lerp(p[54], 0.3, 0.8))


def snow(x: torch.Tensor, p: list[torch.Tensor], noise: torch.Tensor, field: torch.Tensor,
         clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Flakes from far specks to near blobs, alpha-composited, and a whitening veil."""
    angle = _lerp(p[27], -0.9, 0.9)
    density = _loglerp(p[28], 0.002, 0.04)         # specks per pixel
    zero = torch.zeros_like(density)
    # Three snowfalls in ten are middle flakes and a few large ones near the lens with next to
    # no far specks (light snow close to the camera; Snow100K's large-flake masks). In the rest,
    # as before, specks everywhere and the larger flakes among them. Trained only on the second
    # kind, f2d-lite recognised snow by its specks: large soft flakes alone read as snow 0.01
    # and came out worse than they went in (scripts/README.md, stage lite-snow).
    near_only = (p[49] < 0.3).to(density.dtype)
    rel = (p[49] / 0.3).clamp(max=1)                # uniform again within the near-only draws
    speck_density = density * (1 - near_only * (1 - 0.12 * rel))
    specks = _splat(_seeds(noise[:, 7:8], zero, speck_density, 0.3),
                    _disc_kernels(_lerp(p[29], 0.4, 1.0), _lerp(p[30], 0.0, 2.5), angle,
                                  torch.full_like(angle, 0.35), SPECK_KERNEL))
    flake_density = density * _lerp(p[31], 0.04, 0.25)
    flakes = _splat(_seeds(noise[:, 8:9], zero, flake_density, 0.3),
                    _disc_kernels(_lerp(p[32], 1.0, 2.8), _lerp(p[33], 0.0, 8.0), angle,
                                  _lerp(p[34], 0.4, 1.2), FLAKE_KERNEL))
    # near flakes out of focus: radius 1.5-6 px at half resolution, so up to 24 px across at
    # full, and soft-edged, from a few to a flurry (a model that never saw them left them on the
    # frame: 1.2 dB below the shipped model on the independent synthesis's snow); in near-only
    # snowfalls their own count, 1e-4 to 1.5e-3 per pixel, not tied to the specks'
    blob_density = ((1 - near_only) * density * _lerp(p[35], 0.0, 0.06)
                    + near_only * _loglerp(p[35], 1e-4, 1.5e-3))
    blobs = _splat_half(_seeds(noise[:, 8:9], 1 - blob_density, blob_density, 0.3),
                        _disc_kernels(_lerp(p[36], 1.5, 6.0), torch.zeros_like(angle), angle,
                                      _lerp(p[37], 0.5, 2.0), HALF_KERNEL))
    alpha = (specks + flakes + 0.7 * blobs) * _col(_lerp(p[38], 0.5, 1.0))
    alpha = (alpha + _nearest_smudges(p, noise, angle)).clamp(0, 1)
    white = _rgb(0.94, 0.96, 1.0, x)
    out = x * (1 - alpha) + alpha * white
    # the whitening veil in half the snowfalls, mostly faint (up to 0.25; it was in seven in ten,
    # uniformly), for the same reason as rain's; snow's restored tone on the independent
    # synthesis did not move with it (scripts/README.md, stage lite-veil)
    veil = _col(0.25 * _lerp(p[39], -1.0, 1.0).clamp(min=0) ** 2) * (1 + 0.3 * field).clamp(0.3, 1.7)
    out = out * (1 - veil) + veil * white
    return out, (alpha * 1.5 + veil * 2).clamp(0, 1)


def haze(x: torch.Tensor, p: list[torch.Tensor], noise: torch.Tensor, field: torch.Tensor,
         clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Atmospheric scattering with coloured airlight and patchy density."""
    q = p[40:47]
    beta = _col(_lerp(q[0], 0.7, 2.4))
    patchy = _col(_half_off(q[1], 0.0, 0.1, 0.6))
    beta_map = beta * (1 + patchy * field).clamp(0.2, 2.5)
    airlight = _col(_lerp(q[2], 0.55, 0.95))
    # airlight colour: blue-grey fog ↔ neutral ↔ yellow-brown smog
    pick = _col(q[3])
    colour = (1 - pick) * _rgb(0.93, 0.97, 1.06, x) + pick * _rgb(1.06, 1.0, 0.86, x)
    colour = 1 + _col(_half_off(q[4], 0.0, 0.1, 1.0)) * (colour - 1)
    dist = haze_depth(clean, _lerp(q[5], 0.1, 0.7))
    trans = torch.exp(-beta_map * dist.clamp(max=_col(_lerp(q[6], 0.55, 0.9))))
    out = x * trans + (airlight * colour).clamp(0, 1) * (1 - trans)
    return out, 1 - trans


def _on_flagged(flag: torch.Tensor, op, x: torch.Tensor, p: list[torch.Tensor], noise: torch.Tensor,
                field: torch.Tensor, clean: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``op`` on the images whose flag is set only (the others come back unchanged, map 0).

    In a training batch each factor is on in 4–6 of the 11 configurations, so this halves the
    synthesis's cost. Tracing for ONNX (one image, flags as an input) takes the whole batch.
    """
    args = (p, noise, field, clean)
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return op(x, *args)
    idx = flag.flatten().nonzero().flatten()
    if idx.numel() == x.shape[0]:
        return op(x, *args)
    out, strength = x.clone(), x.new_zeros(x.shape[0], 1, x.shape[2], x.shape[3])
    if idx.numel() > 0:
        out[idx], strength[idx] = op(x[idx], [q[idx] for q in p], noise[idx], field[idx], clean[idx])
    return out, strength


def degrade(clean: torch.Tensor, flags: torch.Tensor, params: torch.Tensor,
            noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the flagged degradations.

    Args:
        clean: [B,3,H,W] in [0,1].
        flags: [B,4] in {0,1}, FACTORS order (low, haze, rain, snow).
        params: [B,N_PARAMS] uniform in [0,1): each operator's random parameters.
        noise: [B,N_NOISE,H,W] uniform in [0,1) (see N_NOISE).

    Returns:
        (degraded [B,3,H,W] in [0,1], maps [B,4,H,W] in [0,1]: per-pixel strength per factor).
    """
    f_low, f_haze, f_rain, f_snow = (_col(flags[:, i]) for i in range(4))
    p = [params[:, i] for i in range(N_PARAMS)]
    field = _smooth_field(noise[:, 9:10], 16)
    x = clean

    low, map_low = _on_flagged(f_low, low_light, x, p, noise, field, clean)
    x = f_low * low + (1 - f_low) * x
    rained, map_rain = _on_flagged(f_rain, rain, x, p, noise, field, clean)
    x = f_rain * rained + (1 - f_rain) * x          # no clip: CDD-11 adds rain unclipped
    snowed, map_snow = _on_flagged(f_snow, snow, x, p, noise, field, clean)
    x = f_snow * snowed + (1 - f_snow) * x
    hazy, map_haze = _on_flagged(f_haze, haze, x, p, noise, field, clean)
    x = f_haze * hazy + (1 - f_haze) * x

    maps = torch.cat([f_low * map_low, f_haze * map_haze, f_rain * map_rain, f_snow * map_snow], 1)
    return x.clamp(0, 1), maps.clamp(0, 1)


def random_inputs(batch: int, height: int, width: int, generator: torch.Generator | None = None,
                  device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform ``params`` [B,N_PARAMS] and ``noise`` [B,N_NOISE,H,W] for one call of :func:`degrade`
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
