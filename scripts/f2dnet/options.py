"""Training options: a JSON file of scripts/options/ loaded into a frozen dataclass.

A misspelt key in a hand-written options file used to be carried along unread (training ran with
the default instead) and a wrong type failed hours later, deep in the loop. Here both fail at
load, naming the file (or the ``--set``) and the key. No torch import: loading options is cheap.

Usage::

    opt = load_options(Path("options/lite.json"), ["budget_minutes=30", 'publish="checkpoints/x"'])
    opt.patch, opt.init_from
"""
from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

LOSSES = ("charbonnier", "mse")
DEVICES = ("auto", "cpu", "cuda")


class OptionsError(ValueError):
    """An options file or ``--set`` that cannot be used; the message names where and which key."""


@dataclass(frozen=True)
class TrainOptions:
    """One training stage (see scripts/README.md for what each option does)."""

    name: str  # the run folder's name, and the stage's name in the checkpoint's record
    model: str  # a key of model.CONFIGS: tiny, lite, base
    sigmas_scale: float
    patch: int  # training crop size, px
    batch: int
    lr: float
    weight_decay: float
    warmup_steps: int
    total_steps: int
    budget_minutes: float  # wall-clock budget; the schedule ends its decay within it
    k0_fraction: float  # share of samples pinned to k = 0, the step inference uses
    ema_decay: float
    loss: str  # one of LOSSES
    lambda_weights: float
    lambda_maps: float
    lambda_cls: float
    lambda_balance: float
    lambda_alpha: float
    val_every: int
    val_images: int
    val_size: int
    ckpt_every: int
    threads: int
    seed: int
    device: str = "auto"  # one of DEVICES; auto = CUDA when PyTorch sees a GPU
    init_from: str | None = None  # a run's .pt or a compact checkpoint folder to start from
    publish: str | None = None  # where the compact checkpoint of this stage is written
    photo_max_side: int | None = None  # scale training photos down to this long side first
    clear_fraction: float = 0.0  # share of samples left undegraded (the parser's negatives)
    teacher: str | None = None  # a compact checkpoint whose one-step restorations are soft targets
    lambda_distill: float = 0.0  # weight of the distance to the teacher's restoration (with teacher)
    lambda_ssim: float = 0.0  # weight of 1 − SSIM of the restoration to the clean photo
    lambda_tone: float = 0.0  # weight of the restoration's error on 16×16 block means (global tone, colour)
    lambda_fft: float = 0.0  # weight of the L1 distance of the restoration's 2-D spectrum to the clean photo's
    lr_new_scale: float = 1.0  # learning rate of the modules a stage adds (train.ADDABLE), × lr
    # the despeckle step in the training forward (every stage since lite-snow4); off, the network
    # learns to take thin remains off by itself, as the stages up to lite-snow3 did, and the step
    # still runs at inference and in the export (the model's configuration keeps it)
    despeckle_in_training: bool = True


    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise OptionsError(f'option "loss" must be one of {", ".join(LOSSES)}, got {self.loss!r}')
        if self.device not in DEVICES:
            raise OptionsError(f'option "device" must be one of {", ".join(DEVICES)}, got {self.device!r}')
        if self.lambda_distill > 0 and not self.teacher:
            raise OptionsError('option "lambda_distill" needs "teacher": a compact checkpoint folder to distil from')

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(TrainOptions)


def _describe(kind: Any) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if args:
        return f"{names[args[0]]} or null"
    return names[kind]


def _check(key: str, value: Any, kind: Any, source: str) -> Any:
    """The value as the field's type (an integer is a number), or an error naming source and key."""
    args = typing.get_args(kind)
    if args and value is None and type(None) in args:
        return None
    base = next((a for a in args if a is not type(None)), kind)
    ok = (base is int and isinstance(value, int) and not isinstance(value, bool)) \
        or (base is float and isinstance(value, (int, float)) and not isinstance(value, bool)) \
        or (base is str and isinstance(value, str)) \
        or (base is bool and isinstance(value, bool))
    if not ok:
        raise OptionsError(f'{source}: option "{key}" must be {_describe(kind)}, got {json.dumps(value)}')
    return float(value) if base is float else value


def options_from_dict(data: Mapping[str, Any], source: str) -> TrainOptions:
    """Checks every key and type of ``data`` (from ``source``, named in errors)."""
    types = _field_types()
    unknown = [k for k in data if k not in types]
    if unknown:
        raise OptionsError(f'{source}: unknown option "{unknown[0]}"; known: {", ".join(types)}')
    required = [f.name for f in dataclasses.fields(TrainOptions)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [k for k in required if k not in data]
    if missing:
        raise OptionsError(f'{source}: missing option "{missing[0]}" (required: {", ".join(required)})')
    values = {k: _check(k, v, types[k], source) for k, v in data.items()}
    try:
        return TrainOptions(**values)
    except OptionsError as err:
        raise OptionsError(f"{source}: {err}") from None


def apply_override(opt: TrainOptions, assignment: str) -> TrainOptions:
    """``--set key=value``: the value is JSON (``5``, ``null``, ``"text"``); a bare word is a string."""
    source = f"--set {assignment}"
    key, eq, raw = assignment.partition("=")
    types = _field_types()
    if not eq:
        raise OptionsError(f"{source}: write key=value, e.g. --set budget_minutes=30")
    if key not in types:
        raise OptionsError(f'{source}: unknown option "{key}"; known: {", ".join(types)}')
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw  # --set publish=checkpoints/x: quoting a path for JSON is easy to forget
    value = _check(key, value, types[key], source)
    try:
        return dataclasses.replace(opt, **{key: value})
    except OptionsError as err:
        raise OptionsError(f"{source}: {err}") from None


def load_options(path: Path, overrides: Sequence[str] = ()) -> TrainOptions:
    """Reads an options file and applies ``--set`` overrides in order."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as err:
        raise OptionsError(f"{path}: cannot read the options file ({err.strerror})") from None
    except json.JSONDecodeError as err:
        raise OptionsError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise OptionsError(f"{path}: must hold a JSON object of options")
    opt = options_from_dict(data, str(path))
    for assignment in overrides:
        opt = apply_override(opt, assignment)
    return opt
