"""Command-line details that the parser alone does not give."""

from __future__ import annotations

import pytest

from vigie.cli import with_optional_values


@pytest.mark.parametrize(("given", "parsed"), [
    (["scan", "--resume"], ["scan", "--resume", "latest"]),
    (["scan", "--resume", "--allow-private"], ["scan", "--resume", "latest", "--allow-private"]),
    (["scan", "--resume", "42"], ["scan", "--resume", "42"]),
    (["scan", "--resume", "latest", "--ignore-robots"],
     ["scan", "--resume", "latest", "--ignore-robots"]),
    (["scan", "--only", "x"], ["scan", "--only", "x"]),
])
def test_resume_alone_means_the_latest_run(given: list[str], parsed: list[str]) -> None:
    assert with_optional_values(given) == parsed
