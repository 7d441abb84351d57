"""Supervision policy: council policy packs, due dates, compliance figures and digests as values."""
