"""Calibration: offset from a calibrator, the microphone deviation's sign, and the response-file parser."""

import numpy as np
import pytest

from specscope.dsp.calibration import Calibration, MicResponse, load_mic_response, offset_from_measurement
from specscope.dsp.level_meter import LevelMeter

FS_HZ = 48000.0


def tone(level_db, f_hz, seconds=2.0):
    t = np.arange(round(seconds * FS_HZ)) / FS_HZ
    return 10 ** (level_db / 20) * np.sin(2 * np.pi * f_hz * t)


def test_calibrator_then_a_quieter_tone():
    meter = LevelMeter(FS_HZ)
    measured = meter.process(tone(-30.0, 1000.0)).leq_db[0]  # the 94 dB calibrator reads -30 dBFS
    cal = Calibration(offset_from_measurement(measured, 94.0))
    assert cal.offset_db == pytest.approx(124.0, abs=1e-6)
    meter.reset()
    assert cal.to_spl_db(meter.process(tone(-40.0, 1000.0)).leq_db[0]) == pytest.approx(84.0, abs=1e-6)


def test_plus_3_db_at_10_khz_lowers_a_10_khz_reading_by_3_db(tmp_path):
    path = tmp_path / "mic.txt"
    path.write_text("20 0\n1000 0\n10000 3.0\n20000 3.0\n")
    cal = Calibration(100.0, load_mic_response(path))
    assert cal.to_spl_db(-20.0, 10000.0) == pytest.approx(100 - 20 - 3.0, abs=1e-12)
    assert cal.to_spl_db(-20.0, 1000.0) == pytest.approx(80.0, abs=1e-12)
    assert cal.to_spl_db(-20.0) == 80.0  # no frequency: the offset alone


def test_interpolation_is_linear_in_log_frequency_and_constant_beyond():
    r = MicResponse([100.0, 1000.0, 10000.0], [-2.0, 0.0, 4.0])
    # sqrt(1000 * 10000) = 3162 Hz is halfway in log f: 2 dB.
    np.testing.assert_allclose(r.deviation_at([10**3.5, 10**2.5]), [2.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(r.deviation_at([0.0, 5.0, 30000.0]), [-2.0, -2.0, 4.0])


UMIK = """\
"Sens Factor =-1.378dB, AGain =18dB, SERNO: 7023456"
20.000\t-1.5230\t12.3
31.500\t-0.6100\t8.1
1000.000\t0.0000\t0.0
10000.000\t2.2500\t-20.5
20000.000\t-3.0100\t-40.0
"""


def test_umik_style_file(tmp_path):
    path = tmp_path / "7023456.txt"
    path.write_text(UMIK)
    r = load_mic_response(path)
    np.testing.assert_array_equal(r.frequency_hz, [20, 31.5, 1000, 10000, 20000])
    np.testing.assert_array_equal(r.deviation_db, [-1.523, -0.61, 0.0, 2.25, -3.01])
    assert r.sens_factor_db == -1.378


def test_csv_with_header_and_comments(tmp_path):
    path = tmp_path / "emm6.csv"
    path.write_text(
        "* Dayton Audio EMM-6 calibration\nFreq(Hz),SPL(dB)\n# measured 2024\n10,-0.5\n\n100 , 0.1\n1000;0\n"
    )
    r = load_mic_response(path)
    np.testing.assert_array_equal(r.frequency_hz, [10, 100, 1000])
    np.testing.assert_array_equal(r.deviation_db, [-0.5, 0.1, 0.0])
    assert r.sens_factor_db is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("20 0\n100 1\n1000 0\n2000 0\n3000 0\nabc\n", "mic.txt line 6: expected 'frequency dB', got 'abc'"),
        ("20 0\n100\n", "mic.txt line 2: expected 'frequency dB', got '100'"),
        ("20 0\n10 1\n", "mic.txt line 2: frequencies must increase, got 10 after 20"),
        ("0 0\n10 1\n", "mic.txt line 1: frequency must be > 0 Hz, got 0"),
        ("# only one point\n1000 0\n", "mic.txt: expected at least 2 'frequency dB' lines, got 1"),
    ],
)
def test_bad_files_name_the_line(tmp_path, text, message):
    path = tmp_path / "mic.txt"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        load_mic_response(path)
    assert str(err.value) == message


def test_validation():
    with pytest.raises(ValueError, match="offset_db must be a finite number"):
        Calibration(float("nan"))
    with pytest.raises(ValueError, match="frequency_hz must be finite, > 0 and strictly increasing"):
        MicResponse([100.0, 100.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="deviation_db must have 2 values"):
        MicResponse([100.0, 200.0], [0.0])
    with pytest.raises(ValueError, match="measured_dbfs must be a finite number"):
        offset_from_measurement(None)
