"""Caseload weighting: councils' points schemes as data, scored exactly, every point explained."""
