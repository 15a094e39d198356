"""services/datasets/_scan.c: the data check's compiled fast path (built by build_scan.py)."""

def scan(
    lines: list[bytes],
    spec: tuple[int, int, bool, int, int, int, str | None, tuple[bytes, ...], bool],
    colons: bool,
    skip: set[int] | None,
) -> tuple[list[int], list[int], list[int], list[int], int, int, int, int, list[int]]: ...
