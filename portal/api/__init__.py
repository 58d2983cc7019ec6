"""The public JSON API, version 1, described by an OpenAPI 3 document."""
