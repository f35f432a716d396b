"""``python -m bench.auditcost`` runs, prints both ways, and leaves no rows behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import auditcost
from domain.audit.service import ENTRIES
from domain.db import make_engine


def test_prints_both_ways_and_cleans_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    assert auditcost.main(["--database-url", url, "--rows", "3", "--batches", "1"]) == 0
    printed = capsys.readouterr().out
    assert "sqlite: 1 batches of 3 audit rows per way" in printed
    assert "executemany" in printed and "append_rows" in printed
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ENTRIES)).scalar_one() == 0
    engine.dispose()


def test_a_batch_of_no_rows_is_refused_with_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        auditcost.main(["--rows", "0"])
    assert exited.value.code == 2
    assert "--rows and --batches must be 1 or more" in capsys.readouterr().err
