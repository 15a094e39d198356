"""What the accepted records of a dataset hold (tokens, their distributions, messages per record,
duplicates, samples), tallied a chunk at a time from what the checks counted."""

from __future__ import annotations

from collections import Counter
from operator import add, itemgetter
from typing import Any

try:
    from services.datasets import _scan  # compiled by build_scan.py (make does it)
except ImportError:  # not compiled: the Python fast path alone, slower, with the same answers
    _scan = None  # type: ignore[assignment]

from services.datasets.report import (
    MAX_HASHED,
    NEAR_LIMIT,
    DatasetStats,
    Distribution,
    sample_turns,
)
from services.datasets.specs import Family


class Tally:
    """What the accepted records hold: tokens, distributions, messages, duplicates, samples. Fed a
    chunk at a time with what the checks counted of each record, so the work per record stays in C."""

    def __init__(self, family: Family) -> None:
        huge = 1 << 62
        self.limit = family.max_tokens_per_record
        self.limits = (self.limit or huge, family.max_input_tokens or huge, family.max_output_tokens or huge)
        self.label = family.label
        self.ins: Counter[int] = Counter()
        self.outs: Counter[int] = Counter()
        self.totals: Counter[int] = Counter()
        self.turns: Counter[int] = Counter()
        self.tokens = 0
        self.seen: set[int] = set()
        self.hashed = 0
        self.duplicates = 0
        self.samples: list[bytes] = []

    def over(self, counted: Any) -> str | None:
        """Why a record holds more tokens than the family takes, or None."""
        t_in, t_out = counted[0], counted[1]
        total = t_in + t_out
        limit_total, limit_in, limit_out = self.limits
        if total > limit_total:
            return f"~{total:,} tokens; {self.label} takes at most {limit_total:,} per record"
        if t_in > limit_in:
            return f"input has ~{t_in:,} tokens; {self.label} takes at most {limit_in:,}"
        if t_out > limit_out:
            return f"output has ~{t_out:,} tokens; {self.label} takes at most {limit_out:,}"
        return None

    def add(self, kept: list[Any]) -> None:
        """Records within the limits: (input tokens, output tokens, …, messages); tallied in C."""
        ins = list(map(itemgetter(0), kept))
        outs = list(map(itemgetter(1), kept))
        totals = list(map(add, ins, outs))
        self.tokens += sum(totals)
        self.ins.update(ins)
        self.outs.update(outs)
        self.totals.update(totals)
        self.turns.update(map(itemgetter(-1), kept))

    def add_columns(self, ins: list[int], outs: list[int], totals: list[int], turns: list[int]) -> None:
        """The compiled scan's records (services/datasets/_scan.c): their counts in columns, tallied in C."""
        self.tokens += sum(totals)
        self.ins.update(ins)
        self.outs.update(outs)
        self.totals.update(totals)
        self.turns.update(turns)

    def within(self, kept: list[Any]) -> bool:
        if not kept:
            return True
        limit_total, limit_in, limit_out = self.limits
        most_in = max(map(itemgetter(0), kept))
        most_out = max(map(itemgetter(1), kept))
        totals_ok = (
            most_in + most_out <= limit_total
            or max(map(add, map(itemgetter(0), kept), map(itemgetter(1), kept))) <= limit_total
        )
        return bool(totals_ok and most_in <= limit_in and most_out <= limit_out)

    def lines(self, lines: list[bytes], chunk: bytes) -> None:
        """Duplicate lines among the first MAX_HASHED (hashed in C; memory stays bounded)."""
        if self.hashed >= MAX_HASHED:
            return
        lines = lines[: MAX_HASHED - self.hashed]
        if b"\n\n" in chunk or chunk.startswith(b"\n"):  # blank lines are no duplicates (they are reported)
            lines = [line for line in lines if line.strip()]
        before = len(self.seen)
        self.seen.update(map(hash, lines))
        self.hashed += len(lines)
        self.duplicates += len(lines) - (len(self.seen) - before)

    @property
    def max_tokens(self) -> int:
        return max(self.totals, default=0)

    def stats(self, over_limit: int) -> DatasetStats:
        near = int(self.limit * NEAR_LIMIT) if self.limit else None
        return DatasetStats(
            input_tokens=Distribution.of(self.ins),
            output_tokens=Distribution.of(self.outs),
            turns=dict(sorted(self.turns.items())),
            token_limit=self.limit,
            near_limit=sum(n for total, n in self.totals.items() if near is not None and total >= near),
            over_limit=over_limit,
            duplicates=self.duplicates,
            duplicates_checked=self.hashed,
            samples=tuple(t for t in (sample_turns(raw) for raw in self.samples) if t),
        )
