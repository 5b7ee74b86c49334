"""The bench's table: one row per measurement, checked against its target, printed and written as CSV."""

import argparse
import csv

COLUMNS = ["name", "dtype", "median_s", "min_s", "value", "unit", "target", "meets_target", "note",
           "threads", "blas", "openblas_env", "data"]
COMPARE = {"<=": float.__le__, ">=": float.__ge__, "<": float.__lt__}


def meets(target, value):
    """'yes' / 'no' for a target like '<= 1.3' and a measured value; '' when there is none."""
    if not target or value in (None, ""):
        return ""
    op, bound = target.split()
    return "yes" if COMPARE[op](float(value), float(bound)) else "no"


def with_verdicts(rows):
    return [{**row, "meets_target": meets(row.get("target"), row.get("value"))} for row in rows]


def show(rows):
    header = {k: k for k in COLUMNS}
    for row in [header, *rows]:
        cell = {k: "" if row.get(k) is None else row[k] for k in COLUMNS}
        for k in ("median_s", "min_s", "value"):
            cell[k] = f"{float(cell[k]):.3f}" if cell[k] not in ("", k) else cell[k]
        print(f"{cell['name']:<28}{cell['dtype']:<8}{cell['median_s']:>9}{cell['min_s']:>9}{cell['value']:>9} "
              f"{cell['unit']:<9}{cell['target']:<8}{cell['meets_target']:<13}{cell['openblas_env']:<13}"
              f"{cell['blas']:<34}{cell['note']}")


def write_rows(handle, rows):
    writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def names_from(table, kind):
    """An argparse type: 'a,b' -> ['a', 'b'], each name checked against `table`."""

    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in table]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"unknown {kind}(s) {', '.join(unknown) or '(none given)'}; "
                                             f"valid: {', '.join(table)}")
        return names

    return parse
