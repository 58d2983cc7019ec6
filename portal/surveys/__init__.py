"""Satisfaction surveys (辦理民眾滿意度問卷調查): every completed service invites its citizen once,
with a one-time link; answers cannot be traced back to them; results feed the KPIs."""

from portal.surveys import service  # noqa: F401  (registers the invitation on every completing move)
