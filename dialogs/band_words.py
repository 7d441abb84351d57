"""A caseload band's label in the reader's language (issue 28).

The band's own name is the weighting scheme's, shown as the scheme writes it (docs/welsh.md);
the proration scoring.bands adds for a part-time worker (", pro rata for 0.6 FTE", DCC 000:450)
is the product's, so it is put into the reader's language here.
"""

from __future__ import annotations

import re

from dialogs.i18n import ENGLISH, _, language

_PRO_RATA = re.compile(r"(?P<band>.*), pro rata for (?P<fte>\d+(?:\.\d+)?) FTE")


def band_words(label: str) -> str:
    """ "above the optimum bandwidth (210-240), pro rata for 0.6 FTE" with its proration in the
    reader's language."""
    found = _PRO_RATA.fullmatch(label)
    if found is None or language() == ENGLISH:
        return label
    return found["band"] + _(", pro rata for {fte} FTE").format(fte=found["fte"])
