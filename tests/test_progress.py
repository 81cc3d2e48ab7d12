"""The tqdm progress callback: a bar per run, closed before other messages."""

from __future__ import annotations

import pytest

from habilitant.progress import TqdmProgress


def test_a_closed_bar_is_written_out_before_the_next_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with TqdmProgress("Offres classées", unit="offre") as progress:
        progress(1, 2)
        progress(2, 2)
        progress.close()
        closed = capsys.readouterr().err
        assert "Offres classées" in closed and "2/2" in closed
        progress.close()  # twice: nothing more
        assert capsys.readouterr().err == ""
        progress(1, 3)  # a later call starts a new bar
    assert "1/3" in capsys.readouterr().err
