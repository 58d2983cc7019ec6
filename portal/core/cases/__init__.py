"""Cases: one table for every kind of request, each kind's workflow declared as data."""
