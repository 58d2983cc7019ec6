"""The one exception a service raises to refuse: a message in the reader's language, fit to show."""


class Refused(Exception):
    """A service said no. `message` is translated and fit to show as it is; `field` names the form
    field it concerns, or None for the form as a whole. The request that meets it saves nothing:
    views show it with portal.core.web.refuse(), and the request boundary rolls back."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field

    def __str__(self) -> str:
        return str(self.message)
