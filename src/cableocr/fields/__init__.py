"""Cable -> header and body fields, each with its value, confidence, evidence (page, box, raw
text) and flags.

A rule finds its evidence by what it is, anywhere in the header zone (header), on a draft's own
lines (draft), in the body (body) or on the page (marks); checks inside the cable (checks)
confirm or dispute what the rules found; the review policy (cableocr.policy) alone decides
which fields go to review. The registry of rules is rules.RULES.
"""

from cableocr.fields.body import split_forwarding
from cableocr.fields.evidence import compact
from cableocr.fields.rules import ALL_FIELDS, FOUNDATION_FIELDS, RULES, extract_fields

__all__ = ["ALL_FIELDS", "FOUNDATION_FIELDS", "RULES", "compact", "extract_fields", "split_forwarding"]
