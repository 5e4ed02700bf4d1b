"""Build the blank English spaCy pipeline Rasa's SpacyNLP loads (no model download needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["build_pipeline"]


def build_pipeline(path: Path, patterns: list[dict[str, object]] | None = None) -> Path:
    """Save a blank English pipeline with an EntityRuler holding ``patterns`` to ``path``.

    Rewrites the folder only when its patterns changed, so repeated set-ups stay fast.
    """
    patterns = patterns or []
    stamp = json.dumps(patterns, sort_keys=True)
    stamp_file = path / "syncdesk-patterns.json"
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        return path
    # spaCy's import pulls in thinc and TensorFlow (seconds): only pay for it when building.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import spacy

    path.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    nlp.meta["name"] = "syncdesk"
    nlp.meta["description"] = "Blank English pipeline with syncdesk's identifier patterns"
    nlp.to_disk(path)
    stamp_file.write_text(stamp, encoding="utf-8")
    return path
