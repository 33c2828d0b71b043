"""read_boxes: every box gets exactly the samples a direct read gives, in time order, overlaps reused."""

import numpy as np
import soundfile as sf

from specscope.app.analysis.box_reading import read_boxes
from specscope.app.io.audio_file import open_audio
from specscope.dsp.config import StftConfig
from specscope.dsp.selection_measures import box_frames


class Box:
    def __init__(self, begin_s, end_s, channel):
        self.begin_s, self.end_s, self.channel = begin_s, end_s, channel


def test_boxes_in_time_order_with_overlaps_read_the_same_samples(tmp_path):
    fs = 8000
    x = np.random.default_rng(1).uniform(-0.9, 0.9, (5 * fs, 2))
    path = tmp_path / "two.wav"
    sf.write(path, x, fs, subtype="FLOAT")
    cfg = StftConfig(fs_hz=float(fs), n_fft=256, hop=64)
    boxes = [Box(3.0, 3.5, 0), Box(0.2, 1.0, 1), Box(0.5, 1.4, 1), Box(0.6, 0.9, 1), Box(0.3, 0.8, 0),
             Box(4.5, 5.0, 0), Box(0.25, 0.5, "mix")]
    with open_audio(path) as reader:
        n_total = cfg.n_frames(reader.info.frames)
        got = list(read_boxes(reader, cfg, n_total, boxes, lambda b: b.channel))
        assert sorted(i for i, *_ in got) == list(range(len(boxes)))
        firsts = [first for _, _, first, _ in got]
        assert firsts == sorted(firsts)  # forward only
        for i, box, first, samples in got:
            assert box is boxes[i]
            want_first, n = box_frames(cfg, n_total, box.begin_s, box.end_s)
            assert first == want_first
            direct = reader.read(first * cfg.hop, (n - 1) * cfg.hop + cfg.n_fft, box.channel)
            np.testing.assert_array_equal(samples, direct)
