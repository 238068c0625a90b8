"""Where the tests find the τ-bench retail data (benchmark data beside the checkout, never shipped)."""

from pathlib import Path

RETAIL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tau-bench-retail"
