"""Keyset paging cursors: the sort key of a page's last row, opaque in a link.

A cursor comes back from the address bar, so anything may arrive: a damaged, forged or huge cursor
reads as no cursor (the first page), never as an error.
"""

import base64
import math
from datetime import UTC, datetime

#: longer than any cursor we make
MAX_LENGTH = 200
#: ids and priorities fit PostgreSQL's integer
MAX_INT = 2**31 - 1
INT, MOMENT = "int", "moment"


def encode_cursor(*values) -> str:
    """Ints and aware datetimes, in sort-key order."""
    parts = [repr(v.timestamp()) if isinstance(v, datetime) else str(int(v)) for v in values]
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *kinds: str) -> tuple | None:
    """The values of a cursor made by encode_cursor with these kinds (INT, MOMENT), or None."""
    if not cursor or len(cursor) > MAX_LENGTH:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii").split("|")
    except (ValueError, UnicodeDecodeError):
        return None
    if len(parts) != len(kinds):
        return None
    values: list = []
    for kind, part in zip(kinds, parts, strict=True):
        try:
            if kind == INT:
                number = int(part)
                if not part.lstrip("-").isascii() or abs(number) > MAX_INT:
                    return None
                values.append(number)
            else:
                moment = float(part)
                if not math.isfinite(moment):
                    return None
                values.append(datetime.fromtimestamp(moment, tz=UTC))
        except (ValueError, OverflowError, OSError):
            return None
    return tuple(values)
