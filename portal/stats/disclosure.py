"""Statistical disclosure control: no published figure may single a person out.

A count of 1 to 4 is not shown (primary suppression), nor any share, median or percentile worked out
from fewer than SMALLEST_SHOWN cases. Where a table shows a total, one hidden cell in a column
could be worked out by subtracting the others from it, so the next smallest cell of that column is
hidden too (secondary suppression), until every column hides two cells or more that add up to at
least SMALLEST_SHOWN (or hides nothing).
"""

SMALLEST_SHOWN = 5


def too_few(n: float | int | None) -> bool:
    return n is not None and 0 < n < SMALLEST_SHOWN


def hidden_cells(columns: list[list[float | int | None]], *, with_total: bool) -> set[tuple[int, int]]:
    """(column, row) of each count to hide in a table given column by column. None is no figure."""
    hidden = {(c, r) for c, column in enumerate(columns) for r, n in enumerate(column) if too_few(n)}
    if not with_total:
        return hidden
    changed = True
    while changed:
        changed = False
        for c, column in enumerate(columns):
            mine = [column[r] or 0 for r in range(len(column)) if (c, r) in hidden]
            if not mine or (len(mine) > 1 and sum(mine) >= SMALLEST_SHOWN):
                continue
            shown = [(n, r) for r, n in enumerate(column) if (c, r) not in hidden and n]
            if shown:
                hidden.add((c, min(shown)[1]))
                changed = True
    return hidden
