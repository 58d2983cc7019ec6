"""Enumerations whose members carry their own translated title."""

from enum import StrEnum


class TitledEnum(StrEnum):
    """A StrEnum whose members are written `NAME = "value", _l("Title")`: the value is stored, the
    title (a lazy translated string) is what people read."""

    _title: object

    def __new__(cls, value: str, title=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._title = title if title is not None else value
        return member

    @property
    def title(self):
        return self._title
