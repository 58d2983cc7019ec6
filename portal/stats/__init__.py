"""Usage statistics, the consular KPIs and their publications."""
