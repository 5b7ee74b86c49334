"""A run's id: a short hash of its settings, the same for the same training wherever it runs.

The id hashes the sorted JSON of every RunConfig field, with one exception: a field added after
results existed declares an `id_neutral` value (the one that trains as before it existed), and at
that value it is left out of the hash. Adding a setting therefore leaves every existing run id as
it was, and two configs that differ in any setting still never share an id: the left-out value is
fixed for good, so changing a default later changes nothing here.
"""

import dataclasses
import hashlib
import json

from study import config  # config.FIELDS read at call time: a test may extend RunConfig


def neutral_values():
    """{field: the value at which it is left out of the id} for the fields that have one."""
    return {name: field.metadata["id_neutral"] for name, field in config.FIELDS.items()
            if field.metadata["id_neutral"] is not dataclasses.MISSING}


def text_id(text):
    """The run id of a config's id text."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def id_text(settings):
    """The text a run id hashes: sorted JSON of the settings, those at their neutral value left out."""
    neutral = neutral_values()
    kept = {k: v for k, v in settings.items() if not (k in neutral and v == neutral[k])}
    return json.dumps(kept, sort_keys=True)


def settings_of(cfg):
    return {name: getattr(cfg, name) for name in config.FIELDS}


def run_id_of(cfg):
    return text_id(id_text(settings_of(cfg)))


def config_text(cfg):
    """Every field as sorted JSON (the manifest's grid line), neutral ones included."""
    return json.dumps(settings_of(cfg), sort_keys=True)


def row_id(row, keys):
    """The run id of the config that `keys` of a result row record (hidden as "128,64" or a list);
    None when the row's hidden sizes cannot be read."""
    settings = {key: row[key] for key in keys}
    if isinstance(settings.get("hidden"), str):
        try:
            settings["hidden"] = list(config.parse_hidden("hidden", settings["hidden"]))
        except ValueError:
            return None
    return text_id(id_text(settings))


def block_texts(fixed, axes):
    """indices -> (full text, id text) of the config with `fixed` settings and axes[key][index] per axis
    (values checked and converted already).

    Each value is encoded once and a config's texts joined from the pieces: dataclasses.asdict and
    json.dumps take 30 us a config, too slow for 100,000-run grids.
    """
    names, neutral = sorted(config.FIELDS), neutral_values()

    def encode(name, value):
        text = f"{json.dumps(name)}: {json.dumps(list(value) if isinstance(value, tuple) else value)}"
        return text, not (name in neutral and value == neutral[name])

    parts = [encode(name, fixed[name] if name in fixed else default(name)) for name in names]
    slots = [(names.index(key), [encode(key, value) for value in values]) for key, values in axes.items()]

    def texts(indices):
        for (position, encoded), index in zip(slots, indices):
            parts[position] = encoded[index]
        return ("{" + ", ".join(text for text, _ in parts) + "}",
                "{" + ", ".join(text for text, kept in parts if kept) + "}")

    return texts


def default(name):
    field = config.FIELDS[name]
    return field.default_factory() if field.default is dataclasses.MISSING else field.default
