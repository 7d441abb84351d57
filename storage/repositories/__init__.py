"""Repositories: the dialogs' ports implemented on one AsyncSession (a unit of work)."""
