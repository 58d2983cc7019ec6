"""The request boundary: the one place where a request's unit of work is committed or rolled back.

A view parses the request, calls services and returns; services add and flush. When the view has
returned, the boundary commits once. It rolls back instead when the answer refuses: a service's
refusal shown with portal.core.web.refuse(), or any status of 400 and above. A view that raises
(abort, a bug, a lost database) rolls back too. Nothing else in a request commits.
"""

import sqlalchemy as sa
from flask import Flask, g


def roll_back_request() -> None:
    """Roll the request's transaction back, keeping the signed-in person as they were loaded (unless
    this transaction changed them). The error page that follows shows who they are, in their
    language, and must not need the database for it: the database may be what failed."""
    from portal.extensions import db

    session = db.session
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    keep = state is not None and state.persistent and not state.modified and not state.expired_attributes
    # what was loaded with them (their mission) is kept as loaded too
    kept = [user, *_loaded_with(user, state)] if keep else []
    for instance in kept:
        session.expunge(instance)
    session.rollback()
    for instance in kept:
        session.add(instance)


def _loaded_with(user, state) -> list:
    found = []
    for relationship in state.mapper.relationships:
        related = state.dict.get(relationship.key)
        related_state = sa.inspect(related, raiseerr=False) if related is not None and not relationship.uselist else None
        if related_state is not None and related_state.persistent and not related_state.modified:
            found.append(related)
    return found


class Portal(Flask):
    """Flask, with the unit of work settled around every view."""

    def dispatch_request(self):
        from portal.extensions import db

        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            roll_back_request()
            raise
        if g.get("refused") or response.status_code >= 400:
            roll_back_request()
        else:
            db.session.commit()
        return response
