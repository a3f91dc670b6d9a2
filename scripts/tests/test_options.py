"""Training options load into a frozen dataclass: unknown keys and wrong types fail at load, naming
the file (or the --set) and the key; --set key=value still overrides; every shipped options file
loads."""
from __future__ import annotations

import dataclasses
import json
import tempfile
import unittest
from pathlib import Path

from f2dnet.options import OptionsError, TrainOptions, load_options, options_from_dict

OPTIONS_DIR = Path(__file__).resolve().parent.parent / "options"
# A shipped file as the base: this module needs no torch, nor does its test.
OPTIONS = json.loads((OPTIONS_DIR / "lite.json").read_text())


class OptionsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, data, name="opts.json") -> Path:
        path = self.tmp / name
        path.write_text(json.dumps(data))
        return path

    def assertRefused(self, pattern: str, fn, *args):
        with self.assertRaises(OptionsError) as ctx:
            fn(*args)
        self.assertRegex(str(ctx.exception), pattern)

    def test_every_shipped_options_file_loads(self):
        files = sorted(OPTIONS_DIR.glob("*.json"))
        self.assertGreaterEqual(len(files), 5)
        for path in files:
            opt = load_options(path)
            self.assertEqual(opt.name, json.loads(path.read_text())["name"], path.name)
        v2 = load_options(OPTIONS_DIR / "lite-v2.json")
        self.assertEqual((v2.init_from, v2.publish, v2.photo_max_side), ("checkpoints/lite", "checkpoints/lite", 1024))
        lite = load_options(OPTIONS_DIR / "lite.json")
        self.assertEqual((lite.init_from, lite.publish, lite.photo_max_side, lite.device), (None, None, None, "auto"))

    def test_frozen_with_numbers_as_numbers(self):
        opt = load_options(self.write(OPTIONS))
        self.assertIsInstance(opt, TrainOptions)
        with self.assertRaises(dataclasses.FrozenInstanceError):
            opt.lr = 1.0  # type: ignore[misc]
        self.assertIsInstance(opt.budget_minutes, float, "an integer in JSON is a number where a number is asked")
        self.assertEqual(opt.to_dict()["patch"], OPTIONS["patch"])

    def test_unknown_key_names_the_file_and_the_key(self):
        path = self.write({**OPTIONS, "batchsize": 4})
        self.assertRefused(rf'{path}: unknown option "batchsize"; known: name, model', load_options, path)

    def test_wrong_type_names_the_file_and_the_key(self):
        path = self.write({**OPTIONS, "patch": "128"})
        self.assertRefused(rf'{path}: option "patch" must be an integer, got "128"', load_options, path)
        self.assertRefused(r'option "batch" must be an integer, got 2.5', options_from_dict, {**OPTIONS, "batch": 2.5}, "x")
        self.assertRefused(r'option "seed" must be an integer, got true', options_from_dict, {**OPTIONS, "seed": True}, "x")
        self.assertRefused(r'option "init_from" must be a string or null, got 3', options_from_dict, {**OPTIONS, "init_from": 3}, "x")
        self.assertRefused(r'option "despeckle_in_training" must be true or false, got 0', options_from_dict,
                           {**OPTIONS, "despeckle_in_training": 0}, "x")
        self.assertFalse(options_from_dict({**OPTIONS, "despeckle_in_training": False}, "x").despeckle_in_training)
        self.assertRefused(r'x: option "loss" must be one of charbonnier, mse', options_from_dict, {**OPTIONS, "loss": "l1"}, "x")

    def test_missing_key_and_bad_files(self):
        data = {k: v for k, v in OPTIONS.items() if k != "lr"}
        self.assertRefused(r'missing option "lr"', load_options, self.write(data))
        bad = self.tmp / "bad.json"
        bad.write_text("{ not json")
        self.assertRefused(rf"{bad}: not valid JSON", load_options, bad)
        self.assertRefused(r"cannot read the options file", load_options, self.tmp / "absent.json")

    def test_set_overrides_in_order_with_json_or_bare_strings(self):
        path = self.write(OPTIONS)
        opt = load_options(path, ["budget_minutes=30", 'publish="checkpoints/x"', "init_from=runs/a/last.pt",
                                  "photo_max_side=1024", "device=cpu", "budget_minutes=45"])
        self.assertEqual((opt.budget_minutes, opt.publish, opt.init_from, opt.photo_max_side, opt.device),
                         (45.0, "checkpoints/x", "runs/a/last.pt", 1024, "cpu"))
        self.assertIsNone(load_options(path, ["publish=null"]).publish)

    def test_set_refuses_unknown_keys_and_wrong_types_naming_the_flag(self):
        path = self.write(OPTIONS)
        self.assertRefused(r'--set lrate=0.1: unknown option "lrate"', load_options, path, ["lrate=0.1"])
        self.assertRefused(r'--set patch=big: option "patch" must be an integer, got "big"', load_options, path, ["patch=big"])
        self.assertRefused(r'--set device=gpu: option "device" must be one of auto, cpu, cuda', load_options, path, ["device=gpu"])
        self.assertRefused(r"--set patch: write key=value", load_options, path, ["patch"])


if __name__ == "__main__":
    unittest.main()
