"""The load test in its short form: concurrent clients against the real server, nothing lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

import load  # noqa: E402


@pytest.mark.slow
def test_short_load_has_no_server_errors_and_loses_no_edit(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    editor, viewer = load.prepare_library(folder)
    port = load.free_port()
    server = load.start_server(folder, port, threads=8)
    try:
        result = load.run_load(port, editor, viewer, clients=12, seconds=6, seed=3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.lost_edits = load.count_lost_edits(folder, result)
    assert result.requests > 50
    assert result.errors == []
    assert result.server_errors == 0, dict(result.statuses)
    assert result.acknowledged, "some edits must have gone through"
    assert result.lost_edits == 0
    assert set(result.statuses) <= {200, 409}
