"""MPEG frame sniffing against frame sizes computed by hand from ISO 11172-3 / 13818-3."""

import io

import pytest

from specscope.app.io.sniff import (
    SNIFF_BYTES,
    has_known_magic,
    looks_like_mpeg,
    mpeg_audio_follows,
    mpeg_frame,
)

MP3_128K_44K1 = bytes([0xFF, 0xFB, 0x90, 0x00])  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding


@pytest.mark.parametrize(
    ("header", "size"),
    [
        (MP3_128K_44K1, 417),  # 144 * 128000 / 44100 = 417.96 -> 417
        (bytes([0xFF, 0xFB, 0x92, 0x00]), 418),  # the same with the padding byte
        (bytes([0xFF, 0xFF, 0x18, 0x00]), 48),  # MPEG-1 layer I, 32 kbit/s, 32 kHz: 12 * 32000 / 32000 slots of 4
        (bytes([0xFF, 0xF3, 0x10, 0x00]), 26),  # MPEG-2 layer III, 8 kbit/s, 22.05 kHz: 72 * 8000 / 22050
        (bytes([0xFF, 0xE3, 0x10, 0x00]), 52),  # MPEG-2.5 layer III, 8 kbit/s, 11.025 kHz: 72 * 8000 / 11025
    ],
)
def test_frame_size_hand_computed(header, size):
    assert mpeg_frame(header, 0)[0] == size


@pytest.mark.parametrize(
    "header",
    [
        bytes([0xFF, 0xEB, 0x90, 0x00]),  # version bits 01: reserved
        bytes([0xFF, 0xF9, 0x90, 0x00]),  # layer bits 00: reserved
        bytes([0xFF, 0xFB, 0xF0, 0x00]),  # bitrate index 15: forbidden
        bytes([0xFF, 0xFB, 0x00, 0x00]),  # bitrate index 0: free format, not sniffed
        bytes([0xFF, 0xFB, 0x9C, 0x00]),  # rate index 3: reserved
        bytes([0xFF, 0xFB, 0x90]),  # cut short
    ],
)
def test_impossible_frame_headers_are_refused(header):
    assert mpeg_frame(header, 0) is None


def _stream(n_frames=3):
    frame = MP3_128K_44K1 + bytes(417 - 4)
    return frame * n_frames


def test_two_consecutive_frames_are_mpeg_audio_one_is_not():
    data = _stream()
    assert looks_like_mpeg(data) and mpeg_audio_follows(io.BytesIO(data), data[:SNIFF_BYTES])
    noise = MP3_128K_44K1 + bytes(500)  # a sync word, but no second frame where the first one ends
    assert looks_like_mpeg(noise) and not mpeg_audio_follows(io.BytesIO(noise), noise)


def test_frames_after_an_id3v2_tag_are_found():
    tag = b"ID3" + bytes([4, 0, 0]) + bytes([0, 0, 1, 0x10])  # syncsafe size 1 * 128 + 16 = 144 bytes
    data = tag + bytes(144) + b"\x00\xff\x00" + _stream()  # a stray 0xFF before the first frame
    assert looks_like_mpeg(data) and mpeg_audio_follows(io.BytesIO(data), data[:SNIFF_BYTES])
    empty = tag + bytes(144) + bytes(2000)
    assert not mpeg_audio_follows(io.BytesIO(empty), empty)


def test_known_magic_numbers():
    assert has_known_magic(b"fLaC\x00\x00") and has_known_magic(b"OggS") and has_known_magic(b"FORM....AIFF")
    assert not has_known_magic(b"\xff\xfb\x90\x00") and not has_known_magic(b"hello")
    assert not looks_like_mpeg(b"RIFF") and not looks_like_mpeg(b"\xff")
