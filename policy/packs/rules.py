"""Building blocks of a policy pack: citations, provenance, and values that carry a source."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

# Scheme ids the scoring package ships (shared/reference/weighting_schemes.yaml); a typo must fail.
WEIGHTING_SCHEMES = frozenset(
    {"derbyshire_wms", "nottinghamshire_wlm", "swindon_cws", "rbwm_cws", "warrington_wms_2014"}
)
_CITATION = re.compile(r"^(?P<doc>[A-Za-z0-9_]+):(?P<lines>\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)$")

Basis = Literal["own", "default", "choice", "product"]
PeriodKind = Literal["calendar_month", "months", "weeks", "quarter"]
Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


def _check_citation(value: str, info: ValidationInfo) -> str:
    """`004:257`, `004:350,356`, `000:253-276`, joined by `; `; documents must be declared."""
    documents: dict[str, int] | None = (info.context or {}).get("documents")
    for part in value.split(";"):
        match = _CITATION.match(part.strip())
        if match is None:
            raise ValueError(
                f"{part.strip()!r} is not a citation; write <document>:<line>[-<line>][,<line>] "
                "such as 004:257 or 000:253-276"
            )
        if documents is None:
            continue
        doc = match["doc"]
        if doc not in documents:
            raise ValueError(f"cites document {doc!r}, which is not listed under `documents`")
        numbers = [int(n) for n in re.split(r"[-,]", match["lines"])]
        if max(numbers) > documents[doc] or min(numbers) < 1:
            raise ValueError(
                f"cites line {max(numbers)} but document {doc!r} has lines 1-{documents[doc]}"
            )
    return value


Citation = Annotated[str, AfterValidator(_check_citation)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Model):
    """A rule value and its origin: the council's own text, a borrowed default, or a choice."""

    source: Citation | None = None
    basis: Basis = "own"
    note: str | None = None

    @model_validator(mode="after")
    def _source_matches_basis(self, info: ValidationInfo) -> Self:
        if self.basis in ("own", "default") and self.source is None:
            raise ValueError(
                f"basis {self.basis!r} needs a `source` citation (or use basis: product)"
            )
        own_docs: frozenset[str] | None = (info.context or {}).get("own_documents")
        if self.basis == "own" and self.source and own_docs is not None:
            cited = {part.strip().split(":")[0] for part in self.source.split(";")}
            if not cited & own_docs:
                raise ValueError(
                    f"basis 'own' but {self.source!r} cites none of the council's own documents; "
                    "use basis: default and say whose rule it is in `note`"
                )
        return self


class Part(Model):
    """Where a section of a document starts in our extract, in the document's own words."""

    line: int = Field(gt=0)
    name: str | None = None  # the document people can look up, from this line on
    section: str | None = None  # its own section number, or its heading where it has none


class Document(Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    title: str
    lines: int = Field(gt=0)
    own: bool = False
    # What people are shown instead of line numbers (policy/packs/_documents.yaml for the seeds)
    parts: tuple[Part, ...] = ()

    @model_validator(mode="after")
    def _parts_in_order(self) -> Self:
        starts = [part.line for part in self.parts]
        if starts != sorted(set(starts)):
            raise ValueError("parts must start on increasing lines")
        if self.parts and self.parts[0].name is None:
            raise ValueError("the first part must give the document's `name`")
        return self


class IntRule(Sourced):
    value: int = Field(ge=0)


class BoolRule(Sourced):
    value: bool


class TextRule(Sourced):
    value: str = Field(min_length=1)


def validation_context(raw: Any) -> dict[str, Any]:
    """Declared documents, read from the raw mapping first so citations can be checked."""
    documents: dict[str, int] = {}
    own: set[str] = set()
    items = raw.get("documents") if isinstance(raw, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            lines = item.get("lines")
            documents[item["id"]] = lines if isinstance(lines, int) and lines > 0 else 10**9
            if item.get("own") is True:
                own.add(item["id"])
    return {"documents": documents, "own_documents": frozenset(own)}
