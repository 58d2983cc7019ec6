"""Account administration for administrators."""
