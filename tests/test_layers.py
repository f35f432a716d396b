"""Dependencies point down: the layers contract of ``pyproject.toml`` ([tool.importlinter])."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_lower_layers_never_import_higher_ones() -> None:
    # server > seed > schema > auth > domain: auth takes an AuthConfig, never server's Settings,
    # and the schema registry gathers every layer's tables from above them.
    config = str(ROOT / "pyproject.toml")
    assert lint_imports(config_filename=config, no_cache=True, no_logo=True) == 0
