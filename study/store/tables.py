"""runs.csv and epochs.csv: each run's rows are one block of lines, rendered from its shard.

While a sweep runs, a finished run's blocks are appended (the tables are never behind); `settle`
then puts the blocks in the order asked for, copying blocks already rendered and rendering only the
missing ones. The index (study/store/index.py) remembers where each block is.
"""

import csv
import io
import math
import mmap
import os
from os import write as os_write  # a name of this module, so that a test can fill the disk
from pathlib import Path

from results_io import WriteError, write_atomic
from study.store.shards import config_keys

TABLES = {"runs": "runs.csv", "epochs": "epochs.csv"}


def records(shard):
    """{table: rows} of one shard; epoch rows start with the run's id and config columns."""
    run = shard["run"]
    config = {"run_id": run["run_id"], **{key: run[key] for key in config_keys(run)}}
    return {"runs": [run], "epochs": [{**config, **row} for row in shard["epochs"]]}


def columns_of(rows):
    """The keys of `rows`, in order of first appearance."""
    return list(dict.fromkeys(key for row in rows for key in row))


def cell(value):
    """One CSV field: blank for None and NaN (as pandas writes them), the shortest repr otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


def render(rows, header):
    """CSV lines of `rows` under `header`; a value depends only on itself, never on other rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([cell(row.get(column)) for column in header] for row in rows)
    return buffer.getvalue().encode()


def header_bytes(header):
    return render([{column: column for column in header}], header)


class Tables:
    """The two table files of a folder, kept in step with an Index."""

    def __init__(self, folder, index, read_shard):
        self.folder = Path(folder)
        self.index = index
        self.read_shard = read_shard  # run_id -> checked shard, for blocks that must be rendered
        self.descriptors = {}  # table -> file descriptor for appends
        self.trusted = False  # whether the files hold the blocks the index says

    def path(self, table):
        return self.folder / TABLES[table]

    def verify(self):
        """Trust the index's offsets only when every block starts with its run id; cut torn appends."""
        header, placed = self.index.header, [e for e in self.index.entries.values() if e.at]
        self.trusted = header is not None and all(self.verify_table(t, header[t], placed) for t in TABLES)
        if not self.trusted:
            for entry in self.index.entries.values():
                entry.at = None
        return self.trusted

    def verify_table(self, table, header, placed):
        head = header_bytes(header)
        ends = [entry.at[table][1] for entry in placed]
        committed = max(ends, default=len(head))
        try:
            with open(self.path(table), "r+b") as handle:
                if os.fstat(handle.fileno()).st_size < committed or handle.read(len(head)) != head:
                    return False
                handle.truncate(committed)  # rows appended after the last index entry: a cut-short write
                if not placed:
                    return True
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                    return all(block_ok(data, entry.run_id, *entry.at[table]) for entry in placed)
        except (OSError, ValueError):
            return False

    def in_order(self, order, header):
        """Whether the files already hold exactly `order`'s blocks, in that order, under `header`."""
        if not self.trusted or self.index.header != header:
            return False
        entries = self.index.entries
        for table in TABLES:
            position = len(header_bytes(header[table]))
            for run_id in order:
                at = entries[run_id].at
                if not at or at[table][0] != position:
                    return False
                position = at[table][1]
            if position != self.size(table):
                return False
        return True

    def size(self, table):
        try:
            return self.path(table).stat().st_size
        except FileNotFoundError:
            return -1

    def settle(self, order, header):
        """Make the tables hold the runs of `order`, in that order, under `header`; cheap when they do.

        Blocks already rendered under the same header are copied byte for byte; the others are
        rendered from their shards. Returns whether anything was rewritten.
        """
        if self.in_order(order, header):
            return False
        self.close()
        keep = self.trusted and self.index.header == header
        new_at = {run_id: {} for run_id in order}
        try:
            for table in TABLES:
                self.write_table(table, order, header[table], keep, new_at)
        except BaseException:
            self.verify()  # a table may have been replaced already: trust offsets only if they still hold
            raise
        for entry in self.index.entries.values():
            entry.at = new_at.get(entry.run_id)
        self.trusted = True
        self.index.rewrite(header)
        return True

    def write_table(self, table, order, header, keep, new_at):
        """Write one table in `order`: copied blocks where possible, rendered blocks otherwise."""
        old = open(self.path(table), "rb") if keep and self.size(table) > 0 else None
        data = mmap.mmap(old.fileno(), 0, access=mmap.ACCESS_READ) if old else None

        def write(handle):
            position = handle.write(header_bytes(header))
            for run_id in order:
                at = self.index.entries[run_id].at
                if data is not None and at:
                    block = data[at[table][0]:at[table][1]]
                else:
                    block = render(records(self.read_shard(run_id))[table], header)
                new_at[run_id][table] = [position, position + len(block)]
                position += handle.write(block)

        try:
            write_atomic(self.path(table), write, binary=True)
        finally:
            if data is not None:
                data.close()
                old.close()

    def append(self, run_id, rows):
        """Add one run's blocks at the end; False when its columns need a new header (then settle).

        Each block is written with unbuffered writes and, when one fails (a full disk), both tables
        are cut back to where they ended by file descriptor: nothing is left pending in a buffer
        that a later flush could add, so the tables hold only whole runs whatever fails when.
        """
        header = self.index.header
        if not self.trusted or any(set(columns_of(rows[t])) - set(header[t]) for t in TABLES):
            return False
        blocks = {table: render(rows[table], header[table]) for table in TABLES}  # before writing anything
        at = {}
        for table in TABLES:
            try:
                start = os.lseek(self.descriptor(table), 0, os.SEEK_END)
                at[table] = [start, start + len(blocks[table])]
                write_fully(self.descriptor(table), blocks[table])
            except OSError as exc:
                self.take_back(at)
                raise WriteError(self.path(table), exc) from None
        self.index.entries[run_id].at = at
        return True

    def take_back(self, at):
        """Cut each table back to its length before a failed append; if even that fails, distrust the
        offsets, so that the next append rewrites the tables whole instead of adding after a torn block."""
        for table, (start, _) in at.items():
            try:
                os.ftruncate(self.descriptor(table), start)
            except OSError:
                self.trusted = False

    def descriptor(self, table):
        if table not in self.descriptors:
            self.descriptors[table] = os.open(self.path(table), os.O_RDWR)
        return self.descriptors[table]

    def close(self):
        for descriptor in self.descriptors.values():
            os.close(descriptor)
        self.descriptors = {}
        self.index.close()


def write_fully(descriptor, data):
    """Write all of `data` with os.write (unbuffered), which may write less than it is given."""
    view = memoryview(data)
    while view:
        view = view[os_write(descriptor, view):]


def block_ok(data, run_id, start, end):
    """A block starts a line with its run id and ends a line."""
    key = run_id.encode()
    return (0 < start < end <= len(data) and data[start - 1:start] == b"\n"
            and data[start:start + len(key)] == key and data[end - 1:end] == b"\n")
