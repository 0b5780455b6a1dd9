"""Plain-text layout helpers shared by the library's reports and the command line."""

from __future__ import annotations

import unicodedata

__all__ = ["display_width"]


def display_width(text: str) -> int:
    """Terminal columns taken by *text* (East Asian wide/full-width characters count 2).

    Examples
    --------
    >>> display_width("PM2.5 天宁")
    10
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))
