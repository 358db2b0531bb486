"""Media types as HTTP writes them (RFC 9110): the request's Content-Type and the negotiation of the answer's type."""

from __future__ import annotations

import re
from dataclasses import dataclass

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
HTML = "text/html"

TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*"'
# written so that no two parts can match the same whitespace: a header cannot make the matching backtrack
PARAMETER = re.compile(rf";[ \t]*(?:({TOKEN})=({TOKEN}|{QUOTED})[ \t]*)?")
MEDIA_TYPE = re.compile(rf"({TOKEN})/({TOKEN})[ \t]*((?:{PARAMETER.pattern})*)")
QUALITY = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
# an element of a list header such as Accept: up to a comma outside a quoted string (an unclosed one runs to the end,
# so that no quote makes the matching scan the rest of the header again)
ELEMENT = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*"?)+')

EXACT, SUBTYPES, ANY, NONE = 3, 2, 1, 0
"""How specifically a media range names a type: `type/subtype`, `type/*`, `*/*`, not at all."""


@dataclass(frozen=True)
class MediaType:
    type: str
    subtype: str
    parameters: dict[str, str]
    """Names in lower case, values unquoted."""

    @property
    def essence(self) -> str:
        return f"{self.type}/{self.subtype}"

    @property
    def utf8(self) -> bool:
        """UTF-8, the only charset the API reads and writes, is also what no charset parameter means for JSON."""
        return self.parameters.get("charset", "utf-8").lower() == "utf-8"


def parse(text: str) -> MediaType | None:
    """One media type or range; None when the text is not one (a list, a bare word, a stray character)."""
    match = MEDIA_TYPE.fullmatch(text.strip(" \t"))
    if match is None:
        return None
    parameters = {
        name.lower(): re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith('"') else value
        for name, value in PARAMETER.findall(match[3])
        if name
    }
    return MediaType(match[1].lower(), match[2].lower(), parameters)


def is_json(content_type: str | None) -> bool:
    """Whether a request body is declared as JSON in UTF-8: exactly `application/json`, any charset parameter utf-8."""
    media = parse(content_type) if content_type is not None else None
    return media is not None and media.essence == JSON and media.utf8


@dataclass(frozen=True)
class MediaRange:
    media: MediaType
    quality: float

    def specificity(self, offer: str) -> int:
        """How specifically this range names the offered type (NONE: it does not match it)."""
        kind = offer.partition("/")[0]
        if not self.media.utf8:
            return NONE
        if self.media.essence == offer:
            return EXACT
        if self.media.type == kind and self.media.subtype == "*":
            return SUBTYPES
        return ANY if self.media.essence == "*/*" else NONE


def ranges(accept: str) -> list[MediaRange]:
    """The readable ranges of an Accept header; an unreadable element is skipped, as if the client had not sent it."""
    found = []
    for element in ELEMENT.findall(accept):
        media = parse(element)
        if media is None or (media.type == "*" and media.subtype != "*"):
            continue
        quality = media.parameters.pop("q", "1")
        if QUALITY.fullmatch(quality):
            found.append(MediaRange(media, float(quality)))
    return found


def preference(accepted: list[MediaRange], offer: str) -> tuple[float, int]:
    """The client's quality for an offered type, from the most specific range that matches it, and that specificity."""
    best = max(((r.specificity(offer), r.quality) for r in accepted), default=(NONE, 0.0))
    return (best[1], best[0]) if best[0] != NONE else (0.0, NONE)


def answer_type(accept: str | None) -> str | None:
    """`application/graphql-response+json` when the client names it and does not prefer `application/json`;
    otherwise `application/json`, also for `*/*` and a missing Accept header, as the spec asks while clients move
    over; None when the client accepts neither."""
    if accept is None or not accept.strip(" \t,"):
        return JSON
    accepted = ranges(accept)
    graphql_quality, graphql_specificity = preference(accepted, GRAPHQL_RESPONSE)
    json_quality, _ = preference(accepted, JSON)
    if graphql_quality > 0 and graphql_specificity == EXACT and graphql_quality >= json_quality:
        return GRAPHQL_RESPONSE
    if json_quality > 0:
        return JSON
    return GRAPHQL_RESPONSE if graphql_quality > 0 else None


def wants_page(accept: str | None) -> bool:
    """Whether a browser asks for a page: it names text/html and prefers it to JSON (browsers also send */*)."""
    if accept is None:
        return False
    accepted = ranges(accept)
    html_quality, html_specificity = preference(accepted, HTML)
    return html_specificity == EXACT and html_quality > 0 and html_quality >= preference(accepted, JSON)[0]
