"""Job identity and hand-off in the file view: each hazard of issue 11 as a test that failed before."""

import os

import numpy as np


def test_a_failed_selection_job_leaves_the_overview_cancellable_and_waited_for(qtbot, view, long_wav):
    view.set_config({"n_fft": 256, "hop": 16})
    with qtbot.waitSignal(view.progress, timeout=20000):
        view.load(long_wav)
    overview = [view.jobs._jobs["overview"]]  # the levels job (issue 14) runs beside it
    assert overview[0].is_alive()
    # The overview's reader is open; the file goes away on disk, so a new reader (the selection's) fails.
    os.remove(long_wav)
    with qtbot.waitSignal(view.error, timeout=10000) as blocker:
        view.set_selection(10.0, 11.0)
    assert "long.wav" in blocker.args[0]
    assert overview[0] in view.background_jobs(), "the selection's failure forgot the overview job"
    assert view.cancel_button.isVisible() and overview[0].is_alive()
    view.shutdown(timeout_s=2.0)
    assert not overview[0].is_alive(), "shutdown did not stop and wait for the overview job"


def test_blocks_handed_to_the_gui_are_read_only_and_unchanged_after_more_work(qtbot, view, long_wav):
    got = []
    view.jobs.block.connect(lambda kind, job_id, block: got.append((block, block.db.copy())))
    view.set_config({"n_fft": 256, "hop": 24})
    with qtbot.waitSignal(view.analysis_finished, timeout=60000):
        view.load(long_wav)
    assert len(got) >= 2  # at least one block handed over before more work was done (more on a slow machine)
    for block, copy in got:
        assert not block.db.flags.writeable
        np.testing.assert_array_equal(block.db, copy)
    # The overview drawn is assembled on the GUI thread from those blocks: its final columns are theirs.
    ov = view.overview_tile
    last = [b for b, _ in got if b.final][-1]
    np.testing.assert_array_equal(ov.db[:, last.first_column : last.first_column + last.db.shape[1]], last.db)
    assert ov.complete


def test_a_stale_job_result_is_dropped(qtbot, view, wav):
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.load(wav)
    jobs = view.jobs
    before = view.overview_tile.db.copy()
    from specscope.app.analysis.file_analysis import ColumnBlock

    junk = np.zeros((view.cfg.n_freqs, 3), np.float32)
    junk.flags.writeable = False
    jobs.block.emit("overview", 10**9, ColumnBlock(0, junk))  # from no current job
    qtbot.wait(20)
    np.testing.assert_array_equal(view.overview_tile.db, before)
