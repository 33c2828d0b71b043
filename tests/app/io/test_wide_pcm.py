"""Every integer PCM width in whole-byte containers, 8 to 64 bits, against scipy.io.wavfile.

The files are written byte by byte; scipy.io.wavfile.read is the independent
reference (it returns the container's integers, left-justified): a sample reads
as ``code / 2**(8 * itemsize - 1)`` (unsigned 8-bit: ``(code - 128) / 128``).
"""

import io
import struct

import numpy as np
import pytest
import scipy.io.wavfile

from specscope.app.io.audio_file import open_audio, probe

GUID_PCM = struct.pack("<H", 1) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def wav_bytes(codes, container_bits, valid_bits, channels=1, extensible=False, big_endian=False):
    order, magic = (">", b"RIFX") if big_endian else ("<", b"RIFF")
    width = container_bits // 8
    if container_bits == 8:
        raw = bytes(int(c) & 0xFF for c in codes)
    else:
        raw = b"".join(int(c).to_bytes(width, "big" if big_endian else "little", signed=True) for c in codes)
    align = width * channels
    if extensible:
        fmt = struct.pack(order + "HHIIHHHHI", 0xFFFE, channels, 8000, 8000 * align, align, container_bits, 22,
                          valid_bits, 0) + GUID_PCM
    else:
        fmt = struct.pack(order + "HHIIHH", 1, channels, 8000, 8000 * align, align, valid_bits)
    body = b"WAVE" + b"fmt " + struct.pack(order + "I", len(fmt)) + fmt
    body += b"data" + struct.pack(order + "I", len(raw)) + raw + (b"\0" if len(raw) % 2 else b"")
    return magic + struct.pack(order + "I", len(body)) + body


def codes_for(container_bits, valid_bits, n, rng):
    """Extremes and random codes with only the top `valid_bits` of the container used."""
    if container_bits == 8:
        return np.concatenate([[0, 1, 128, 255, 127], rng.integers(0, 256, n)])
    shift = container_bits - valid_bits
    top = 1 << (valid_bits - 1)
    valid = [-top, top - 1, 0, 1, -1] + [int(v) for v in rng.integers(-top, top, n, dtype=np.int64)]
    return [v << shift for v in valid]


WIDTHS = [(8, 8), (16, 16), (16, 12), (24, 24), (24, 20), (32, 32), (40, 40), (48, 48), (56, 56), (64, 64),
          (40, 36), (48, 45), (56, 53), (64, 53)]
"""(container bits, valid bits)."""


@pytest.mark.parametrize(("container_bits", "valid_bits"), WIDTHS)
@pytest.mark.parametrize("extensible", [False, True])
def test_width_reads_as_scipy_reads_it(tmp_path, container_bits, valid_bits, extensible):
    if not extensible and container_bits != 8 * -(-valid_bits // 8):
        pytest.skip("a plain fmt chunk implies the smallest container; only EXTENSIBLE says 53 bits in 64")
    rng = np.random.default_rng(container_bits * 100 + valid_bits)
    codes = codes_for(container_bits, valid_bits, 400, rng)  # 405 codes: stereo gets 202 frames + a cut half
    data = wav_bytes(codes, container_bits, valid_bits, extensible=extensible)
    path = tmp_path / f"w{container_bits}_{valid_bits}.wav"
    path.write_bytes(data)
    fs_hz, ref = scipy.io.wavfile.read(io.BytesIO(data))
    if ref.dtype == np.uint8:
        expected = (ref.astype(np.float64) - 128) / 128
    else:
        expected = ref.astype(np.float64) / 2.0 ** (8 * ref.dtype.itemsize - 1)
    info = probe(path)
    assert (info.fs_hz, info.frames, info.channels) == (fs_hz, len(ref), 1)
    assert str(valid_bits) in info.encoding
    with open_audio(path) as reader:
        y = reader.read()
        middle = reader.read(100, 50)
    np.testing.assert_allclose(y, expected, rtol=0, atol=6e-8)  # float32 rounding of values within +-1
    np.testing.assert_array_equal(middle, y[100:150])


@pytest.mark.parametrize("container_bits", [40, 48, 56, 64])
def test_wide_stereo_and_big_endian_channels(tmp_path, container_bits):
    rng = np.random.default_rng(container_bits)
    codes = codes_for(container_bits, container_bits, 995, rng)  # 1000 codes: 500 stereo frames
    top = 2.0 ** (container_bits - 1)
    expected = np.asarray(codes, dtype=np.float64).reshape(-1, 2) / top
    for big_endian in (False, True):
        path = tmp_path / f"s{container_bits}{big_endian}.wav"
        path.write_bytes(wav_bytes(codes, container_bits, container_bits, channels=2, big_endian=big_endian))
        with open_audio(path) as reader:
            assert reader.info.channels == 2 and reader.info.frames == 500
            np.testing.assert_allclose(reader.read(channel=0), expected[:, 0], rtol=0, atol=6e-8)
            np.testing.assert_allclose(reader.read(channel=1), expected[:, 1], rtol=0, atol=6e-8)
            np.testing.assert_allclose(reader.read(), expected.mean(axis=1), rtol=0, atol=1.2e-7)


def test_wide_truncated_file_keeps_the_declared_size(tmp_path):
    codes = codes_for(48, 48, 995, np.random.default_rng(0))
    data = wav_bytes(codes, 48, 48)
    path = tmp_path / "cut48.wav"
    path.write_bytes(data[: len(data) - 600 - 3])  # 100 whole frames and half a frame missing
    info = probe(path)
    assert info.truncated and info.declared_frames == 1000 and info.frames == 899
    with open_audio(path) as reader:
        np.testing.assert_allclose(reader.read(), np.asarray(codes[:899], float) / 2.0**47, rtol=0, atol=6e-8)
