"""Background jobs: one-line failures and an identity per job."""

import threading

from specscope.app.analysis.jobs import AnalysisCancelled, BackgroundJob, one_line_error


def test_job_errors_become_one_line():
    got = []

    def run(cancelled):
        raise ValueError("bad\nthing   here")

    job = BackgroundJob(run, on_error=got.append).start()
    assert job.join(5.0)
    assert got == ["bad thing here"]
    assert one_line_error(RuntimeError()) == "RuntimeError"


def test_each_job_has_its_own_identity():
    jobs = [BackgroundJob(lambda cancelled: None) for _ in range(3)]
    assert len({j.job_id for j in jobs}) == 3


def test_a_job_failing_after_cancel_reports_nothing():
    got = []
    release = threading.Event()

    def run(cancelled):
        release.wait(5.0)
        raise RuntimeError("failed after cancel")

    job = BackgroundJob(run, on_error=got.append).start()
    job.cancel()
    release.set()
    assert job.join(5.0)
    assert job.cancelled() and got == []


def test_analysis_cancelled_ends_a_job_quietly():
    got = []

    def run(cancelled):
        raise AnalysisCancelled

    job = BackgroundJob(run, on_error=got.append).start()
    assert job.join(5.0) and got == []
