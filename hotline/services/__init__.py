"""Intake writes: each channel's service turns what arrived into a case through ``cases.services``."""
