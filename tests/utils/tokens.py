"""o200k_base token counts, offline: the vocabulary ships inside the bpe-openai wheel."""

from __future__ import annotations

import functools
import json
from typing import Any

import bpe_openai


@functools.cache
def _encoding() -> Any:
    return bpe_openai.get_encoding("o200k_base")


def tokens(text: str) -> int:
    return len(_encoding().encode(text))


def old_rendering(structured: dict[str, Any]) -> str:
    """The text the SDK wrote before answers were rendered: the structured result as indent=2 JSON."""
    return json.dumps(structured, indent=2, ensure_ascii=False)
