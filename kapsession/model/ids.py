"""Session ids as people see them: a short prefix, long enough to name one session only."""

from __future__ import annotations

from collections.abc import Iterable
from os.path import commonprefix

#: Ids are shown (and put in export file names) by at least this many characters.
SHORT_ID_MIN = 8


def short_ids(ids: Iterable[str], min_len: int = SHORT_ID_MIN) -> dict[str, str]:
    """Each id → its first ``min_len`` characters, or more where another of ``ids`` shares
    them: then the shortest prefix that no other id starts with (ids are unique)."""
    by_prefix: dict[str, list[str]] = {}
    for sid in ids:
        by_prefix.setdefault(sid[:min_len], []).append(sid)
    out = {}
    for prefix, group in by_prefix.items():
        if len(group) == 1:
            out[group[0]] = prefix
            continue
        # Sorted, an id shares its longest prefix with one of its neighbours.
        group = sorted(set(group))
        need = [min_len] * len(group)
        for i in range(1, len(group)):
            n = len(commonprefix((group[i - 1], group[i]))) + 1
            need[i - 1] = max(need[i - 1], n)
            need[i] = max(need[i], n)
        out.update((sid, sid[:n]) for sid, n in zip(group, need, strict=True))
    return out
