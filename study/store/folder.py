"""A results folder under a sweep's lock: its shards checked, its tables kept whole and in order.

The rule (experiments/README.md): runs.csv and epochs.csv hold every valid shard in the folder,
the current grid's runs first in grid order, then the folder's other runs by run id. A finished
run therefore never leaves the tables because the grid changed; only a damaged shard does, and
then with a warning and the run redone.
"""

import os
import re
import shutil
from pathlib import Path

from results_io import is_leftover
from study.config import FIELDS
from study.store.index import Entry, Index
from study.store.shards import TRAINED, ShardError, read_shard, scan_shards, shard_path, write_shard
from study.store.tables import TABLES, Tables, columns_of, records
from study.training.rows import run_row
from study.training.run import EPOCH_COLUMNS
from study.training.train import RunResult

# A results folder's name (an experiment's name): one path component, no leading dot, nothing a
# shell or a URL must quote.
SAFE_NAME = re.compile(r"\w[\w.,+=@-]{0,127}")
SCRATCH = ".scratch"  # the workers' memory-mapped dataset copies (study/sweep/pool.py)
EMPTY_HEADER = ["run_id", *FIELDS]  # the columns of a table with no run yet


class ResultsFolder:
    def __init__(self, folder, report=print):
        self.folder = Path(folder)
        self.report = report  # one warning line at a time
        self.index = Index(self.folder)
        self.tables = Tables(self.folder, self.index, self.shard)
        self.unsaved = []  # (run row, epoch rows) whose shard could not be written yet
        self.warned = set()  # (file, errno, reason) of the write errors reported so far
        self.grid_ids, self.expected = (), {}  # the current grid, and the columns its unfinished runs will have

    def open(self):
        """Remove what killed sweeps left behind, check new or changed shards, verify the tables."""
        shutil.rmtree(self.folder / SCRATCH, ignore_errors=True)
        self.index.load()
        found, leftovers = scan_shards(self.folder)
        for path in [*leftovers, *top_leftovers(self.folder)]:
            path.unlink(missing_ok=True)  # temporary files of writes a kill cut short (shards, tables, manifest)
        entries = self.index.entries
        for run_id in set(entries) - set(found):
            del entries[run_id]  # its shard is gone
        for run_id, stamp in found.items():
            if run_id not in entries or entries[run_id].stamp != stamp:
                entries.pop(run_id, None)
                self.check(run_id, stamp)
        self.tables.verify()
        return self

    def plan(self, grid_ids, todo):
        """The grid the tables are ordered by, and its runs still to train ({run_id: config})."""
        self.grid_ids = tuple(grid_ids)
        self.expected = {run_id: expected_columns(cfg) for run_id, cfg in todo.items()}

    def check(self, run_id, stamp):
        """Read one shard and index it; a damaged one is reported and left out (its run is redone)."""
        path = shard_path(self.folder, run_id)
        try:
            shard = read_shard(path)
        except ShardError as exc:
            self.report(f"warning: {path} {exc}; ignored, and its run is redone if the grid has it")
            return
        self.register(shard, stamp)

    def register(self, shard, stamp):
        """An index entry for a checked shard (not yet in the tables); returns it, its rows, and whether its
        columns are new."""
        run, rows = shard["run"], records(shard)
        sig, new = self.index.add_signature({table: columns_of(rows[table]) for table in TABLES})
        entry = Entry(run["run_id"], stamp, run["status"], run.get("blas_threads"), sig)
        self.index.entries[entry.run_id] = entry
        return entry, rows, new

    def shard(self, run_id):
        return read_shard(shard_path(self.folder, run_id))

    def finished(self, run_ids, statuses=TRAINED):
        """The ids among `run_ids` with a trained (ok or diverged) shard; statuses=None: any shard."""
        entries = self.index.entries
        return {run_id for run_id in run_ids
                if run_id in entries and (statuses is None or entries[run_id].status in statuses)}

    def order(self, leave_out=()):
        """The tables' order: the grid's runs that have shards, in grid order, then the others by id."""
        entries, skip = self.index.entries, set(leave_out)
        in_grid = [run_id for run_id in self.grid_ids if run_id in entries and run_id not in skip]
        others = sorted(set(entries) - set(self.grid_ids) - skip)
        return in_grid + others

    def header(self):
        """Each table's columns in order of first appearance over the grid (unfinished runs: the
        columns they will have), then the other runs: the same header before, during and after a sweep."""
        entries, signatures = self.index.entries, self.index.signatures
        others = sorted(set(entries) - set(self.grid_ids))
        columns, seen = {table: {} for table in TABLES}, set()
        for run_id in (*self.grid_ids, *others):
            found = signatures[entries[run_id].sig] if run_id in entries else self.expected.get(run_id)
            if found is None or id(found) in seen:
                continue
            seen.add(id(found))
            for table in TABLES:
                columns[table].update(dict.fromkeys(found[table]))
        return {table: list(cols) or list(EMPTY_HEADER) for table, cols in columns.items()}

    def settle(self, leave_out=()):
        """Put the tables in order (see `order`) under the header of `header`; returns whether they were rewritten."""
        return self.tables.settle(self.order(leave_out), self.header())

    def add(self, run, epochs):
        """Save one finished run: its shard, then its rows at the end of the tables; returns runs saved.

        A shard that cannot be written (a full disk) is kept in memory and retried with the next run
        and at the end; the error is raised once the run is safe in `unsaved`.
        """
        self.unsaved.append((run, epochs))
        return self.save_unsaved()

    def save_unsaved(self):
        """Write the shards kept in memory; returns how many were saved."""
        saved = 0
        while self.unsaved:
            run, epochs = self.unsaved[0]
            shard, stamp = write_shard(self.folder, run, epochs)
            self.unsaved.pop(0)
            saved += 1
            self.table(shard, stamp)
        return saved

    def table(self, shard, stamp):
        """Append a saved run's rows; a run with unexpected columns re-settles the tables instead."""
        entry, rows, new = self.register(shard, stamp)
        try:
            if self.tables.append(entry.run_id, rows):
                self.index.append(entry, new_signature=new)
                return
            self.settle()  # new columns, or an earlier failed append: rewrite once, in order
        except OSError as exc:
            self.warn_once(exc, f"warning: {exc}; the tables are rewritten at the end of the sweep")

    def warn_once(self, exc, line):
        """Report `line` once per file and cause: a full disk fails each retry in the same way."""
        key = (str(getattr(exc, "path", None)), exc.errno, exc.strerror)
        if key not in self.warned:
            self.warned.add(key)
            self.report(line)

    def close(self):
        self.tables.close()

    def totals(self):
        """{status: count} over the folder's shards."""
        counts = {"ok": 0, "diverged": 0, "failed": 0}
        for entry in self.index.entries.values():
            counts[entry.status] += 1
        return counts


def saved_statuses(folder):
    """{run_id: status} of the folder's valid shards, read without writing anything (the index spares reads)."""
    index = Index(folder).load()
    found, _ = scan_shards(folder)
    statuses = {}
    for run_id, stamp in found.items():
        entry = index.entries.get(run_id)
        if entry is not None and entry.stamp == stamp:
            statuses[run_id] = entry.status
            continue
        try:
            statuses[run_id] = read_shard(shard_path(folder, run_id))["run"]["status"]
        except ShardError:
            pass  # a damaged shard is no saved run
    return statuses


def top_leftovers(folder):
    """Temporary files at the folder's top (tables, index, manifest) that a kill left behind."""
    try:
        return [Path(entry.path) for entry in os.scandir(folder) if is_leftover(entry.name)]
    except FileNotFoundError:
        return []


EXPECTED = {}  # number of hidden layers -> columns, computed once


def expected_columns(cfg):
    """The columns a run of `cfg` will have, from the shape of the rows the code writes. A wrong
    guess costs time, not correctness: a run with other columns makes the tables re-render."""
    depth = len(cfg.hidden)
    if depth not in EXPECTED:
        epochs = [{**dict.fromkeys(EPOCH_COLUMNS, 0.0), "epoch": 0,
                   **{f"inactive_{layer}": 0.0 for layer in range(1, depth + 1)}}]
        run = {**run_row(cfg, RunResult(epochs, "ok", None, 0.0)), "worker_max_rss_mb": 0.0, "blas_threads": 1}
        rows = records({"run": run, "epochs": epochs})
        EXPECTED[depth] = {table: columns_of(rows[table]) for table in TABLES}
    return EXPECTED[depth]
