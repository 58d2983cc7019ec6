"""Public pages: the home hub, privacy notice, language switch, health check, dev mailbox."""
