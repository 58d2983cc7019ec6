"""The request boundary: the one place where a request's unit of work is committed or rolled back.

A view parses the request, calls services and returns; services add and flush. When the view has
returned, the boundary commits once. It rolls back instead when the answer refuses: a service's
refusal shown with portal.core.web.refuse(), or any status of 400 and above. A view that raises
(abort, a bug, a lost database) rolls back too. Nothing else in a request commits.
"""

from flask import Flask, g


class Portal(Flask):
    """Flask, with the unit of work settled around every view."""

    def dispatch_request(self):
        from portal.extensions import db

        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            db.session.rollback()
            raise
        if g.get("refused") or response.status_code >= 400:
            db.session.rollback()
        else:
            db.session.commit()
        return response
