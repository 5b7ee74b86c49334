"""The folder's index, results/<name>/.index.jsonl: which shards were checked, and where each run's
rows sit in runs.csv and epochs.csv.

It only saves work: a shard whose size and modification time match its entry is not read again, and
a run whose rows are in the tables is not rendered again. Lines are appended as runs finish; a line
cut short by a kill ends the index there. Deleting the file costs one slower start, nothing else.

Lines: {"header": {table: columns}} first (the tables' header when the offsets were written), then
{"sig": k, "columns": {table: columns}} (a run's column lists, numbered once), and one
{"id", "stamp", "status", "threads", "sig", "at": {table: [start, end]} or null} per shard; a later
entry of an id replaces an earlier one.
"""

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from results_io import WriteError, write_atomic
from study.store.tables import write_fully

INDEX_FILE = ".index.jsonl"


@dataclass
class Entry:
    run_id: str
    stamp: list  # [size, mtime_ns] of the shard file when it was checked
    status: str
    threads: object  # the BLAS threads the run used, None when not recorded
    sig: int  # its column lists, in Index.signatures
    at: dict = None  # table -> [start, end) byte offsets of its rows, None when not in the tables

    def line(self):
        return {"id": self.run_id, "stamp": self.stamp, "status": self.status, "threads": self.threads,
                "sig": self.sig, "at": self.at}


class Index:
    """The index in memory; `append` and `rewrite` keep the file in step."""

    def __init__(self, folder):
        self.path = Path(folder) / INDEX_FILE
        self.header = None  # table -> columns of the tables the offsets refer to
        self.signatures = []  # k -> {table: columns}
        self.sig_of = {}  # frozen column lists -> k
        self.entries = {}  # run_id -> Entry
        self.descriptor = None  # open for appends

    def load(self):
        """Read the file; a missing, foreign or cut-short file leaves what was read before the damage."""
        try:
            text = self.path.read_text()
        except (OSError, UnicodeDecodeError):
            return self
        for number, line in enumerate(text.split("\n")):
            try:
                item = json.loads(line)
                self.read_line(item, first=number == 0)
            except (ValueError, KeyError, TypeError, IndexError):
                break  # a torn last line, or damage: everything after it is checked afresh
        return self

    def read_line(self, item, first):
        if first:
            self.header = {table: list(columns) for table, columns in item["header"].items()}
        elif "sig" in item and "columns" in item:
            self.add_signature(item["columns"], expected=item["sig"])
        else:
            entry = Entry(item["id"], list(item["stamp"]), item["status"], item["threads"], item["sig"], item["at"])
            self.signatures[entry.sig]  # an entry must refer to a known signature
            self.entries[entry.run_id] = entry

    def add_signature(self, columns, expected=None):
        """The number of these column lists, registered when new; returns (k, whether new)."""
        key = tuple((table, tuple(cols)) for table, cols in sorted(columns.items()))
        if key in self.sig_of:
            return self.sig_of[key], False
        if expected is not None and expected != len(self.signatures):
            raise ValueError("signature numbers out of order")
        self.sig_of[key] = len(self.signatures)
        self.signatures.append({table: list(cols) for table, cols in columns.items()})
        return self.sig_of[key], True

    def columns(self, run_id):
        return self.signatures[self.entries[run_id].sig]

    def append(self, entry, new_signature=False):
        """Record one entry (and its signature when new) at the end of the file; a failed write is cut back."""
        self.entries[entry.run_id] = entry
        lines = [{"sig": entry.sig, "columns": self.signatures[entry.sig]}] if new_signature else []
        data = "".join(json.dumps(item) + "\n" for item in [*lines, entry.line()]).encode()
        try:
            if self.descriptor is None:
                self.descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o666)
            start = os.lseek(self.descriptor, 0, os.SEEK_END)
            try:
                write_fully(self.descriptor, data)
            except OSError:
                with contextlib.suppress(OSError):  # a torn line would only end the index early
                    os.ftruncate(self.descriptor, start)
                raise
        except OSError as exc:
            raise WriteError(self.path, exc) from None

    def rewrite(self, header):
        """Replace the file with the current entries, their offsets into tables headed `header`."""
        self.close()
        self.header = header
        used = sorted({entry.sig for entry in self.entries.values()})
        lines = [{"header": header}] + [{"sig": k, "columns": self.signatures[k]} for k in used]
        if used != list(range(len(self.signatures))):  # renumber, so numbers stay in file order
            renumber = {old: new for new, old in enumerate(used)}
            self.signatures = [self.signatures[k] for k in used]
            self.sig_of = {key: renumber[k] for key, k in self.sig_of.items() if k in renumber}
            for entry in self.entries.values():
                entry.sig = renumber[entry.sig]
            lines = [{"header": header}] + [{"sig": k, "columns": cols} for k, cols in enumerate(self.signatures)]
        lines += [entry.line() for entry in self.entries.values()]
        write_atomic(self.path, lambda handle: handle.writelines(json.dumps(item) + "\n" for item in lines))

    def close(self):
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
