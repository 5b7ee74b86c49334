"""A run's id: a short hash of its settings, the same for the same training wherever it runs.

The id hashes the sorted JSON of every RunConfig field, with one exception: a field added after
results existed declares an `id_neutral` value (the one that trains as before it existed), and at
that value it is left out of the hash. Adding a setting therefore leaves every existing run id as
it was, and two configs that differ in any setting still never share an id: the left-out value is
fixed for good, so changing a default later changes nothing here.

`fields` below is {name: dataclasses.Field} of RunConfig (study/config.py, which imports this module).
"""

import dataclasses
import hashlib
import json


def neutral_values(fields):
    """{field: the value at which it is left out of the id} for the fields that have one."""
    return {name: field.metadata["id_neutral"] for name, field in fields.items()
            if field.metadata["id_neutral"] is not dataclasses.MISSING}


def text_id(text):
    """The run id of a config's id text."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def id_text(settings, fields):
    """The text a run id hashes: sorted JSON of the settings, those at their neutral value left out."""
    neutral = neutral_values(fields)
    kept = {k: v for k, v in settings.items() if not (k in neutral and v == neutral[k])}
    return json.dumps(kept, sort_keys=True)


def run_id_of(cfg):
    """The run id of a RunConfig (its own fields say which are neutral where)."""
    fields = {field.name: field for field in dataclasses.fields(cfg)}
    return text_id(id_text({name: getattr(cfg, name) for name in fields}, fields))


def block_texts(fixed, axes, fields):
    """indices -> (full text, id text) of the config with `fixed` settings and axes[key][index] per axis
    (values checked and converted already).

    Each value is encoded once and a config's texts joined from the pieces: dataclasses.asdict and
    json.dumps take 30 us a config, too slow for 100,000-run grids.
    """
    names, neutral = sorted(fields), neutral_values(fields)

    def encode(name, value):
        text = f"{json.dumps(name)}: {json.dumps(list(value) if isinstance(value, tuple) else value)}"
        return text, not (name in neutral and value == neutral[name])

    parts = [encode(name, fixed[name] if name in fixed else default(fields[name])) for name in names]
    slots = [(names.index(key), [encode(key, value) for value in values]) for key, values in axes.items()]

    def texts(indices):
        for (position, encoded), index in zip(slots, indices):
            parts[position] = encoded[index]
        return ("{" + ", ".join(text for text, _ in parts) + "}",
                "{" + ", ".join(text for text, kept in parts if kept) + "}")

    return texts


def default(field):
    return field.default_factory() if field.default is dataclasses.MISSING else field.default
