"""Figures as the dashboard, its spreadsheets and its charts all show them: tables of cells, with
suppression already applied, and bar charts drawn from the same numbers."""

from dataclasses import dataclass, field

from portal.core.i18n import _, format_decimal
from portal.stats.disclosure import SMALLEST_SHOWN, hidden_cells, too_few


@dataclass(frozen=True)
class Cell:
    text: str
    #: the figure for a spreadsheet (None: text only, or hidden)
    number: float | int | None = None
    hidden: bool = False
    #: a row's heading (a mission, a month, a service)
    heading: bool = False


def heading(text) -> Cell:
    return Cell(str(text), heading=True)


def fewer_text() -> str:
    return _("fewer than %(count)d", count=SMALLEST_SHOWN)


def hidden() -> Cell:
    return Cell(fewer_text(), hidden=True)


def count_cell(n: int) -> Cell:
    return Cell(format_decimal(n), n)


def share_cell(part: int, whole: int, *, of_people: bool = True) -> Cell:
    """A share in per cent, or a dash when there is nothing to share. A share of people's cases or
    answers is hidden when too few to show without singling anyone out (not so a share of missions)."""
    if not whole:
        return Cell("–")
    if of_people and too_few(whole):
        return hidden()
    value = 100 * part / whole
    return Cell(f"{value:.0f} %", round(value, 1))


def value_cell(value: float | None, n: int, unit: str = "") -> Cell:
    """A median or percentile of n cases."""
    if value is None or not n:
        return Cell("–")
    if too_few(n):
        return hidden()
    return Cell(f"{format_decimal(value)}{unit}", value)


@dataclass
class Table:
    key: str
    title: str
    head: list[str]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    note: str = ""

    def suppress(self, count_columns: list[int], worked_out: dict[int, list[int]] | None = None) -> "Table":
        """Hide small counts in the given columns, and the cells that would give them away by
        subtraction from the total row. A hidden count hides the figures worked out from it too
        (worked_out: count column → the columns computed from it)."""
        columns = [[row[c].number if not row[c].hidden else None for row in self.rows] for c in count_columns]
        for column_index, row_index in hidden_cells(columns, with_total=self.total is not None):
            self.rows[row_index][count_columns[column_index]] = hidden()
        if self.total is not None:
            for c in count_columns:
                if too_few(self.total[c].number):
                    self.total[c] = hidden()
        for row in [*self.rows, *([self.total] if self.total else [])]:
            for count_column, derived in (worked_out or {}).items():
                if row[count_column].hidden:
                    for index in derived:
                        if row[index].number is not None:
                            row[index] = hidden()
        return self

    def as_rows(self, *, plain: bool = False) -> list[list]:
        """Head, rows and total as values for a spreadsheet: numbers as numbers (as plain text when
        `plain`, for CSV: 67 rather than 67.0), every other cell as shown."""
        body = [*self.rows, *([self.total] if self.total else [])]

        def value(cell: Cell):
            if cell.number is None:
                return cell.text
            return f"{cell.number:g}" if plain else cell.number

        return [self.head, *([value(cell) for cell in row] for row in body)]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str

    @property
    def width(self) -> float:
        return self.value


@dataclass
class Chart:
    """A horizontal bar chart in per cent of its scale, drawn as SVG by the chart macro."""

    key: str
    title: str
    summary: str
    bars: list[Bar]
    scale: float = 100.0
    target: float | None = None
    target_text: str = ""
    unit: str = ""
    extra: dict = field(default_factory=dict)

    def share(self, value: float) -> float:
        """Where a value falls on the drawing, in per cent of its width."""
        return max(0.0, min(100.0, 100 * value / self.scale)) if self.scale else 0.0
