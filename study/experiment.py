"""Experiment files: a TOML [base] of shared settings and a [grid] of lists -> run configs."""

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from study.config import FIELDS, ConfigError, check, make_config

TOP_LEVEL_KEYS = ("name", "description", "base", "grid")


@dataclass(frozen=True)
class Experiment:
    name: str
    path: str
    text: str  # the file as given, for the manifest
    base: dict
    grid: dict  # setting -> list of values; the runs are their cartesian product
    configs: tuple  # RunConfig per run, in grid order, duplicates removed


def load_experiment(path, overrides=()):
    """Read, override (`key=value` strings) and validate an experiment; ConfigError names key and file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such experiment file (see experiments/README.md)")
    text = path.read_text()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(doc) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r}; valid: {', '.join(TOP_LEVEL_KEYS)}")
    name = doc.get("name", path.stem)
    base, grid = table(doc, "base", path), table(doc, "grid", path)
    for override in overrides:
        key, value = parse_override(override, path)
        (grid if key in grid else base)[key] = [value] if key in grid else value
    check_tables(base, grid, path)
    return Experiment(name, str(path), text, base, grid, expand(base, grid))


def table(doc, key, path):
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table of settings")
    return dict(value)


def parse_override(text, path):
    """`key=value` -> (key, value); the value is read as TOML, else taken as a plain string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. --set epochs=20 (for {path})")
    if key not in FIELDS:
        raise ConfigError(f"--set {key}: unknown setting; valid: {', '.join(FIELDS)} (for {path})")
    try:
        return key, tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return key, raw.strip()


def check_tables(base, grid, path):
    for section, keys in (("base", base), ("grid", grid)):
        for key in keys:
            if key not in FIELDS:
                raise ConfigError(f"{path}: [{section}] unknown setting {key!r}; valid: {', '.join(FIELDS)}")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: [grid] {key} must be a non-empty list of values, got {values!r}")
        if key in base:
            raise ConfigError(f"{path}: {key} is in both [base] and [grid]; keep it in one")
        if key == "hidden" and not all(isinstance(v, list) for v in values):
            raise ConfigError(f"{path}: [grid] hidden must be a list of lists, e.g. [[128, 64], [256]]")
    # every value on its own, so the message can say which section and key is wrong
    values_by_section = [("base", key, [value]) for key, value in base.items()]
    values_by_section += [("grid", key, values) for key, values in grid.items()]
    for section, key, values in values_by_section:
        for value in values:
            try:
                check(key, value)
            except ConfigError as exc:
                raise ConfigError(f"{path}: [{section}] {exc}") from None


def expand(base, grid):
    """One RunConfig per point of the grid (values already checked), duplicates removed."""
    configs = {}
    for point in itertools.product(*grid.values()):
        cfg = make_config({**base, **dict(zip(grid, point))})
        configs.setdefault(cfg.run_id, cfg)
    return tuple(configs.values())
