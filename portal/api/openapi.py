"""The OpenAPI 3.1 description of /api/v1, written as data."""

LEVELS = ["grey", "yellow", "orange", "red"]
INDICATORS = ["crime", "terrorism", "civil_unrest", "health", "natural_disaster", "time_limited_event",
              "kidnapping", "wrongful_detention", "prc_treaty"]

TREATMENTS = ["exempt", "landing", "evisa", "visa"]
PURPOSES = ["tourism", "business", "family", "study", "work"]

_SUMMARY_FIELDS = {
    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
    "name": {"$ref": "#/components/schemas/Text"},
    "level": {"enum": LEVELS},
    "level_number": {"type": "integer", "minimum": 1, "maximum": 4},
    "cap_severity": {"enum": ["Minor", "Moderate", "Severe", "Extreme"]},
    "indicators": {"type": "array", "items": {"enum": INDICATORS}},
    "regions": {"type": "array", "items": {"$ref": "#/components/schemas/Region"}},
    "updated_at": {"type": ["string", "null"], "format": "date-time"},
    "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
    "url": {"type": "string", "format": "uri"},
}
_DETAIL_FIELDS = {
    "summary": {"$ref": "#/components/schemas/Text"},
    "latest_update": {"$ref": "#/components/schemas/Text"},
    "version": {"type": "integer"},
    "sections": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Text"}},
}

_text = {"type": "object", "required": ["zh", "en"], "additionalProperties": False,
         "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}
_time = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS = {
    "Text": _text,
    "Region": {"type": "object", "required": ["name", "level"], "additionalProperties": False,
               "properties": {"name": {"$ref": "#/components/schemas/Text"}, "level": {"enum": LEVELS}}},
    "AdvisorySummary": {"type": "object", "additionalProperties": False, "required": list(_SUMMARY_FIELDS),
                        "properties": _SUMMARY_FIELDS},
    "Advisory": {"type": "object", "additionalProperties": False,
                 "required": [*_SUMMARY_FIELDS, *_DETAIL_FIELDS],
                 "properties": {**_SUMMARY_FIELDS, **_DETAIL_FIELDS}},
    "HistoryEntry": {
        "type": "object", "additionalProperties": False,
        "required": ["version", "level", "update_type", "published_at", "change_note"],
        "properties": {"version": {"type": "integer"}, "level": {"enum": LEVELS},
                       "update_type": {"enum": ["major", "minor"]}, "published_at": _time,
                       "change_note": {"$ref": "#/components/schemas/Text"}}},
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "WhitePaperSummary": {
        "type": "object", "additionalProperties": False, "required": ["roc_year", "year", "published_at", "url", "page"],
        "properties": {"roc_year": {"type": "integer"}, "year": {"type": "integer"}, "published_at": _time,
                       "url": {"type": "string", "format": "uri"}, "page": {"type": "string", "format": "uri"}}},
    "FigureCell": {
        "type": "object", "additionalProperties": False, "required": ["text", "value", "suppressed"],
        "description": "A figure as shown, its number (null when text only or suppressed), and whether it is "
                       "suppressed: fewer than 5, or one that would reveal such a figure by subtraction.",
        "properties": {"text": {"type": "string"}, "value": {"type": ["number", "null"]},
                       "suppressed": {"type": "boolean"}}},
    "FigureRow": {
        "type": "object", "additionalProperties": False, "required": ["heading", "cells"],
        "properties": {"heading": {"$ref": "#/components/schemas/Text"},
                       "cells": {"type": "array", "items": {"$ref": "#/components/schemas/FigureCell"}}}},
    "FigureTable": {
        "type": "object", "additionalProperties": False, "required": ["key", "title", "columns", "rows", "total"],
        "properties": {"key": {"type": "string"}, "title": {"$ref": "#/components/schemas/Text"},
                       "columns": {"type": "array", "items": {"$ref": "#/components/schemas/Text"}},
                       "rows": {"type": "array", "items": {"$ref": "#/components/schemas/FigureRow"}},
                       "total": {"oneOf": [{"$ref": "#/components/schemas/FigureRow"}, {"type": "null"}]}}},
    "Headline": {
        "type": "object", "additionalProperties": False,
        "required": ["title", "value", "text", "suppressed", "previous", "target", "met"],
        "properties": {"title": {"$ref": "#/components/schemas/Text"}, "value": {"type": ["number", "null"]},
                       "text": {"type": "string"}, "suppressed": {"type": "boolean"},
                       "previous": {"type": ["number", "null"]}, "target": {"type": ["number", "null"]},
                       "met": {"type": ["boolean", "null"]}}},
    "FigureSection": {
        "type": "object", "additionalProperties": False, "required": ["key", "title", "commentary", "headlines", "tables"],
        "properties": {"key": {"type": "string"}, "title": {"$ref": "#/components/schemas/Text"},
                       "commentary": {"$ref": "#/components/schemas/Text"},
                       "headlines": {"type": "array", "items": {"$ref": "#/components/schemas/Headline"}},
                       "tables": {"type": "array", "items": {"$ref": "#/components/schemas/FigureTable"}}}},
    "VisaRule": {
        "type": "object", "additionalProperties": False,
        "required": ["treatment", "stay_days", "conditions", "effective_from", "change_note"],
        "description": "One version of a rule. exempt: visa-free; landing: visa on arrival; evisa: eVisa or online "
                       "travel authorisation; visa: a visa from a mission before travel. stay_days is the longest "
                       "stay (null for a visa, whose stay is set when it is issued).",
        "properties": {"treatment": {"enum": TREATMENTS}, "stay_days": {"type": ["integer", "null"], "minimum": 1},
                       "conditions": {"$ref": "#/components/schemas/Text"},
                       "effective_from": {"type": "string", "format": "date"},
                       "change_note": {"$ref": "#/components/schemas/Text"}}},
    "VisaRequirementSummary": {
        "type": "object", "additionalProperties": False,
        "required": ["nationality", "name", "purpose", "rule", "url"],
        "properties": {"nationality": {"type": "string", "pattern": "^[A-Z]{2}$"},
                       "name": {"$ref": "#/components/schemas/Text"}, "purpose": {"enum": PURPOSES},
                       "rule": {"$ref": "#/components/schemas/VisaRule"}, "url": {"type": "string", "format": "uri"}}},
    "VisaRequirements": {
        "type": "object", "additionalProperties": False, "required": ["nationality", "name", "as_of", "purposes"],
        "properties": {
            "nationality": {"type": "string", "pattern": "^[A-Z]{2}$"}, "name": {"$ref": "#/components/schemas/Text"},
            "as_of": {"type": "string", "format": "date"},
            "purposes": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["purpose", "current", "upcoming", "history"],
                "properties": {"purpose": {"enum": PURPOSES},
                               "current": {"oneOf": [{"$ref": "#/components/schemas/VisaRule"}, {"type": "null"}]},
                               "upcoming": {"type": "array", "items": {"$ref": "#/components/schemas/VisaRule"}},
                               "history": {"type": "array", "items": {"$ref": "#/components/schemas/VisaRule"}}}}}}},
    "WhitePaper": {
        "type": "object", "additionalProperties": False,
        "required": ["roc_year", "year", "published_at", "introduction", "sections"],
        "properties": {"roc_year": {"type": "integer"}, "year": {"type": "integer"}, "published_at": _time,
                       "introduction": {"$ref": "#/components/schemas/Text"},
                       "sections": {"type": "array", "items": {"$ref": "#/components/schemas/FigureSection"}}}},
}


def document(server_url: str) -> dict:
    not_found = {"description": "No such country", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    code = {"name": "code", "in": "path", "required": True, "description": "ISO 3166-1 alpha-2 country code",
            "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"}}

    def ok(schema: dict, description: str) -> dict:
        return {"description": description, "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Consular Services Portal: travel advice, visa requirements and statistics",
                 "version": "1.1.0",
                 "description": "Published travel-safety levels and advice of the Ministry of Foreign Affairs, "
                                "Republic of China (Taiwan), the visa requirements for foreigners visiting Taiwan, "
                                "and the figures of its published citizen service white papers. Drafts and "
                                "unpublished changes are never included; published changes with a later date are "
                                "shown as upcoming."},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/advisories": {"get": {
                "operationId": "listAdvisories", "summary": "Every country's current level",
                "responses": {"200": ok({"type": "object", "required": ["advisories"], "properties": {
                    "advisories": {"type": "array", "items": {"$ref": "#/components/schemas/AdvisorySummary"}}}},
                    "Current advice for every country")}}},
            "/api/v1/advisories/{code}": {"get": {
                "operationId": "getAdvisory", "summary": "A country's current advice", "parameters": [code],
                "responses": {"200": ok({"$ref": "#/components/schemas/Advisory"}, "The current advice"),
                              "404": not_found}}},
            "/api/v1/advisories/{code}/history": {"get": {
                "operationId": "getAdvisoryHistory", "summary": "A country's published changes, newest first",
                "parameters": [code],
                "responses": {"200": ok({"type": "object", "required": ["country", "history"], "properties": {
                    "country": {"type": "string"},
                    "history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}}}},
                    "The change history"), "404": not_found}}},
            "/api/v1/visa-requirements": {"get": {
                "operationId": "listVisaRequirements",
                "summary": "What foreigners of every nationality need to visit Taiwan, as of today (Taipei)",
                "parameters": [{"name": "purpose", "in": "query", "required": False,
                                "description": "Only this purpose", "schema": {"enum": PURPOSES}}],
                "responses": {"200": ok({"type": "object", "required": ["as_of", "requirements"], "properties": {
                    "as_of": {"type": "string", "format": "date"},
                    "requirements": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/VisaRequirementSummary"}}}},
                    "The rule in force for every nationality and purpose"),
                    "400": {"description": "Not a purpose", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/api/v1/visa-requirements/{nationality}": {"get": {
                "operationId": "getVisaRequirements",
                "summary": "One nationality's rules for every purpose: in force, scheduled, and earlier",
                "parameters": [{**code, "name": "nationality"}],
                "responses": {"200": ok({"$ref": "#/components/schemas/VisaRequirements"}, "The rules"),
                              "404": not_found}}},
            "/api/v1/statistics": {"get": {
                "operationId": "listWhitePapers", "summary": "The years whose citizen service white paper is published",
                "responses": {"200": ok({"type": "object", "required": ["white_papers"], "properties": {
                    "white_papers": {"type": "array", "items": {"$ref": "#/components/schemas/WhitePaperSummary"}}}},
                    "The published white papers, newest first")}}},
            "/api/v1/statistics/{roc_year}": {"get": {
                "operationId": "getWhitePaper", "summary": "A published white paper's figures and commentary",
                "parameters": [{"name": "roc_year", "in": "path", "required": True,
                                "description": "The year in the ROC calendar (Gregorian year − 1911)",
                                "schema": {"type": "integer"}}],
                "responses": {"200": ok({"$ref": "#/components/schemas/WhitePaper"}, "The white paper"),
                              "404": {"description": "No white paper is published for that year", "content": {
                                  "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
