"""An independent CDD-11-style weather synthesiser, for evaluation only.

``synth.py`` makes the training data; a model that learns it can score well on it and still
fail on real weather (issue 9). This module is a second generator, written separately and
never used for training, so ``f2d eval --synth independent`` measures how a model
generalises. It shares no code with ``synth.py`` on purpose; only the interface is the same
(so the TypeScript side runs both through one code path).

It follows the published CDD-11 recipe (docs/f2dnet-method.md §6): order low → rain → snow → haze,
rain added without clipping, snow alpha-composited, haze by atmospheric scattering with
t = exp(−β·min(1 − box(nearness), 0.7)). What stands in for the recipe's external files:

* **illumination map** (LIME): the max channel smoothed by a self-guided filter (flat inside
  objects, sharp at their edges), then the recipe's 3×3 guided filter with the grey image;
* **depth map** (MegaDepth): a ground-plane perspective prior (nearness grows linearly below a
  random horizon) mixed with a colour-attenuation cue (bright, desaturated = far), refined by a
  guided filter;
* **rain mask** (Rain100/Rain1400 image-editor recipe): dense uniform noise thresholded into
  seeds, motion-blurred along the canvas' vertical, then zoomed and rotated onto the frame
  (wrapping around the canvas), in three depth layers (far thin dense faint, near wide sparse
  blurred), levels, a slight veil; added (or, for some storms, screened);
* **snow mask** (Snow100K): seeds grown into soft blobs at four zooms from 1-px specks to large
  blurred semi-transparent flakes, stretched along the fall direction by motion, merged as
  alpha layers, a faint overall whitening.

Rain and snow geometry is specified at a 480-px-high reference frame and scales with the
frame, as the recipe resizes its masks to each image.

Everything random comes in as tensors (``params`` [B, N_PARAMS] and ``noise``
[B, N_NOISE, H, W], uniform in [0,1)), so a seed reproduces a picture in PyTorch and in the
exported ONNX graph (``models/synth-independent/``, ``python3 -m f2dnet.export
--synth-independent``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

FACTORS = ("low", "haze", "rain", "snow")
# The benchmark's 11 configurations (CDD-11), as flags in FACTORS order.
CONFIGS: dict[str, tuple[int, int, int, int]] = {
    "low": (1, 0, 0, 0), "haze": (0, 1, 0, 0), "rain": (0, 0, 1, 0), "snow": (0, 0, 0, 1),
    "low_haze": (1, 1, 0, 0), "low_rain": (1, 0, 1, 0), "low_snow": (1, 0, 0, 1),
    "haze_rain": (0, 1, 1, 0), "haze_snow": (0, 1, 0, 1),
    "low_haze_rain": (1, 1, 1, 0), "low_haze_snow": (1, 1, 0, 1),
}
TIERS = {"single": ["low", "haze", "rain", "snow"],
         "pair": ["low_haze", "low_rain", "low_snow", "haze_rain", "haze_snow"],
         "triple": ["low_haze_rain", "low_haze_snow"]}

# One uniform number per name; the graph maps each to its range.
PARAMS = ("low_gamma", "low_read_noise", "low_shot_noise",
          "rain_angle", "rain_density", "rain_length", "rain_width", "rain_brightness", "rain_veil",
          "rain_screen", "rain_shift_x", "rain_shift_y",
          "snow_density", "snow_size", "snow_opacity", "snow_angle", "snow_motion", "snow_veil",
          "snow_shift_x", "snow_shift_y",
          "haze_beta", "haze_airlight", "haze_horizon", "haze_colour_cue", "haze_near_floor")
# Uniform fields: two Box-Muller pairs for the sensor noise, then seeds and brightness of rain and snow.
NOISE = ("sensor_a1", "sensor_a2", "sensor_b1", "sensor_b2",
         "rain_seeds", "rain_brightness", "snow_seeds", "snow_opacity")
N_PARAMS = len(PARAMS)
N_NOISE = len(NOISE)
_P = {name: i for i, name in enumerate(PARAMS)}
_N = {name: i for i, name in enumerate(NOISE)}

REFERENCE_HEIGHT = 480.0
RAIN_BLUR_TAPS = 41       # longest streak on the canvas (pixels) the motion blur can draw
SNOW_BLOB_TAPS = 7        # canvas blob support
SNOW_SOFTEN_TAPS = 11     # frame-space softening of the zoomed blobs

# Rain depth layers: far, middle, near. Lengths and zooms are ranges at the reference height;
# the zoom widens and lengthens a layer's streaks together (a near drop is longer and wider).
RAIN_LAYERS = (
    # share of the seeds, canvas streak length range, zoom range, brightness gain
    dict(share=1.0, length=(14.0, 32.0), zoom=(0.9, 1.2), gain=1.0),
    dict(share=0.30, length=(20.0, 36.0), zoom=(1.5, 2.0), gain=0.9),
    dict(share=0.12, length=(28.0, 40.0), zoom=(2.4, 3.4), gain=0.7),
)
# Snow layers: specks, small, medium, large. Zoom = blob size in reference pixels.
SNOW_LAYERS = (
    dict(share=1.0, zoom=(0.9, 1.4), sigma=0.7, soften=0.0, opacity=(0.55, 0.95), motion=0.4),
    dict(share=0.8, zoom=(2.0, 3.0), sigma=0.8, soften=0.6, opacity=(0.6, 0.95), motion=0.7),
    dict(share=0.7, zoom=(4.0, 6.5), sigma=0.9, soften=1.2, opacity=(0.5, 0.85), motion=1.0),
    dict(share=0.6, zoom=(9.0, 15.0), sigma=1.1, soften=2.5, opacity=(0.25, 0.6), motion=1.0),
)


def _range(u: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * u


def _param(params: torch.Tensor, name: str) -> torch.Tensor:
    return params[:, _P[name]]


def _field(noise: torch.Tensor, name: str) -> torch.Tensor:
    return noise[:, _N[name]:_N[name] + 1]


def _mean_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)² window, the window shrunk at the borders (reflect-free, no bias)."""
    k = 2 * radius + 1

    def window_sum(v: torch.Tensor) -> torch.Tensor:  # two 1-D passes: O(2k) per pixel, not O(k²)
        v = F.avg_pool2d(v, (1, k), stride=1, padding=(0, radius), count_include_pad=True)
        return F.avg_pool2d(v, (k, 1), stride=1, padding=(radius, 0), count_include_pad=True)

    return window_sum(x) / window_sum(torch.ones_like(x[:, :1]))


def _guided_filter(guide: torch.Tensor, src: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    """He et al.'s guided filter (grey guide): edge-preserving smoothing of ``src``."""
    mean_i = _mean_filter(guide, radius)
    mean_p = _mean_filter(src, radius)
    cov_ip = _mean_filter(guide * src, radius) - mean_i * mean_p
    var_i = _mean_filter(guide * guide, radius) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return _mean_filter(a, radius) * guide + _mean_filter(b, radius)


def _normal_pair(u1: torch.Tensor, u2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two independent standard normal fields from two uniform ones (Box-Muller)."""
    r = torch.sqrt(-2.0 * torch.log(1.0 - u1))  # 1 − u lies in (0,1], so the log is finite
    phi = 2.0 * math.pi * u2
    return r * torch.cos(phi), r * torch.sin(phi)


def _grey_bgr_quirk(x: torch.Tensor) -> torch.Tensor:
    # The recipe reads BGR with OpenCV and converts with RGB→GRAY weights; kept for fidelity.
    return 0.299 * x[:, 2:3] + 0.587 * x[:, 1:2] + 0.114 * x[:, 0:1]


def illumination(clean: torch.Tensor) -> torch.Tensor:
    """LIME-like illumination [B,1,H,W] in (0,1], refined as the recipe does (3×3, ε 0.01)."""
    initial = clean.amax(1, keepdim=True)
    light_map = _guided_filter(initial, initial, radius=7, eps=0.02)
    refined = _guided_filter(light_map, _grey_bgr_quirk(clean), radius=1, eps=0.01)
    return refined.clamp(1e-3, 1.0)


def low_light(x: torch.Tensor, params: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Retinex darkening I·L^(γ−1) plus Poisson-Gaussian sensor noise, clipped (as the recipe)."""
    gamma = _range(_param(params, "low_gamma"), 2.0, 3.5).view(-1, 1, 1, 1)
    read = _range(_param(params, "low_read_noise"), 0.03, 0.08).view(-1, 1, 1, 1)
    shot = _range(_param(params, "low_shot_noise"), 0.0, 0.004).view(-1, 1, 1, 1)
    gain = illumination(x) ** (gamma - 1.0)
    dark = x * gain
    n0, n1 = _normal_pair(_field(noise, "sensor_a1"), _field(noise, "sensor_a2"))
    n2, _ = _normal_pair(_field(noise, "sensor_b1"), _field(noise, "sensor_b2"))
    std = torch.sqrt(read * read + shot * dark)  # i.i.d. per pixel and channel
    return (dark + std * torch.cat([n0, n1, n2], 1)).clamp(0.0, 1.0), 1.0 - gain


def _canvas_grid(height: int, width: int, angle: torch.Tensor, zoom: torch.Tensor, stretch: torch.Tensor,
                 shift_x: torch.Tensor, shift_y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Sampling grid [L,H,W,2] mapping frame pixels onto a wrapped H×W canvas.

    The canvas' vertical becomes the frame direction ``angle`` (radians from vertical); the
    canvas is magnified ``zoom`` times, and ``stretch`` times more along that direction.
    Coordinates wrap around, so any zoom and angle covers the frame with no empty corners.
    All arguments but the sizes are [L] tensors (one value per layer).
    """
    ys = torch.arange(height, dtype=like.dtype, device=like.device) - (height - 1) / 2
    xs = torch.arange(width, dtype=like.dtype, device=like.device) - (width - 1) / 2
    yy, xx = ys.view(1, -1, 1), xs.view(1, 1, -1)
    s, c = torch.sin(angle).view(-1, 1, 1), torch.cos(angle).view(-1, 1, 1)
    z, st = zoom.view(-1, 1, 1), stretch.view(-1, 1, 1)
    along = (xx * s + yy * c) / (z * st)
    across = (xx * c - yy * s) / z
    cx = torch.remainder(across + shift_x.view(-1, 1, 1) * width, width)
    cy = torch.remainder(along + shift_y.view(-1, 1, 1) * height, height)
    # grid_sample's normalised coordinates (align_corners=False): pixel centre i → (2i+1)/n − 1
    return torch.stack([(2 * cx + 1) / width - 1, (2 * cy + 1) / height - 1], -1)


def _wrap_rows(x: torch.Tensor, pad: int) -> torch.Tensor:
    return torch.cat([x[:, :, -pad:], x, x[:, :, :pad]], 2)


def _wrap_cols(x: torch.Tensor, pad: int) -> torch.Tensor:
    return torch.cat([x[..., -pad:], x, x[..., :pad]], 3)


def _streak_kernels(length: torch.Tensor) -> torch.Tensor:
    """Vertical motion-blur kernels [L,1,T,1]: value 1 over ``length`` pixels, 2-px linear tapers."""
    t = torch.arange(RAIN_BLUR_TAPS, dtype=length.dtype, device=length.device) - RAIN_BLUR_TAPS // 2
    half = length.view(-1, 1) / 2
    k = ((half - t.abs().view(1, -1)) / 2.0 + 0.5).clamp(0.0, 1.0)
    return k.view(-1, 1, RAIN_BLUR_TAPS, 1)


def _gauss_taps(sigma: float, taps: int, unit_sum: bool) -> list[float]:
    """Gaussian taps, summing to 1 (a blur) or with peak 1 (a blob); σ ≤ 0 gives the identity."""
    r = taps // 2
    if sigma <= 0:
        return [1.0 if i == r else 0.0 for i in range(taps)]
    g = [math.exp(-((i - r) ** 2) / (2 * sigma * sigma)) for i in range(taps)]
    return [v / sum(g) for v in g] if unit_sum else g


def _separable(x: torch.Tensor, taps: list[list[float]], rows: bool = True, cols: bool = True) -> torch.Tensor:
    """Per-channel separable filter with zero padding; ``taps[c]`` filters channel c."""
    c, n = x.shape[1], len(taps[0])
    k = torch.tensor(taps, dtype=x.dtype, device=x.device)
    if cols:
        x = F.conv2d(x, k.view(c, 1, 1, n), padding=(0, n // 2), groups=c)
    if rows:
        x = F.conv2d(x, k.view(c, 1, n, 1), padding=(n // 2, 0), groups=c)
    return x


def _sample_layers(canvas: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """canvas [B,L,H,W] + grid [B·L,H,W,2] → frame layers [B,L,H,W]."""
    b, n, h, w = canvas.shape
    out = F.grid_sample(canvas.reshape(b * n, 1, h, w), grid, mode="bilinear", padding_mode="border",
                        align_corners=False)
    return out.reshape(b, n, h, w)


def _interval_seeds(u: torch.Tensor, shares: list[float], density: torch.Tensor) -> torch.Tensor:
    """Disjoint slices of one uniform field as independent sparse seed sets: [B,L,H,W] in {0,1}."""
    seeds, start = [], torch.zeros_like(density)
    for share in shares:
        width = density * share
        seeds.append(((u >= start) & (u < start + width)).to(u.dtype))
        start = start + width
    return torch.cat(seeds, 1)


def rain_layer(x: torch.Tensor, params: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The additive streak layer [B,1,H,W] ≥ 0 (the recipe's rain mask)."""
    b, _, h, w = x.shape
    scale = h / REFERENCE_HEIGHT
    n = len(RAIN_LAYERS)
    u_len, u_zoom = _param(params, "rain_length"), _param(params, "rain_width")
    density = _range(_param(params, "rain_density"), 0.008, 0.025).view(-1, 1, 1, 1)
    seeds = _interval_seeds(_field(noise, "rain_seeds"), [l["share"] for l in RAIN_LAYERS], density)
    seeds = seeds * (0.35 + 0.65 * _field(noise, "rain_brightness"))
    # Across the streak: a small blur so thin streaks stay smooth after zooming (no aliasing).
    canvas = _separable(_wrap_cols(seeds, 1), [[0.15, 0.7, 0.15]] * n, rows=False)[..., 1:-1]
    length = torch.stack([_range(u_len, *l["length"]) for l in RAIN_LAYERS], 1).reshape(-1)
    pad = RAIN_BLUR_TAPS // 2
    blurred = F.conv2d(_wrap_rows(canvas, pad).reshape(1, b * n, h + 2 * pad, w), _streak_kernels(length),
                       groups=b * n).reshape(b, n, h, w)
    angle = _range(_param(params, "rain_angle"), -0.55, 0.55)
    zoom = torch.stack([_range(u_zoom, *l["zoom"]) for l in RAIN_LAYERS], 1) * scale
    # Nearer layers lean a little more (perspective) and sit at other places of the canvas.
    lean = torch.tensor([0.9, 1.0, 1.12], dtype=x.dtype, device=x.device)
    offsets = torch.tensor([0.0, 0.37, 0.71], dtype=x.dtype, device=x.device)
    grid = _canvas_grid(h, w, (angle.view(-1, 1) * lean).reshape(-1), zoom.reshape(-1),
                        torch.ones(b * n, dtype=x.dtype, device=x.device),
                        (_param(params, "rain_shift_x").view(-1, 1) + offsets).reshape(-1),
                        (_param(params, "rain_shift_y").view(-1, 1) + offsets).reshape(-1), x)
    layers = _sample_layers(blurred, grid)
    # Defocus: the near layer is soft, the far one sharp.
    layers = _separable(layers, [_gauss_taps(s, 7, unit_sum=True) for s in (0.0, 0.5, 1.2)])
    # Levels: the image editor's white point, so overlapping streaks saturate instead of piling up.
    gains = torch.tensor([l["gain"] for l in RAIN_LAYERS], dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    brightness = _range(_param(params, "rain_brightness"), 0.15, 0.35).view(-1, 1, 1, 1)
    streaks = (layers * gains).clamp(0.0, 1.0).sum(1, keepdim=True) * brightness
    veil = _range(_param(params, "rain_veil"), 0.0, 0.03).view(-1, 1, 1, 1)
    return streaks.clamp(0.0, 1.0) + veil


def snow_mask(x: torch.Tensor, params: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """The snow alpha mask [B,1,H,W] in [0,1] (the recipe's Snow100K mask)."""
    b, _, h, w = x.shape
    scale = h / REFERENCE_HEIGHT
    n = len(SNOW_LAYERS)
    density = _range(_param(params, "snow_density"), 0.003, 0.009).view(-1, 1, 1, 1)
    seeds = _interval_seeds(_field(noise, "snow_seeds"), [l["share"] for l in SNOW_LAYERS], density)
    pad = SNOW_BLOB_TAPS // 2
    canvas = _separable(_wrap_cols(_wrap_rows(seeds, pad), pad),
                        [_gauss_taps(l["sigma"], SNOW_BLOB_TAPS, unit_sum=False) for l in SNOW_LAYERS])[:, :, pad:-pad, pad:-pad]
    u_size, u_motion = _param(params, "snow_size"), _param(params, "snow_motion")
    zoom = torch.stack([_range(u_size, *l["zoom"]) for l in SNOW_LAYERS], 1) * scale
    stretch = 1.0 + torch.stack([u_motion * 2.5 * l["motion"] for l in SNOW_LAYERS], 1)
    angle = _range(_param(params, "snow_angle"), -0.7, 0.7).view(-1, 1).expand(b, n)
    offsets = torch.tensor([0.0, 0.29, 0.53, 0.81], dtype=x.dtype, device=x.device)
    grid = _canvas_grid(h, w, angle.reshape(-1), zoom.reshape(-1), stretch.reshape(-1),
                        (_param(params, "snow_shift_x").view(-1, 1) + offsets).reshape(-1),
                        (_param(params, "snow_shift_y").view(-1, 1) + offsets).reshape(-1), x)
    blobs = _sample_layers(canvas, grid)
    blobs = _separable(blobs, [_gauss_taps(l["soften"], SNOW_SOFTEN_TAPS, unit_sum=True) for l in SNOW_LAYERS])
    # A flake has a solid core and a soft rim: lift the blob, then clip.
    u_op = _param(params, "snow_opacity").view(-1, 1, 1, 1)
    lo = torch.tensor([l["opacity"][0] for l in SNOW_LAYERS], dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    hi = torch.tensor([l["opacity"][1] for l in SNOW_LAYERS], dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    per_flake = 0.6 + 0.4 * _field(noise, "snow_opacity")  # varies over the frame, so flakes differ
    alpha = (blobs * 1.6).clamp(0.0, 1.0) * (lo + (hi - lo) * u_op) * per_flake
    mask = 1.0 - torch.prod(1.0 - alpha, 1, keepdim=True)
    veil = _range(_param(params, "snow_veil"), 0.0, 0.06).view(-1, 1, 1, 1)
    return mask + veil * (1.0 - mask)


def nearness(clean: torch.Tensor, horizon: torch.Tensor, colour_cue: torch.Tensor,
             floor: torch.Tensor) -> torch.Tensor:
    """A MegaDepth-like normalised nearness [B,1,H,W] in [``floor``,1] (1 = near).

    Ground-plane perspective: below a horizon at ``horizon``·H, disparity grows linearly towards
    the bottom row; at and above it the scene is far. Mixed (weight ``colour_cue``) with the
    colour-attenuation cue, in which bright, desaturated pixels (sky, distant haze) are far.
    Lifted to start at ``floor``: with no floor, nearly every pixel reaches the recipe's 0.7 cap
    and haze is uniform and heavy (12.6 dB input PSNR on 14 validation photos, against 16.6 dB
    on the external CDD-11-style benchmark of issue 9); floors of 0.2–0.6 give 17.5 dB on all 89.
    """
    h = clean.shape[2]
    # pixel centres in (0,1); no Python max() on h, which would freeze the export to one height
    rows = (torch.arange(h, dtype=clean.dtype, device=clean.device).view(1, 1, -1, 1) + 0.5) / h
    hz = horizon.view(-1, 1, 1, 1)
    ground = ((rows - hz) / (1.0 - hz)).clamp(0.0, 1.0)
    value = clean.amax(1, keepdim=True)
    sat = (value - clean.amin(1, keepdim=True)) / value.clamp(min=1e-3)
    far = -F.max_pool2d(-(value - sat), (1, 9), stride=1, padding=(0, 4))  # local minimum: objects, not texture
    far = -F.max_pool2d(-far, (9, 1), stride=1, padding=(4, 0))
    far = _guided_filter(_grey_bgr_quirk(clean), far, radius=12, eps=0.01)
    lo, hi = far.amin((2, 3), keepdim=True), far.amax((2, 3), keepdim=True)
    colour_near = 1.0 - (far - lo) / (hi - lo + 1e-3)
    mix = colour_cue.view(-1, 1, 1, 1)
    near = (1.0 - mix) * ground.expand_as(colour_near) + mix * colour_near
    lift = floor.view(-1, 1, 1, 1)
    return lift + (1.0 - lift) * near


def haze(x: torch.Tensor, clean: torch.Tensor, params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Atmospheric scattering I·t + A(1 − t), clipped; the recipe's t and ranges."""
    beta = _range(_param(params, "haze_beta"), 1.0, 2.0).view(-1, 1, 1, 1)
    airlight = _range(_param(params, "haze_airlight"), 0.6, 0.9).view(-1, 1, 1, 1)
    near = nearness(clean, _range(_param(params, "haze_horizon"), 0.3, 0.6),
                    _range(_param(params, "haze_colour_cue"), 0.3, 0.7),
                    _range(_param(params, "haze_near_floor"), 0.2, 0.6))
    trans = torch.exp(-beta * (1.0 - _mean_filter(near, 11)).clamp(max=0.7))
    return (x * trans + airlight * (1.0 - trans)).clamp(0.0, 1.0), 1.0 - trans


def degrade(clean: torch.Tensor, flags: torch.Tensor, params: torch.Tensor,
            noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the flagged degradations, in the recipe's order low → rain → snow → haze.

    Args:
        clean: [B,3,H,W] in [0,1].
        flags: [B,4] in {0,1}, FACTORS order (low, haze, rain, snow).
        params: [B,N_PARAMS] uniform in [0,1), named by PARAMS.
        noise: [B,N_NOISE,H,W] uniform in [0,1), named by NOISE.

    Returns:
        (degraded [B,3,H,W] in [0,1], maps [B,4,H,W] in [0,1]: how strongly each factor
        touches each pixel).
    """
    f_low, f_haze, f_rain, f_snow = (flags[:, i].view(-1, 1, 1, 1) for i in range(4))
    x = clean
    dark, map_low = low_light(x, params, noise)
    x = f_low * dark + (1.0 - f_low) * x

    rain = rain_layer(x, params, noise)
    # Additive like the recipe (no clip until the end); about one storm in four is screened instead.
    screen = (_param(params, "rain_screen") > 0.75).to(x.dtype).view(-1, 1, 1, 1)
    rained = (1.0 - screen) * (x + rain) + screen * (1.0 - (1.0 - x.clamp(0.0, 1.0)) * (1.0 - rain.clamp(0.0, 1.0)))
    x = f_rain * rained + (1.0 - f_rain) * x

    snow = snow_mask(x, params, noise)
    x = f_snow * (x * (1.0 - snow) + snow) + (1.0 - f_snow) * x

    hazy, map_haze = haze(x, clean, params)
    x = f_haze * hazy + (1.0 - f_haze) * x

    maps = torch.cat([f_low * map_low, f_haze * map_haze, f_rain * rain.clamp(0.0, 1.0), f_snow * snow], 1)
    return x.clamp(0.0, 1.0), maps.clamp(0.0, 1.0)


def random_inputs(batch: int, height: int, width: int,
                  generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform ``params`` [B,N_PARAMS] and ``noise`` [B,N_NOISE,H,W] for one call of :func:`degrade`."""
    params = torch.rand(batch, N_PARAMS, generator=generator)
    noise = torch.rand(batch, N_NOISE, height, width, generator=generator)
    return params, noise


def config_flags(name: str) -> torch.Tensor:
    if name not in CONFIGS:
        raise KeyError(f"unknown configuration {name!r}; expected one of {', '.join(CONFIGS)}")
    return torch.tensor(CONFIGS[name], dtype=torch.float32)
