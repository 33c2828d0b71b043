"""`specscope export` output safety and size limits, run as a user runs it: real write errors (a file-size
limit), a real Ctrl-C (SIGINT mid-write), real memory limits (RLIMIT_AS)."""

import os
import resource
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

FS_HZ = 48000
CMD = [sys.executable, "-m", "specscope.app.cli"]


def specscope(*args, preexec_fn=None, timeout=120):
    return subprocess.run([*CMD, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn)


def one_line(res):
    assert "Traceback" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr.strip()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * np.arange(FS_HZ) / FS_HZ), FS_HZ, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory):
    """60 s of a 1 kHz tone at 48 kHz (5.8 MB of 16-bit PCM)."""
    path = tmp_path_factory.mktemp("long") / "minute.wav"
    x = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(60 * FS_HZ) / FS_HZ)
    sf.write(path, x, FS_HZ, subtype="PCM_16")
    return path


def test_the_suffix_is_matched_in_any_case(wav, tmp_path):
    # Before: -o out.NPZ wrote out.NPZ.npz (numpy appends .npz to a name not ending in lower-case .npz).
    out = tmp_path / "out.NPZ"
    res = specscope("export", wav, "-o", out, "--n-fft", 512)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.NPZ", "tone.wav"]
    assert np.load(out)["db"].shape == (257, 1 + (FS_HZ - 512) // 128)
    res = specscope("export", wav, "-o", tmp_path / "OUT.CSV", "--n-fft", 512)
    assert res.returncode == 0 and (tmp_path / "OUT.CSV").read_text().startswith("time_s,0,93.75,")


def test_the_output_has_the_usual_permissions(wav, tmp_path):
    old = os.umask(0o022)
    try:
        assert specscope("export", wav, "-o", tmp_path / "o.npz", "--n-fft", 512).returncode == 0
    finally:
        os.umask(old)
    assert (tmp_path / "o.npz").stat().st_mode & 0o777 == 0o644


def test_an_existing_output_is_replaced_only_with_force(wav, tmp_path):
    out = tmp_path / "o.csv"
    out.write_text("precious\n")
    res = specscope("export", wav, "-o", out, "--n-fft", 512)
    assert res.returncode == 2
    assert one_line(res) == f"specscope: {out}: already exists; use --force to overwrite it"
    assert out.read_text() == "precious\n"
    res = specscope("export", wav, "-o", out, "--n-fft", 512, "--force")
    assert res.returncode == 0, res.stderr
    assert out.read_text().startswith("time_s,")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("spelling", ["same", "symlink", "dotted"])
def test_the_input_is_never_overwritten(tmp_path, spelling):
    # A WAV that happens to be named like an export: before, `export rec.npz -o rec.npz` destroyed it.
    src = tmp_path / "rec.npz"
    sf.write(src, 0.1 * np.ones(4096), FS_HZ, subtype="PCM_16", format="WAV")
    before = src.read_bytes()
    (tmp_path / "sub").mkdir()
    out = {"same": src, "symlink": tmp_path / "link.npz", "dotted": tmp_path / "sub" / ".." / "rec.npz"}[spelling]
    if spelling == "symlink":
        out.symlink_to(src)
    res = specscope("export", src, "-o", out, "--n-fft", 512, "--force")
    assert res.returncode == 2
    assert "is the input file" in one_line(res)
    assert src.read_bytes() == before


def _limit_file_size(n_bytes):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (n_bytes, n_bytes))
    return apply


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_a_write_error_leaves_no_partial_file(long_wav, tmp_path, suffix):
    # Before: a file-size limit left a partial output (a CSV whose every line is complete).
    out = tmp_path / f"o{suffix}"
    args = ("export", long_wav, "-o", out, "--duration", 5, "--n-fft", 1024)
    res = specscope(*args, preexec_fn=_limit_file_size(1 << 20))
    assert res.returncode == 2
    assert one_line(res) == f"specscope: {out}: cannot write: File too large"
    assert not out.exists() and leftovers(tmp_path) == []
    # With --force over an existing output, the old one is kept.
    out.write_text("old\n")
    res = specscope(*args, "--force", preexec_fn=_limit_file_size(1 << 20))
    assert res.returncode == 2 and out.read_text() == "old\n" and leftovers(tmp_path) == []


@pytest.mark.parametrize(("suffix", "hop"), [(".npz", 32), (".csv", 256)])
def test_ctrl_c_mid_write_leaves_nothing(long_wav, tmp_path, suffix, hop):
    # Before: Ctrl-C during an NPZ write left a corrupt file, during a CSV write a shorter valid-looking one.
    out = tmp_path / f"big{suffix}"
    proc = subprocess.Popen([*CMD, "export", str(long_wav), "-o", str(out), "--hop", str(hop)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def writing():
        return leftovers(tmp_path) or out.exists()

    try:
        deadline = time.monotonic() + 60
        while not writing() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        assert writing(), "the write never started"
        time.sleep(0.05)
        assert proc.poll() is None, "the write finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.strip() == "specscope: interrupted"
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_spectrogram_over_4_gib_is_refused_naming_its_size(long_wav, tmp_path):
    res = specscope("export", long_wav, "-o", tmp_path / "o.npz", "--hop", 1)
    assert res.returncode == 2
    # 2_878_977 frames x 1025 bins x 4 bytes.
    assert f"the spectrogram would take {2_878_977 * 1025 * 4 / 2**30:.1f} GiB (more than 4.0 GiB)" in one_line(res)


def _limit_memory(n_bytes):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (n_bytes, n_bytes))
    return apply


def test_a_spectrogram_larger_than_the_memory_available_is_refused(long_wav, tmp_path):
    # --hop 8 on a minute: 359_745 frames x 1025 bins x 4 bytes = 1.4 GiB, under a 1 GiB address-space limit.
    # Before: MemoryError and a traceback.
    res = specscope("export", long_wav, "-o", tmp_path / "o.npz", "--hop", 8, preexec_fn=_limit_memory(1 << 30))
    assert res.returncode == 2
    line = one_line(res)
    assert f"the spectrogram would take {359_745 * 1025 * 4 / 2**30:.1f} GiB and only " in line
    assert "MiB of memory is available; export a slice (--start/--duration) or use a larger --hop" in line
    assert not (tmp_path / "o.npz").exists()


def test_peaks_at_hop_1_on_a_huge_fft_runs_in_bounded_memory(tmp_path):
    # N 16384 at hop 1 on one second: 31617 frames.  Before, one 65536-sample block became all of them at
    # once (about 6.5 GB of spectra): MemoryError under a 1 GiB limit.
    path = tmp_path / "second.wav"
    t = np.arange(FS_HZ) / FS_HZ
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000.3 * t), FS_HZ, subtype="FLOAT")
    res = specscope("peaks", path, "--n-fft", 16384, "--hop", 1, "--top", 1, "--json",
                    preexec_fn=_limit_memory(1 << 30), timeout=300)
    assert res.returncode == 0, res.stderr
    import json

    (peak,) = json.loads(res.stdout)
    assert abs(peak["freq_hz"] - 1000.3) <= 0.002 * FS_HZ / 16384
