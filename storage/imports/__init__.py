"""CSV imports of staff, cases and absences from a council's HR and case management exports."""

from storage.imports.base import ImportError_, ImportReport, RowError
from storage.imports.runner import import_file

__all__ = ["ImportError_", "ImportReport", "RowError", "import_file"]
