"""The consular officers' work queue over every kind of case."""
