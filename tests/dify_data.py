"""Where the Dify DSL material lives: ``../shared/data/dify-dsl`` beside the checkout (test data only, not shipped
with Loom), or the folder ``LOOM_DIFY_DSL_DIR`` names (other DSL files and a ``cases.json`` of the same shape).
Tests that need it skip, naming the folder, when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

DIFY_DSL = Path(os.environ.get("LOOM_DIFY_DSL_DIR")
                or Path(__file__).resolve().parents[2] / "shared" / "data" / "dify-dsl")
