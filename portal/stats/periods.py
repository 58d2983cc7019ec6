"""Reporting periods in ROC years: a year, a quarter or a month, and the one before it."""

from dataclasses import dataclass
from datetime import date

from portal.core.i18n import _, is_chinese
from portal.core.workdays import month_key

ROC_OFFSET = 1911


def roc_year_of(day: date) -> int:
    return day.year - ROC_OFFSET


@dataclass(frozen=True)
class Period:
    roc_year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def year(self) -> int:
        return self.roc_year + ROC_OFFSET

    @property
    def month_numbers(self) -> list[int]:
        if self.month:
            return [self.month]
        if self.quarter:
            return list(range(3 * self.quarter - 2, 3 * self.quarter + 1))
        return list(range(1, 13))

    @property
    def months(self) -> list[str]:
        """YYYY-MM of each month in the period, oldest first."""
        return [month_key(date(self.year, number, 1)) for number in self.month_numbers]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month_numbers[0], 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        last = self.month_numbers[-1]
        return date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)

    @property
    def previous(self) -> "Period":
        """The period of the same length just before: last year, last quarter, last month."""
        if self.month:
            return Period(self.roc_year, month=self.month - 1) if self.month > 1 else Period(self.roc_year - 1, month=12)
        if self.quarter:
            return (Period(self.roc_year, quarter=self.quarter - 1) if self.quarter > 1
                    else Period(self.roc_year - 1, quarter=4))
        return Period(self.roc_year - 1)

    def includes(self, day: date) -> bool:
        return self.first_day <= day < self.end

    @property
    def title(self) -> str:
        chinese = is_chinese()
        if self.month:
            return (f"民國{self.roc_year}年{self.month}月" if chinese
                    else _("%(month)s (ROC year %(roc)d)", month=date(self.year, self.month, 1).strftime("%B %Y"),
                           roc=self.roc_year))
        if self.quarter:
            return (f"民國{self.roc_year}年第{self.quarter}季" if chinese
                    else _("Quarter %(quarter)d of %(year)d (ROC year %(roc)d)", quarter=self.quarter,
                           year=self.year, roc=self.roc_year))
        return f"民國{self.roc_year}年" if chinese else _("%(year)d (ROC year %(roc)d)", year=self.year,
                                                          roc=self.roc_year)
