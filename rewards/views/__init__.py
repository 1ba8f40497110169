"""Web pages of rewards: the reporter's claim (public) and the bureau's reward pages (staff)."""
