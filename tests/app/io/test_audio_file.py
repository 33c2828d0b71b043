"""specscope.app.io.audio_file: every WAV sample format against hand-computed values, odd layouts, truncation,
slices, other containers, and one-line errors for bad input.

Most files are written byte by byte with struct (the builders below), so the expected sample values come
from the format definitions, not from the decoder under test.
"""

import os
import re
import stat
import struct
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from specscope.app.io.audio_file import AudioFileError, AudioInfo, open_audio, probe, read_mono

# --- WAV builders --------------------------------------------------------------------
PCM, FLOAT, ALAW, MULAW, EXTENSIBLE = 0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE
GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def chunk(cid, body, order="<", pad=True):
    out = cid + struct.pack(order + "I", len(body)) + body
    return out + b"\0" if pad and len(body) % 2 else out


def fmt_chunk(tag, channels, fs_hz, bits, block_align=None, order="<", valid_bits=None, sub_tag=None, mask=0):
    """A fmt chunk; WAVE_FORMAT_EXTENSIBLE when sub_tag is given."""
    if block_align is None:
        block_align = channels * ((bits + 7) // 8)
    body = struct.pack(order + "HHIIHH", tag, channels, fs_hz, fs_hz * block_align, block_align, bits)
    if sub_tag is not None:
        body += struct.pack(order + "HHIH", 22, valid_bits or bits, mask, sub_tag) + GUID_TAIL
    return chunk(b"fmt ", body, order)


def data_chunk(payload, order="<", declared=None):
    size = len(payload) if declared is None else declared
    return b"data" + struct.pack(order + "I", size) + payload + (b"\0" if declared is None and size % 2 else b"")


def riff(chunks, magic=b"RIFF", order="<"):
    body = b"WAVE" + b"".join(chunks)
    return magic + struct.pack(order + "I", len(body)) + body


def int_bytes(codes, width, order="<"):
    """Two's-complement little/big-endian bytes of integer sample codes, `width` bytes each."""
    return b"".join(int(c).to_bytes(width, "little" if order == "<" else "big", signed=True) for c in codes)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path, channel="mix"):
    with open_audio(path) as reader:
        return reader.read(channel=channel), reader.info


# --- G.711 decoding, from the ITU-T G.711 definition (as in Sun's g711.c) ---------------
def ulaw_decode(u):
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def alaw_decode(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


# --- sample formats, hand-written -------------------------------------------------------
def test_unsigned_8_bit(tmp_path):
    codes = np.array([0, 1, 127, 128, 129, 200, 255])
    path = write(tmp_path, "u8.wav", riff([fmt_chunk(PCM, 1, 8000, 8), data_chunk(bytes(codes.tolist()))]))
    x, info = read_all(path)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, (codes - 128) / 128)
    assert info.encoding == "WAV PCM 8-bit unsigned"
    assert (info.frames, info.channels, info.fs_hz, info.truncated) == (7, 1, 8000.0, False)


@pytest.mark.parametrize(
    ("bits", "codes"),
    [
        (16, [-32768, -1, 0, 1, 12345, 32767]),
        (24, [-(2**23), -1, 0, 1, 1234567, 2**23 - 1]),
        (32, [-(2**31), -1, 0, 1, 123456789, 2**31 - 1]),
    ],
)
def test_signed_pcm_full_scale_is_one(tmp_path, bits, codes):
    path = write(tmp_path, "pcm.wav", riff([fmt_chunk(PCM, 1, 44100, bits), data_chunk(int_bytes(codes, bits // 8))]))
    x, info = read_all(path)
    expected = (np.array(codes, dtype=np.float64) / 2.0 ** (bits - 1)).astype(np.float32)
    np.testing.assert_array_equal(x, expected)
    assert info.encoding == f"WAV PCM {bits}-bit"
    assert info.frames == len(codes) and info.declared_frames == len(codes)


def test_12_bit_in_16_bit_container(tmp_path):
    codes12 = np.array([-2048, -1, 0, 1, 1000, 2047])
    payload = int_bytes(codes12 * 16, 2)  # left-justified: the low 4 bits are zero
    path = write(tmp_path, "pcm12.wav", riff([fmt_chunk(PCM, 1, 8000, 12, block_align=2), data_chunk(payload)]))
    x, info = read_all(path)
    np.testing.assert_array_equal(x, codes12 / 2048)
    assert info.encoding == "WAV PCM 12-bit (16-bit container)"


def test_20_bit_in_24_bit_extensible(tmp_path):
    codes20 = np.array([-(2**19), -3, 0, 5, 2**19 - 1])
    fmt = fmt_chunk(EXTENSIBLE, 1, 96000, 24, valid_bits=20, sub_tag=PCM, mask=0x4)
    path = write(tmp_path, "pcm20.wav", riff([fmt, data_chunk(int_bytes(codes20 * 16, 3))]))
    x, info = read_all(path)
    np.testing.assert_array_equal(x, (codes20 / 2**19).astype(np.float32))
    assert info.encoding == "WAV PCM 20-bit (24-bit container) extensible"
    assert info.fs_hz == 96000


@pytest.mark.parametrize(("bits", "code"), [(32, "f"), (64, "d")])
def test_float_kept_as_is_even_beyond_full_scale(tmp_path, bits, code):
    values = [0.0, 0.25, -0.5, 1.0, -1.0, 1.5, -2.0, 1e-3]
    payload = struct.pack(f"<{len(values)}{code}", *values)
    path = write(tmp_path, "f.wav", riff([fmt_chunk(FLOAT, 1, 48000, bits), data_chunk(payload)]))
    x, info = read_all(path)
    np.testing.assert_array_equal(x, np.array(values, dtype=np.float32))
    assert info.encoding == f"WAV float {bits}-bit"


@pytest.mark.parametrize(("tag", "decode", "name"), [(MULAW, ulaw_decode, "µ-law"), (ALAW, alaw_decode, "A-law")])
def test_g711_every_code(tmp_path, tag, decode, name):
    codes = list(range(256))
    path = write(tmp_path, "g711.wav", riff([fmt_chunk(tag, 1, 8000, 8), data_chunk(bytes(codes))]))
    x, info = read_all(path)
    np.testing.assert_array_equal(x, np.array([decode(c) for c in codes]) / 32768)
    assert info.encoding == f"WAV {name}"


def test_extensible_float_eight_channels_mix_and_each_channel(tmp_path):
    n_frames, n_ch = 50, 8
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (n_frames, n_ch)).astype(np.float32)
    fmt = fmt_chunk(EXTENSIBLE, n_ch, 48000, 32, sub_tag=FLOAT, mask=0xFF)
    path = write(tmp_path, "ext8.wav", riff([fmt, data_chunk(x.astype("<f4").tobytes())]))
    with open_audio(path) as reader:
        assert reader.info.channels == 8
        assert reader.info.encoding == "WAV float 32-bit extensible"
        for c in range(n_ch):
            np.testing.assert_array_equal(reader.read(channel=c), x[:, c])
        np.testing.assert_allclose(reader.read(channel="mix"), x.astype(np.float64).mean(axis=1), atol=1e-7)
        with pytest.raises(ValueError, match=r"channel 8 does not exist; use 'mix' or 0 to 7"):
            reader.blocks(channel=8)


@pytest.mark.parametrize("bad", [-1, 2, "left", True, 1.0])
def test_bad_channel_is_refused_before_any_read(tmp_path, bad):
    path = write(tmp_path, "st.wav", riff([fmt_chunk(PCM, 2, 8000, 16), data_chunk(int_bytes([1, 2, 3, 4], 2))]))
    message = r"st\.wav: channel .* does not exist; use 'mix' or 0 to 1"
    with open_audio(path) as reader, pytest.raises(ValueError, match=message):
        reader.blocks(channel=bad)


def test_mono_reports_its_only_channel(tmp_path):
    path = write(tmp_path, "m.wav", riff([fmt_chunk(PCM, 1, 8000, 16), data_chunk(int_bytes([1, 2], 2))]))
    with open_audio(path) as reader, pytest.raises(ValueError, match=r"use 'mix' or 0$"):
        reader.blocks(channel=1)


def test_big_endian_rifx(tmp_path):
    codes = [-32768, -2, 0, 3, 32767]
    data = riff([fmt_chunk(PCM, 1, 22050, 16, order=">"), data_chunk(int_bytes(codes, 2, ">"), ">")], b"RIFX", ">")
    x, info = read_all(write(tmp_path, "rifx.wav", data))
    np.testing.assert_array_equal(x, np.array(codes) / 32768)
    assert info.encoding == "RIFX PCM 16-bit" and info.fs_hz == 22050


def rf64(fmt, payload, data_bytes=None):
    """An RF64 file: data size 0xFFFFFFFF in the data chunk, the true size in ds64."""
    data_bytes = len(payload) if data_bytes is None else data_bytes
    ds64 = chunk(b"ds64", struct.pack("<QQQI", 0, data_bytes, 0, 0))
    body = b"WAVE" + ds64 + fmt + b"data" + struct.pack("<I", 0xFFFFFFFF) + payload
    return b"RF64" + struct.pack("<I", 0xFFFFFFFF) + body


def test_rf64_hand_written_and_from_libsndfile(tmp_path):
    codes = [5, -5, 32767, -32768]
    x, info = read_all(write(tmp_path, "h.wav", rf64(fmt_chunk(PCM, 1, 48000, 16), int_bytes(codes, 2))))
    np.testing.assert_array_equal(x, np.array(codes) / 32768)
    assert info.encoding == "RF64 PCM 16-bit" and not info.truncated
    path = tmp_path / "sf.wav"
    values = np.array([[0.5, -0.25], [0.125, 1 / 1024]], dtype=np.float32)
    sf.write(path, values, 44100, format="RF64", subtype="FLOAT")
    assert path.read_bytes()[:4] == b"RF64"
    with open_audio(path) as reader:
        np.testing.assert_array_equal(reader.read(channel=1), values[:, 1])
        assert reader.info.encoding.startswith("RF64 float 32-bit")


def test_odd_chunk_layout_with_pad_bytes(tmp_path):
    codes = [-(2**23), 7, 2**23 - 1]  # 9 data bytes: odd, so a pad byte follows
    chunks = [
        chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00abcd\x00"),  # odd size 17, padded
        fmt_chunk(PCM, 1, 32000, 24),
        chunk(b"JUNK", b"xyz"),
        chunk(b"LIST", b"INFO"),
        data_chunk(int_bytes(codes, 3)),
        chunk(b"LIST", b"INFOICMT\x03\x00\x00\x00hi\x00"),
    ]
    data = riff(chunks)
    assert len(chunks[4]) == 8 + 9 + 1
    x, info = read_all(write(tmp_path, "odd.wav", data))
    np.testing.assert_array_equal(x, (np.array(codes) / 2**23).astype(np.float32))
    assert info.frames == 3 and not info.truncated


def test_streamed_riff_with_unknown_data_size_reads_to_the_end(tmp_path):
    codes = list(range(-50, 50))
    data = riff([fmt_chunk(PCM, 1, 8000, 16), data_chunk(int_bytes(codes, 2), declared=0xFFFFFFFF)])
    x, info = read_all(write(tmp_path, "stream.wav", data))
    np.testing.assert_array_equal(x, np.array(codes) / 32768)
    assert info.declared_frames is None and not info.truncated


# --- round trips through libsndfile's writer -------------------------------------------------
def bracketing(levels, x):
    """For each x, the two neighbouring levels of the sorted grid `levels`."""
    i = np.clip(np.searchsorted(levels, x), 1, len(levels) - 1)
    return levels[i - 1], levels[i]


G711_LEVELS = {
    "ULAW": np.unique([ulaw_decode(c) for c in range(256)]) / 32768,
    "ALAW": np.unique([alaw_decode(c) for c in range(256)]) / 32768,
}


CONTAINER_KW = {
    "RIFF": {"format": "WAV"},
    "RIFX": {"format": "WAV", "endian": "BIG"},
    "RF64": {"format": "RF64"},
    "WAVEX": {"format": "WAVEX"},
}


@pytest.mark.parametrize("container", sorted(CONTAINER_KW))
@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW"])
def test_round_trip_every_writable_wav_subtype(tmp_path, container, subtype):
    kw = CONTAINER_KW[container]
    if subtype not in sf.available_subtypes(kw["format"]):
        pytest.skip(f"libsndfile here cannot write {subtype} in {kw['format']}")
    rng = np.random.default_rng(11)
    x = np.concatenate([[0.0, 0.5, -0.5, -1.0, 0.999], rng.uniform(-1, 1, 2000)])
    path = tmp_path / "rt.wav"
    sf.write(path, x, 16000, subtype=subtype, **kw)
    assert path.read_bytes()[:4] == (b"RIFF" if container == "WAVEX" else container.encode())
    y, info = read_all(path)
    assert len(y) == len(x) and info.frames == len(x)
    assert info.encoding.startswith("WAV" if container == "WAVEX" else container.replace("RIFF", "WAV"))
    if subtype in ("FLOAT", "DOUBLE"):
        np.testing.assert_array_equal(y, x.astype(np.float32))
        return
    if subtype in G711_LEVELS:
        levels = G711_LEVELS[subtype]
    else:
        bits = {"PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}[subtype]
        step = 2.0 ** (1 - bits)
        if bits < 32:  # y is on the grid k / 2**(b-1); float32 cannot hold 32-bit codes exactly
            np.testing.assert_array_equal(np.round(y / step) * step, y)
        levels = np.arange(-1.0, 1.0, step) if bits <= 16 else None
    if levels is not None:
        lo, hi = bracketing(levels, x)
        assert np.all((np.isclose(y, lo, rtol=0, atol=1e-9)) | (np.isclose(y, hi, rtol=0, atol=1e-9)))
    else:
        assert np.max(np.abs(y - x)) <= 2.0 ** (1 - bits) + 6e-8 * np.abs(x).max()


def test_ms_adpcm_decodes_close_to_the_signal(tmp_path):
    t = np.arange(8000) / 8000
    x = 0.5 * np.sin(2 * np.pi * 250 * t)
    path = tmp_path / "adpcm.wav"
    sf.write(path, x, 8000, subtype="MS_ADPCM")
    y, info = read_all(path)
    assert info.encoding == "WAV MS ADPCM"
    assert len(y) >= len(x)
    assert np.max(np.abs(y[: len(x)] - x)) < 0.02


# --- other containers, when the installed libsndfile has them ----------------------------------------
def needs_format(name, subtype=None):
    have = name in sf.available_formats() and (subtype is None or subtype in sf.available_subtypes(name))
    return pytest.mark.skipif(not have, reason=f"libsndfile here has no {name} {subtype or ''}")


@needs_format("FLAC")
def test_flac_24_bit_is_exact(tmp_path):
    codes = np.array([-(2**23), -1, 0, 1, 4242424, 2**23 - 1], dtype=np.int32)
    path = tmp_path / "a.flac"
    sf.write(path, codes * 256, 48000, subtype="PCM_24")  # int32 input: libsndfile keeps the top 24 bits
    x, info = read_all(path)
    np.testing.assert_array_equal(x, (codes / 2**23).astype(np.float32))
    assert info.encoding == "FLAC PCM 24-bit"


def lossy_sine(tmp_path, name, **kw):
    fs_hz = 48000
    t = np.arange(fs_hz) / fs_hz
    x = 0.5 * np.sin(2 * np.pi * 1000 * t)
    path = tmp_path / name
    sf.write(path, np.column_stack([x, -x]), fs_hz, **kw)
    return path, fs_hz


@pytest.mark.parametrize(
    ("name", "kw", "encoding"),
    [
        pytest.param(
            "a.ogg", {"format": "OGG", "subtype": "VORBIS"}, "OGG Vorbis",
            marks=needs_format("OGG", "VORBIS"),
        ),
        pytest.param("a.mp3", {"format": "MP3"}, "MP3", marks=needs_format("MP3")),
        pytest.param("a.opus", {"format": "OGG", "subtype": "OPUS"}, "OGG Opus", marks=needs_format("OGG", "OPUS")),
    ],
)
def test_lossy_formats_keep_level_and_frequency(tmp_path, name, kw, encoding):
    path, fs_hz = lossy_sine(tmp_path, name, **kw)
    with open_audio(path) as reader:
        assert reader.info.encoding == encoding
        assert reader.info.channels == 2
        assert abs(reader.info.frames - fs_hz) <= 2048
        left = reader.read(channel=0)[4096:-4096]
        mix = reader.read(channel="mix")[4096:-4096]
    rms_db = 20 * np.log10(np.sqrt(np.mean(left.astype(np.float64) ** 2)) / (0.5 / np.sqrt(2)))
    assert abs(rms_db) < 0.5
    spectrum = np.abs(np.fft.rfft(left * np.hanning(len(left))))
    assert np.argmax(spectrum) * fs_hz / len(left) == pytest.approx(1000, abs=2 * fs_hz / len(left))
    assert np.max(np.abs(mix)) < 0.05  # the channels are opposite, so their mean is (nearly) silence


@needs_format("MP3")
def test_mp3_behind_an_id3_tag(tmp_path):
    path, _ = lossy_sine(tmp_path, "plain.mp3", format="MP3")
    tag = b"ID3\x04\x00\x00\x00\x00\x02\x00" + b"TIT2" + bytes(256 - 4)  # 256-byte tag (syncsafe size), padded
    tagged = write(tmp_path, "tagged.mp3", tag + path.read_bytes())
    np.testing.assert_array_equal(read_mono(tagged, channel=0)[0], read_mono(path, channel=0)[0])
    assert probe(tagged).encoding == "MP3"


@needs_format("FLAC")
def test_cut_short_flac_is_read_as_far_as_it_decodes_and_flagged(tmp_path):
    # 20 s less its last 100 bytes: the header still says 20 s; all but the cut FLAC frame decodes.
    path = tmp_path / "cut.flac"
    t = np.arange(20 * 44100) / 44100
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    sf.write(path, x, 44100, subtype="PCM_16")
    intact = sf.read(path, dtype="float32")[0]
    path.write_bytes(path.read_bytes()[:-100])
    info = probe(path)
    assert info.truncated and info.declared_frames == 882000
    assert 882000 - 2 * 4096 < info.frames < 882000  # one FLAC frame (4096 samples here) lost, at most two
    assert info.warning == f"{path}: truncated: {info.frames} of 882000 frames present"
    with open_audio(path) as reader:
        y = np.concatenate(list(reader.blocks(block_frames=65536)))
    np.testing.assert_array_equal(y, intact[: info.frames])


# --- truncation ---------------------------------------------------------------------------
def test_truncated_after_a_valid_header(tmp_path):
    codes = np.arange(1000) - 500
    header_claims = 48000 * 2
    data = riff([fmt_chunk(PCM, 1, 48000, 16), data_chunk(int_bytes(codes, 2), declared=header_claims)])
    path = write(tmp_path, "x.wav", data + b"\x01")  # and half of one more sample
    info = probe(path)
    assert (info.frames, info.declared_frames, info.truncated) == (1000, 48000, True)
    assert info.duration_s == 1000 / 48000
    assert info.warning == f"{path}: truncated: 1000 of 48000 frames present"
    assert info.as_json()["truncated"] is True
    with open_audio(path) as reader:
        assert reader.warning == info.warning
        np.testing.assert_array_equal(reader.read(), codes / 32768)
        assert reader.frame_range(0.0, 10.0) == (0, 1000)


def test_truncated_rf64_uses_the_ds64_size(tmp_path):
    claimed = 6_000_000_000  # more than 32 bits can say
    path = write(tmp_path, "t.wav", rf64(fmt_chunk(PCM, 2, 48000, 24), int_bytes(range(60), 3), claimed))
    info = probe(path)
    assert (info.frames, info.declared_frames, info.truncated) == (60 // 2, claimed // 6, True)


def test_untruncated_file_has_no_warning(tmp_path):
    path = write(tmp_path, "ok.wav", riff([fmt_chunk(PCM, 1, 8000, 16), data_chunk(int_bytes([1, 2, 3], 2))]))
    info = probe(path)
    assert info.warning is None and not info.truncated and info.declared_frames == 3


# --- slices and bounded reads -------------------------------------------------------------------
@pytest.fixture(scope="module")
def minute_of_stereo(tmp_path_factory):
    """60 s of 48 kHz 16-bit stereo with known integer codes (11.5 MB)."""
    fs_hz = 48000
    rng = np.random.default_rng(7)
    codes = rng.integers(-32768, 32768, size=(60 * fs_hz, 2), dtype=np.int16)
    path = tmp_path_factory.mktemp("long") / "minute.wav"
    path.write_bytes(riff([fmt_chunk(PCM, 2, fs_hz, 16), data_chunk(codes.astype("<i2").tobytes())]))
    return path, codes, fs_hz


def test_one_second_from_the_middle_reads_only_that_second(minute_of_stereo):
    path, codes, fs_hz = minute_of_stereo
    with open_audio(path) as reader:
        first, n = reader.frame_range(30.25, 1.0)
        assert (first, n) == (30.25 * fs_hz, fs_hz)
        tracemalloc.start()
        blocks = list(reader.blocks(first, n, channel=1, block_frames=10000))
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert [len(b) for b in blocks] == [10000] * 4 + [8000]
    np.testing.assert_array_equal(np.concatenate(blocks), codes[first : first + n, 1] / 32768)
    # The blocks kept (192 kB) plus one 10000-frame scratch buffer (80 kB); the file is 11.5 MB.
    assert peak_bytes < 600_000


def test_mix_of_a_slice_is_the_mean_of_the_channels(minute_of_stereo):
    path, codes, fs_hz = minute_of_stereo
    x, info = read_mono(path, start_s=59.5, duration_s=2.0)  # cut at the end of the file
    assert len(x) == fs_hz // 2 and info.frames == 60 * fs_hz
    np.testing.assert_allclose(x, codes[-fs_hz // 2 :].astype(np.float64).mean(axis=1) / 32768, atol=1e-7)


def test_blocks_cover_exactly_the_request(minute_of_stereo):
    path, codes, fs_hz = minute_of_stereo
    with open_audio(path) as reader:
        tail = reader.read(60 * fs_hz - 5, 100, channel=0)  # cut at the end of the file
        np.testing.assert_array_equal(tail, codes[-5:, 0] / 32768)
        assert list(reader.blocks(60 * fs_hz, 10)) == []
        assert list(reader.blocks(10**12)) == []
        assert reader.read(123, 0).shape == (0,)
        # Interleaved iterators each keep their own position.
        a, b = reader.blocks(0, 20, channel=0, block_frames=10), reader.blocks(1000, 20, channel=0, block_frames=10)
        got = [next(a), next(b), next(a), next(b)]
    np.testing.assert_array_equal(np.concatenate(got[0::2]), codes[:20, 0] / 32768)
    np.testing.assert_array_equal(np.concatenate(got[1::2]), codes[1000:1020, 0] / 32768)


def test_multi_gigabyte_sparse_file_is_probed_and_sliced_without_reading_it(tmp_path):
    n_bytes = 5_000_000_000  # 5 GB of data, over the 4 GiB RIFF limit: RF64
    path = write(tmp_path, "huge.wav", rf64(fmt_chunk(PCM, 2, 48000, 16), b"", n_bytes))
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) + n_bytes)  # a hole: no disk used, reads give zeros
        fh.seek(os.path.getsize(path) - 4)
        fh.write(int_bytes([1234, -1234], 2))  # the last frame
    tracemalloc.start()
    info = probe(path)
    with open_audio(path) as reader:
        middle = reader.read(info.frames // 2, 4800, channel=0)
        last = reader.read(info.frames - 1, 1, channel="mix")
        last_right = reader.read(info.frames - 1, 1, channel=1)
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.frames == n_bytes // 4 and not info.truncated and info.encoding == "RF64 PCM 16-bit"
    np.testing.assert_array_equal(middle, np.zeros(4800))
    assert last[0] == 0.0 and last_right[0] == -1234 / 32768
    assert peak_bytes < 1_000_000


def test_header_claiming_gigabytes_allocates_nothing_of_that_size(tmp_path):
    data = riff([fmt_chunk(PCM, 1, 48000, 16), data_chunk(int_bytes([1, 2], 2), declared=0xFFFFFFF0)])
    path = write(tmp_path, "claims.wav", data)
    tracemalloc.start()
    x, info = read_mono(path)
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.truncated and info.frames == 2 and info.declared_frames == 0xFFFFFFF0 // 2
    np.testing.assert_array_equal(x, [1 / 32768, 2 / 32768])
    assert peak_bytes < 1_000_000


def test_many_channels_are_decoded_in_bounded_pieces(tmp_path):
    n_frames, n_ch = 20000, 128  # one 20000-frame block would need a 10 MB float32 scratch buffer
    codes = np.random.default_rng(2).integers(-32768, 32768, size=(n_frames, n_ch), dtype=np.int16)
    payload = codes.astype("<i2").tobytes()
    path = write(tmp_path, "wide.wav", riff([fmt_chunk(PCM, n_ch, 48000, 16), data_chunk(payload)]))
    with open_audio(path) as reader:
        tracemalloc.start()
        blocks = list(reader.blocks(0, None, channel=127, block_frames=n_frames))
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mix = reader.read(100, 5000)
    assert [len(b) for b in blocks] == [n_frames]
    np.testing.assert_array_equal(blocks[0], codes[:, 127] / 32768)
    np.testing.assert_allclose(mix, codes[100:5100].astype(np.float64).mean(axis=1) / 32768, atol=1e-7)
    assert peak_bytes < 4.5 * 2**20  # the 4 MiB read limit plus the 80 kB block


# --- frame_range ------------------------------------------------------------------------------------
@pytest.fixture
def second_at_1000_hz(tmp_path):
    path = write(tmp_path, "s.wav", riff([fmt_chunk(PCM, 1, 1000, 16), data_chunk(bytes(2000))]))
    with open_audio(path) as reader:
        yield reader


@pytest.mark.parametrize(
    ("start_s", "duration_s", "expected"),
    [
        (0.0, None, (0, 1000)),
        (0.25, None, (250, 750)),
        (0.1, 0.3, (100, 300)),
        (0.0004, 0.0006, (0, 1)),  # rounded to the nearest frame
        (0.5, 2.0, (500, 500)),  # cut at the end
        (0.999, 1.0, (999, 1)),
    ],
)
def test_frame_range(second_at_1000_hz, start_s, duration_s, expected):
    assert second_at_1000_hz.frame_range(start_s, duration_s) == expected


@pytest.mark.parametrize(
    ("start_s", "duration_s", "message"),
    [
        (1.0, None, r"s\.wav: start 1 s is outside the file \(0 to 1 s, 1000 frames\)"),
        (99, 1.0, r"start 99 s is outside the file"),
        (-0.5, None, r"start -0\.5 s is outside the file"),
        (float("nan"), None, r"start must be a finite number"),
        (0.0, 0.0, r"s\.wav: duration must be > 0 s, got 0 s"),
        (0.0, -1.0, r"duration must be > 0 s"),
        (0.0, float("inf"), r"duration must be a finite number"),
        (0.0, 0.0001, r"duration 0\.0001 s is shorter than one sample \(1/1000 s\)"),
        ("abc", None, r"start must be a number of seconds"),
    ],
)
def test_frame_range_refuses(second_at_1000_hz, start_s, duration_s, message):
    with pytest.raises(ValueError, match=message):
        second_at_1000_hz.frame_range(start_s, duration_s)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"first_frame": -1}, "first_frame must be >= 0"),
        ({"n_frames": -5}, "n_frames must be >= 0"),
        ({"first_frame": 1.5}, "first_frame must be an integer"),
        ({"block_frames": 0}, "block_frames must be >= 1"),
    ],
)
def test_blocks_refuses_bad_arguments_at_once(second_at_1000_hz, kw, message):
    with pytest.raises(ValueError, match=message):
        second_at_1000_hz.blocks(**kw)


def test_closed_reader(tmp_path):
    path = write(tmp_path, "c.wav", riff([fmt_chunk(PCM, 1, 8000, 16), data_chunk(int_bytes([1], 2))]))
    reader = open_audio(path)
    blocks = reader.blocks()
    reader.close()
    with pytest.raises(AudioFileError, match=r"c\.wav: reader is closed"):
        next(blocks)
    reader.close()
    assert reader.closed
    with pytest.raises(AudioFileError, match=r"c\.wav: reader is closed"):
        reader.read()


def test_info_json_keys_and_values(tmp_path):
    path = write(tmp_path, "j.wav", riff([fmt_chunk(PCM, 3, 8000, 16), data_chunk(bytes(6 * 4000))]))
    info = probe(str(path))
    assert isinstance(info, AudioInfo)
    assert info.as_json() == {
        "fs_hz": 8000.0,
        "channels": 3,
        "frames": 4000,
        "duration_s": 0.5,
        "encoding": "WAV PCM 16-bit",
        "truncated": False,
    }


# --- bad input: one line naming the file and the problem ---------------------------------------
GOOD_FMT = fmt_chunk(PCM, 1, 8000, 16)
GOOD = riff([GOOD_FMT, data_chunk(int_bytes(range(10), 2))])

BAD_FILES = {
    "riff_only.wav": (GOOD[:12], r"header cut short \(12 of 44 bytes\)"),
    "in_fmt.wav": (GOOD[:30], r"header cut short \(30 of 44 bytes\)"),
    "no_data_header.wav": (GOOD[:40], r"header cut short \(40 of 44 bytes\)"),
    "five_bytes.wav": (b"RIFF\x00", r"header cut short \(5 of 44 bytes\)"),
    "zero_channels.wav": (riff([fmt_chunk(PCM, 0, 8000, 16, 2), data_chunk(bytes(20))]), "header: 0 channels"),
    "zero_rate.wav": (riff([fmt_chunk(PCM, 1, 0, 16), data_chunk(bytes(20))]), "impossible header: sample rate 0 Hz"),
    "block_align.wav": (
        riff([fmt_chunk(PCM, 2, 8000, 16, block_align=3), data_chunk(bytes(24))]),
        "impossible header: block alignment 3 bytes does not match 2 channels x 2 bytes",
    ),
    "zero_bits.wav": (riff([fmt_chunk(PCM, 1, 8000, 0, 2), data_chunk(bytes(20))]), "0 bits per sample"),
    "valid_bits.wav": (
        riff([fmt_chunk(EXTENSIBLE, 1, 8000, 16, valid_bits=20, sub_tag=PCM), data_chunk(bytes(20))]),
        "impossible header: 20 valid bits in a 16-bit container",
    ),
    "short_fmt.wav": (riff([chunk(b"fmt ", bytes(12)), data_chunk(bytes(20))]), "fmt chunk of 12 bytes is shorter"),
    "zero_data.wav": (riff([GOOD_FMT, data_chunk(b"")]), r"no audio data \(the data chunk is empty\)"),
    "zero_declared.wav": (riff([GOOD_FMT, data_chunk(bytes(20), declared=0)]), "no audio data"),
    "no_fmt.wav": (riff([data_chunk(bytes(20)), chunk(b"LIST", b"INFO")]), "no fmt chunk"),
    "garbage_chunk.wav": (riff([GOOD_FMT, b"\x00\x01\x02\x03" + bytes(30)]), "damaged chunk list"),
    "made_up_tag.wav": (
        riff([fmt_chunk(0x1234, 1, 8000, 16), data_chunk(bytes(20))]),
        r"unsupported encoding WAV format 0x1234 \(",
    ),
    "too_many_channels.wav": (
        riff([fmt_chunk(PCM, 5000, 8000, 16), data_chunk(bytes(20000))]),
        r"cannot decode this WAV PCM 16-bit file: Too many channels",
    ),
    "text.wav": (b"This is a text file, not audio.\n" * 40, r"not a recognised audio file"),
    "random.bin": (np.random.default_rng(0).bytes(10000), r"not a recognised audio file"),
    "mpeg_sync_noise.mp3": (np.random.default_rng(1).bytes(10000), r"not a recognised audio file"),
    "id3_then_noise.mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(16) + GOOD * 100, "not a recognised audio file"),
    "empty.wav": (b"", r"empty file \(0 bytes\)"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_give_one_line(tmp_path, capfd, name):
    data, message = BAD_FILES[name]
    path = write(tmp_path, name, data)
    for attempt in (probe, open_audio, read_mono):
        with pytest.raises(AudioFileError) as err:
            attempt(path)
        text = str(err.value)
        assert text.startswith(f"{path}: "), text
        assert "\n" not in text
        assert err.value.__cause__ is None  # no chained traceback
        assert err.value.__context__ is None or err.value.__suppress_context__
        assert re.search(message, text), text
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""  # no decoder chatter on the terminal


def test_mpeg_sync_noise_really_starts_like_mpeg():
    data = BAD_FILES["mpeg_sync_noise.mp3"][0]
    assert data[0] == 0xFF and data[1] & 0xE0 == 0xE0


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(AudioFileError, match=r"^.*missing\.wav: no such file$"):
        probe(tmp_path / "missing.wav")
    with pytest.raises(AudioFileError, match=r": is a directory, not an audio file$"):
        open_audio(tmp_path)


def test_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)
    with pytest.raises(AudioFileError, match=r"pipe\.wav: not a regular file$"):
        probe(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "locked.wav", GOOD)
    path.chmod(0)
    try:
        with pytest.raises(AudioFileError, match=r"locked\.wav: permission denied$"):
            probe(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


# --- layouts libsndfile refuses, read through the header walker ---------------------------------
FOUR_SAMPLES = data_chunk(int_bytes([-7, 0, 7, 32767], 2))


@pytest.mark.parametrize(
    ("name", "chunks"),
    [
        ("fmt_after_data.wav", [FOUR_SAMPLES, fmt_chunk(PCM, 1, 8000, 16)]),
        ("unpadded.wav", [chunk(b"LIST", b"INFOabc", pad=False), fmt_chunk(PCM, 1, 8000, 16), FOUR_SAMPLES]),
    ],
)
def test_layouts_libsndfile_refuses_are_read_as_raw(tmp_path, name, chunks):
    path = write(tmp_path, name, riff(chunks))
    with pytest.raises(sf.LibsndfileError):
        sf.info(path)  # the reason for the fallback
    x, info = read_all(path)
    np.testing.assert_array_equal(x, np.array([-7, 0, 7, 32767]) / 32768)
    assert (info.frames, info.encoding, info.truncated) == (4, "WAV PCM 16-bit", False)


def test_raw_fallback_keeps_big_endian_truncation_and_slices(tmp_path):
    codes = np.arange(-300, 300)
    unpadded = chunk(b"LIST", b"INFOabc", ">", pad=False)
    data_part = data_chunk(int_bytes(codes, 3, ">"), ">", declared=6000)  # 1800 of 6000 bytes present
    fmt = fmt_chunk(PCM, 2, 8000, 24, order=">")
    path = write(tmp_path, "rifx_odd.wav", riff([unpadded, fmt, data_part], b"RIFX", ">"))
    with pytest.raises(sf.LibsndfileError):
        sf.info(path)
    x, info = read_mono(path, start_s=0.01, channel=1)
    np.testing.assert_array_equal(x, (codes[161::2] / 2**23).astype(np.float32))
    assert (info.frames, info.declared_frames, info.truncated) == (300, 1000, True)
    assert info.encoding == "RIFX PCM 24-bit"


def test_16_bit_pcm_reads_codes_over_32768_exactly_across_decode_pieces(tmp_path):
    # Longer than one int16 decode piece (PCM16_PIECE_SAMPLES), stereo, every code from -32768 to 32767.
    from specscope.app.io.reader import PCM16_PIECE_SAMPLES

    ramp = np.arange(-32768, 32768)
    codes = np.stack([ramp, np.roll(ramp[::-1], 12345)], axis=1).astype(np.int16)
    codes = np.concatenate([codes, codes[:1000]])
    assert codes.size > 2 * PCM16_PIECE_SAMPLES
    path = tmp_path / "pcm16.wav"
    sf.write(path, codes, 8000, subtype="PCM_16")
    with open_audio(path) as reader:
        for channel in (0, 1):
            np.testing.assert_array_equal(reader.read(5, None, channel), codes[5:, channel] / np.float32(32768))
        mix = (codes[70000:110000, 0].astype(np.float64) + codes[70000:110000, 1]) / 65536  # exact in float32
        np.testing.assert_array_equal(reader.read(70000, 40000, "mix"), mix.astype(np.float32))
