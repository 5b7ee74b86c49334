"""Experiment files: a TOML [base] of shared settings and one [grid] or several [[grid]] -> run configs."""

import dataclasses
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from study import config
from study.config import ConfigError, check, check_together
from study.identity import block_texts, text_id
from study.store.folder import SAFE_NAME

TOP_LEVEL_KEYS = ("name", "description", "base", "grid")


@dataclass(frozen=True)
class Experiment:
    name: str
    path: str
    text: str  # the file as given, for the manifest
    base: dict
    grids: tuple  # one dict (setting -> list of values) per grid block; runs = union of their products
    configs: tuple  # RunConfig per run, block by block in grid order, duplicates removed
    run_ids: tuple  # configs[i].run_id, computed once
    config_texts: tuple  # configs[i] as sorted JSON of every field (the manifest grid line), None if not kept
    overrides: tuple = ()  # the --set KEY=VALUE strings applied, for the manifest
    blocks: tuple = ()  # per grid block, the manifest's compact form: see grid_block


def load_experiment(path, overrides=()):
    """Read, override (`key=value` strings) and validate an experiment; ConfigError names key and file."""
    path = Path(path)
    text = read_text(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(doc) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key {unknown[0]!r}; valid: {', '.join(TOP_LEVEL_KEYS)}")
    name = check_name(doc.get("name", path.stem), "name" in doc, path)
    if not isinstance(doc.get("description", ""), str):
        raise ConfigError(f"{path}: description must be a string")
    base, blocks = table(doc, "base", path), grid_blocks(doc, path)
    for override in overrides:
        key, value = parse_override(override, path)
        for block in blocks:  # an overridden grid axis becomes one shared value
            block.pop(key, None)
        base[key] = value
    labels = block_labels(doc, len(blocks))
    check_tables(base, blocks, path, labels)
    grids = tuple(blocks)
    runs, compact = expand(base, grids, path, labels)
    configs, texts = zip(*runs.values()) if runs else ((), ())
    return Experiment(name, str(path), text, base, grids, configs, tuple(runs), texts, tuple(overrides),
                      tuple(compact))


def read_text(path):
    """The file's text; a missing, unreadable, binary or non-UTF-8 file is one ConfigError."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such experiment file (see experiments/README.md)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the experiment file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte 0x{raw[exc.start]:02x} at offset "
                          f"{exc.start}); an experiment is a TOML file, see experiments/README.md") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write: not part of the TOML
    if "\0" in text:
        raise ConfigError(f"{path}: a binary file (it holds NUL bytes), not a TOML experiment")
    return text


def check_name(name, given, path):
    """The experiment's name, which becomes results/<name>/: a single safe file name."""
    where = "name" if given else f"name {name!r} (the file's stem; set name = \"...\" in the file)"
    if not isinstance(name, str):
        raise ConfigError(f"{path}: name must be a string, got {name!r}")
    if not SAFE_NAME.fullmatch(name):
        raise ConfigError(f"{path}: {where} {name!r} is not a safe folder name; use 1-128 letters, digits "
                          "and . _ - + = , @ (not starting with . or -, no / or spaces)")
    return name


def table(doc, key, path):
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table of settings")
    return dict(value)


def grid_blocks(doc, path):
    """The grid as a list of blocks: one [grid] table, or each table of a [[grid]] array."""
    grid = doc.get("grid", {})
    if isinstance(grid, dict):
        return [dict(grid)]
    if not isinstance(grid, list) or not grid:
        raise ConfigError(f"{path}: grid must be a [grid] table or one or more [[grid]] tables")
    for number, block in enumerate(grid, start=1):
        if not isinstance(block, dict):
            raise ConfigError(f"{path}: [[grid]] block {number} must be a table of settings, got {block!r}")
    return [dict(block) for block in grid]


def parse_override(text, path):
    """`key=value` -> (key, checked value); the value is read as TOML, else taken as a plain string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. --set epochs=20 (for {path})")
    if key not in config.FIELDS:
        raise ConfigError(f"--set {key}: unknown setting; valid: {', '.join(config.FIELDS)} (for {path})")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    try:
        check(key, value)
    except ConfigError as exc:
        raise ConfigError(f"{path}: --set {exc}") from None
    return key, value


def block_labels(doc, n_blocks):
    """How error messages name each grid block: [grid], or [[grid]] block 1, 2, ..."""
    if isinstance(doc.get("grid", {}), dict):
        return ["[grid]"]
    return [f"[[grid]] block {number}" for number in range(1, n_blocks + 1)]


def check_tables(base, blocks, path, labels):
    """Every key known, every grid value a non-empty list, every value valid; errors name the block."""
    sections = [("[base]", base, False)] + [(label, block, True) for label, block in zip(labels, blocks)]
    for section, keys, _ in sections:
        for key in keys:
            if key not in config.FIELDS:
                raise ConfigError(f"{path}: {section} unknown setting {key!r}; valid: {', '.join(config.FIELDS)}")
    for section, block, _ in sections[1:]:
        for key, values in block.items():
            if not isinstance(values, list) or not values:
                raise ConfigError(f"{path}: {section} {key} must be a non-empty list of values, got {values!r}")
            if key in base:
                raise ConfigError(f"{path}: {key} is in both [base] and {section}; keep it in one")
            if key == "hidden" and not all(isinstance(v, list) for v in values):
                raise ConfigError(f"{path}: {section} hidden must be a list of lists, e.g. [[128, 64], [256]]")
    for section, keys, is_grid in sections:  # every value on its own, so the message names the key
        for key, values in keys.items():
            for value in values if is_grid else [values]:
                try:
                    check(key, value)
                except ConfigError as exc:
                    raise ConfigError(f"{path}: {section} {exc}") from None


def expand(base, grids, path, labels):
    """({run_id: (RunConfig, its full sorted JSON)} per point of each block's product, in order, duplicates
    removed; [each block as grid_block gives it]).

    Each value was checked on its own already; here each run's settings are checked together.
    """
    shared = {key: check(key, value) for key, value in base.items()}
    configs, compact = {}, []
    for label, block in zip(labels, grids):
        axes = {key: [check(key, value) for value in values] for key, values in block.items()}
        for key, values in axes.items():
            repeated = [value for number, value in enumerate(values) if value in values[:number]]
            if repeated:
                raise ConfigError(f"{path}: {label} {key} lists {repeated[0]!r} more than once; each value of a grid "
                                  "axis is one setting, list it once")
        fast_texts, block_ids, first = block_texts(shared, axes, config.FIELDS), [], None
        for number, indices in enumerate(itertools.product(*(range(len(values)) for values in axes.values()))):
            cfg = config.RunConfig(**shared, **{key: axes[key][i] for key, i in zip(axes, indices)})
            try:
                check_together(cfg)
            except ConfigError as exc:
                raise ConfigError(f"{path}: {label} {exc}") from None
            text, id_text = fast_texts(indices) if fast_texts else (None, None)
            if number == 0 and text_id(id_text) != cfg.run_id:  # RunConfig.run_id hashes another text now
                fast_texts = text = id_text = None
            run_id = text_id(id_text) if id_text else cfg.run_id
            block_ids.append(run_id)
            first = first or cfg
            if run_id not in configs:
                configs[run_id] = (cfg, text)
        compact += grid_block(first, axes, block_ids, configs)
    return configs, compact


def grid_block(first, axes, run_ids, configs):
    """[{"settings": the block's fixed fields, "axes": {key: values}, "run_ids": [in product order]}]: the
    block's runs are settings + one value per axis, in itertools.product order (the analysis rebuilds
    them, analysis/load/axes.py). A block whose first run is not rebuilt exactly is written one run
    per block instead (a RunConfig that changes values it is given)."""
    if first is None:
        return []
    plain = {key: [json_ready(value) for value in values] for key, values in axes.items()}
    fields = {name: json_ready(value) for name, value in settings_of(first).items()}
    settings = {name: value for name, value in fields.items() if name not in axes}
    if {**settings, **{key: values[0] for key, values in plain.items()}} == fields:
        return [{"settings": settings, "axes": plain, "run_ids": run_ids}]
    return [{"settings": {name: json_ready(value) for name, value in settings_of(configs[run_id][0]).items()},
             "axes": {}, "run_ids": [run_id]} for run_id in run_ids]


def settings_of(cfg):
    return {field.name: getattr(cfg, field.name) for field in dataclasses.fields(cfg)}


def json_ready(value):
    return list(value) if isinstance(value, tuple) else value
