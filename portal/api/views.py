"""JSON API v1: published travel advice, visa requirements, and the figures of published white papers."""

import json

from flask import Blueprint, current_app, jsonify, make_response, request, url_for

from portal.advisories import queries
from portal.advisories.levels import SECTIONS
from portal.advisories.public_cache import public_response
from portal.api.openapi import document
from portal.core import policy
from portal.core.web import public_cacheable
from portal.extensions import db
from portal.missions.models import Country
from portal.missions.service import country_by_code
from portal.core.workdays import taipei_today
from portal.stats import white_paper
from portal.visas import requirements
from portal.visas.models import Direction, Purpose

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(moment):
    return moment.isoformat() if moment else None


def _text(edition, key):
    return {"zh": edition.text(True, key), "en": edition.text(False, key)}


def summary(country: Country, edition) -> dict:
    return {
        "country": country.code, "name": {"zh": country.name_zh, "en": country.name_en},
        "level": edition.level.value, "level_number": edition.level.number,
        "cap_severity": edition.highest_level.cap_severity, "indicators": list(edition.indicators),
        "regions": [{"name": {"zh": r.name_zh, "en": r.name_en}, "level": r.level.value} for r in edition.regions],
        "updated_at": _iso(edition.public_updated_at), "reviewed_at": _iso(edition.reviewed_at),
        "url": current_app.config["BASE_URL"] + url_for("advisories.country", code=country.code),
    }


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _country_and_edition(code: str):
    country = country_by_code(db.session, code)
    edition = queries.current_edition(db.session, country.code) if country else None
    return country, edition


@bp.route("/advisories")
@policy.public
def advisories():
    def render():
        editions = queries.current_editions(db.session)
        countries = sorted(queries.countries(db.session), key=lambda c: c.code)
        return _json({"advisories": [summary(c, editions[c.code]) for c in countries if c.code in editions]})

    return public_response(db.session, render, mimetype="application/json")


class NoAdvice(Exception):
    pass


@bp.errorhandler(NoAdvice)
def no_advice(error):
    return jsonify(error="No published advice for that country code."), 404


def _published(code: str):
    country, edition = _country_and_edition(code)
    if edition is None:
        raise NoAdvice()
    return country, edition


@bp.route("/advisories/<code>")
@policy.public
def advisory(code):
    def render():
        country, edition = _published(code)
        return _json({**summary(country, edition), "version": edition.version, "summary": _text(edition, "summary"),
                      "latest_update": {"zh": edition.change_note_zh, "en": edition.change_note_en},
                      "sections": {key: _text(edition, key) for key in SECTIONS}})

    return public_response(db.session, render, mimetype="application/json")


@bp.route("/advisories/<code>/history")
@policy.public
def history(code):
    def render():
        country, _edition = _published(code)
        return _json({"country": country.code, "history": [
            {"version": e.version, "level": e.level.value, "update_type": e.update_type.value,
             "published_at": _iso(e.published_at), "change_note": {"zh": e.change_note_zh, "en": e.change_note_en}}
            for e in queries.published_history(db.session, country.code)]})

    return public_response(db.session, render, mimetype="application/json")


def visa_rule(rule) -> dict:
    return {"treatment": rule.treatment.value, "stay_days": rule.stay_days,
            "conditions": {"zh": rule.conditions_zh, "en": rule.conditions_en},
            "effective_from": rule.effective_from.isoformat(),
            "change_note": {"zh": rule.change_note_zh, "en": rule.change_note_en}}


@bp.route("/visa-requirements")
@policy.public
def visa_requirements():
    """The rule in force today for every nationality and purpose (or one purpose)."""
    wanted = request.args.get("purpose")
    if wanted is not None and wanted not in {p.value for p in Purpose}:
        return jsonify(error="purpose must be one of: " + ", ".join(p.value for p in Purpose)), 400

    def render():
        today = taipei_today()
        base = current_app.config["BASE_URL"]
        rules = requirements.current_rules(db.session, Direction.INBOUND, on=today,
                                           purpose=Purpose(wanted) if wanted else None)
        names = {c.code: c for c in queries.countries(db.session)}
        return _json({"as_of": today.isoformat(), "requirements": [
            {"nationality": code, "name": {"zh": names[code].name_zh, "en": names[code].name_en},
             "purpose": purpose.value, "rule": visa_rule(rule),
             "url": base + url_for("visas.nationality", code=code)}
            for (code, purpose), rule in sorted(rules.items(), key=lambda item: (item[0][0], item[0][1].value))
            if code in names]})

    return public_response(db.session, render, mimetype="application/json")


@bp.route("/visa-requirements/<nationality>")
@policy.public
def visa_requirements_for(nationality):
    """One nationality's rules for every purpose: in force, scheduled and earlier."""
    country = country_by_code(db.session, nationality)
    if country is None or country.code == requirements.HOME:
        return jsonify(error="No visa requirements for that country code."), 404

    def render():
        today = taipei_today()
        found = requirements.requirements_for(db.session, Direction.INBOUND, country.code, on=today)
        return _json({"nationality": country.code, "name": {"zh": country.name_zh, "en": country.name_en},
                      "as_of": today.isoformat(), "purposes": [
                          {"purpose": purpose.value,
                           "current": visa_rule(found_rule.current) if found_rule.current else None,
                           "upcoming": [visa_rule(r) for r in found_rule.upcoming],
                           "history": [visa_rule(r) for r in found_rule.history]}
                          for purpose, found_rule in found.items()]})

    return public_response(db.session, render, mimetype="application/json")


@bp.route("/statistics")
@policy.public
def statistics():
    """The years whose citizen service white paper is published."""
    papers = white_paper.published_papers(db.session)
    base = current_app.config["BASE_URL"]
    response = make_response(_json({"white_papers": [
        {"roc_year": p.roc_year, "year": p.roc_year + 1911, "published_at": _iso(p.published_at),
         "url": base + url_for("api.statistics_year", roc_year=p.roc_year),
         "page": base + url_for("stats.white_paper_page", roc_year=p.roc_year)} for p in papers]}))
    response.mimetype = "application/json"
    return public_cacheable(response, max_age=300)


@bp.route("/statistics/<int:roc_year>")
@policy.public
def statistics_year(roc_year):
    """A published white paper's figures and commentary, in both languages."""
    paper = white_paper.paper_for(db.session, roc_year)
    if paper is None or not paper.is_published:
        return jsonify(error="No white paper is published for that year."), 404
    response = make_response(_json(white_paper.as_data(db.session, paper)))
    response.mimetype = "application/json"
    return public_cacheable(response, max_age=300)


@bp.route("/openapi.json")
@policy.public
def openapi():
    return jsonify(document(current_app.config["BASE_URL"]))
