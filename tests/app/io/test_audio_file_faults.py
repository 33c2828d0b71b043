"""The reader at the edges a fuzzer found (issue 12): each case on a file generated here, never a copied one.

Rates beyond what the header's field or specscope can hold, codecs that cannot
seek, files cut short inside a FLAC frame or an ADPCM block, extension-only
guesses, non-finite samples, and what reaches stderr from the command line.
"""

import json
import struct
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from specscope.app.io.audio_file import AudioFileError, open_audio, probe, read_mono


def tone_wav(path, subtype="PCM_16", fs_hz=8000, seconds=2.0, f_hz=1000.0, amplitude=0.5):
    t = np.arange(round(fs_hz * seconds)) / fs_hz
    x = amplitude * np.sin(2 * np.pi * f_hz * t)
    sf.write(path, x, fs_hz, subtype=subtype)
    return x


def refused(path, message):
    for attempt in (probe, open_audio, read_mono):
        with pytest.raises(AudioFileError) as err:
            attempt(path)
        text = str(err.value)
        assert text.startswith(f"{path}: ") and "\n" not in text, text
        assert message in text, text
    return text


def specscope(*args):
    return subprocess.run([sys.executable, "-m", "specscope.app.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("rate_bytes", [b"\x00\x00\x00\x80", b"\xff\xff\xff\xff", struct.pack("<I", 8_396_608)])
def test_impossible_sample_rates_are_refused_at_open_naming_the_file(tmp_path, rate_bytes):
    path = tmp_path / "rate.wav"
    tone_wav(path)
    data = bytearray(path.read_bytes())
    data[24:28] = rate_bytes  # nSamplesPerSec of a 16-bit mono WAV
    path.write_bytes(bytes(data))
    rate = struct.unpack("<I", rate_bytes)[0]
    refused(path, f"impossible header: sample rate {rate} Hz")
    for command in (["info"], ["peaks"], ["export", "-o", tmp_path / "o.npz"]):
        result = specscope(command[0], path, *command[1:])
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert str(path) in result.stderr and "Traceback" not in result.stderr


def test_gsm610_reads_forward_only_yet_in_any_order(tmp_path):
    path = tmp_path / "gsm.wav"
    tone_wav(path, "GSM610")
    whole = sf.read(path, dtype="float32")[0]  # libsndfile reading straight through
    with open_audio(path) as reader:
        assert reader.info.encoding == "WAV GSM 6.10" and reader.info.frames == len(whole)
        late = reader.read(9000, 3000)
        early = reader.read(100, 500)  # backwards: reopened
        again = reader.read(12000, 10)  # forwards: decoded and dropped
        blocks = np.concatenate(list(reader.blocks(block_frames=1000)))
    np.testing.assert_array_equal(late, whole[9000:12000])
    np.testing.assert_array_equal(early, whole[100:600])
    np.testing.assert_array_equal(again, whole[12000:12010])
    np.testing.assert_array_equal(blocks, whole)
    peaks = json.loads(specscope("peaks", path, "--top", "1", "--json").stdout)
    assert abs(peaks[0]["freq_hz"] - 1000.0) < 1.0  # GSM is a speech codec: the tone survives, the level roughly
    assert specscope("export", path, "-o", tmp_path / "gsm.npz").returncode == 0
    assert np.isfinite(np.load(tmp_path / "gsm.npz")["db"]).all()


@pytest.mark.parametrize("name", ["t.au", "t.snd", "t.gsm", "t.wav"])
@pytest.mark.parametrize("data", [b"abc", b"just some text, not sound\n" * 10])
def test_no_headerless_guess_from_the_extension(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    refused(path, "not a recognised audio file")


def test_real_au_files_still_open(tmp_path):
    path = tmp_path / "real.au"
    x = tone_wav(path, "ULAW")
    info = probe(path)
    assert info.encoding == "AU µ-law" and info.frames == len(x)


def ima_file(tmp_path, seconds=2.0):
    path = tmp_path / "ima.wav"
    tone_wav(path, "IMA_ADPCM", seconds=seconds)
    data = path.read_bytes()
    return path, data, data.index(b"data") + 8


def test_ima_adpcm_cut_to_one_data_byte_claims_no_frames(tmp_path):
    path, data, start = ima_file(tmp_path)
    path.write_bytes(data[: start + 1])
    text = refused(path, "truncated inside its first WAV IMA ADPCM block (1 of 256 bytes)")
    assert "505" not in text and "None" not in text


def test_ima_adpcm_cut_inside_a_block_counts_whole_blocks(tmp_path):
    path, data, start = ima_file(tmp_path)
    full = sf.read(path, dtype="float32")[0]
    n_blocks = -(-16000 // 505)  # 505 frames in each 256-byte block of 8 kHz mono IMA ADPCM
    path.write_bytes(data[: start + 10 * 256 + 100])  # ten whole blocks and part of the eleventh
    info = probe(path)
    assert info.truncated and info.frames == 10 * 505
    fact = data.find(b"fact", 0, start)  # a fact chunk, when written, says 16000; else 32 whole blocks
    declared = struct.unpack("<I", data[fact + 8 : fact + 12])[0] if fact > 0 else n_blocks * 505
    assert info.declared_frames == declared and declared in (16000, 16160)
    assert info.warning == f"{path}: truncated: 5050 of {info.declared_frames} frames present"
    y, _ = read_mono(path)
    np.testing.assert_array_equal(y, full[:5050])


def test_nan_and_inf_samples_read_as_silence_and_counted(tmp_path):
    fs = 48000
    t = np.arange(fs) / fs
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    x[1000:1010] = np.nan
    x[20000] = np.inf
    x[30000] = -np.inf
    x[40000] = 3e30  # finite, but its square overflows float32
    path = tmp_path / "nonfinite.wav"
    sf.write(path, np.column_stack([x, x]), fs, subtype="FLOAT")
    with open_audio(path) as reader:
        assert reader.nonfinite_warning is None
        y = reader.read()
        assert reader.n_nonfinite == 2 * 13  # each channel's sample counts
        assert reader.nonfinite_warning == f"{path}: 26 non-finite samples (NaN, Inf or beyond 2**32) read as silence"
    expected = np.where(np.abs(x) <= 2.0**32, x, 0.0)
    np.testing.assert_array_equal(y, expected)
    result = specscope("peaks", path, "--top", "1", "--json")
    assert result.returncode == 0
    # One warning line, and no numpy RuntimeWarning:
    assert result.stderr == f"{path}: 26 non-finite samples (NaN, Inf or beyond 2**32) read as silence\n"
    peak = json.loads(result.stdout)[0]
    assert abs(peak["freq_hz"] - 1000.0) < 0.01 and abs(peak["level_dbfs"] - 20 * np.log10(0.5)) < 0.1
    result = specscope("export", path, "-o", tmp_path / "o.npz")
    assert result.returncode == 0 and result.stderr.count("non-finite") == 1
    assert np.isfinite(np.load(tmp_path / "o.npz")["db"]).all()


def test_random_bytes_named_mp3_give_one_line_and_no_decoder_chatter(tmp_path):
    rng = np.random.default_rng(44)
    for i in range(20):
        path = tmp_path / f"r{i}.mp3"
        path.write_bytes(rng.bytes(44))
        result = specscope("info", path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
