"""Kept: a value read once per generation of its area, never older than the generation asked for."""

from __future__ import annotations

import threading
import time

from services.domain.generations import Kept


def test_a_value_is_loaded_once_per_generation_and_a_newer_one_serves_an_older_ask() -> None:
    loads: list[int] = []
    kept = Kept(lambda: loads.append(len(loads)) or len(loads))
    assert (kept.at(3), kept.at(3), kept.at(2)) == (1, 1, 1)  # read at 3: good for 3, and for a caller that read 2
    assert kept.at(4) == 2 and kept.at(4) == 2 and len(loads) == 2  # the generation moved: read again, once
    kept.forget()
    assert kept.at(4) == 3


def test_threads_asking_at_once_load_it_once() -> None:
    loads = []

    def slow() -> str:
        loads.append(1)
        time.sleep(0.05)
        return "value"

    kept = Kept(slow)
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(kept.at(7))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == ["value"] * 8 and len(loads) == 1
