"""Files people expect: calendar invitations, record PDFs, case-record exports, figures, charts."""
