"""Council policy packs: one YAML file per council, validated at start-up."""

from policy.packs.loader import (
    PackError,
    PackIssue,
    builtin_pack,
    builtin_pack_ids,
    load_pack,
    load_packs,
    parse_pack,
)
from policy.packs.schema import Pack

__all__ = [
    "Pack",
    "PackError",
    "PackIssue",
    "builtin_pack",
    "builtin_pack_ids",
    "load_pack",
    "load_packs",
    "parse_pack",
]
