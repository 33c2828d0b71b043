"""specscope.dsp.peaks: the public face of the peak modules keeps every name importable from one place."""

import specscope.dsp.peak_fit as peak_fit
import specscope.dsp.peak_model as peak_model
import specscope.dsp.peak_search as peak_search
import specscope.dsp.peaks as peaks


def test_every_public_name_is_the_one_of_its_module():
    homes = {"Peak": peak_fit, "estimate_peak": peak_fit, "estimate_peak_frames": peak_fit,
             "WindowModel": peak_model, "window_model": peak_model, "LEAKAGE_FLOOR_DB": peak_model,
             "TABLE_POINTS_PER_BIN": peak_model, "find_peaks": peak_search, "PeakAccumulator": peak_search,
             "FIT_STORE_BUDGET_BYTES": peak_search, "SUBTRACT_WORK_ELEMENTS": peak_search}
    assert sorted(peaks.__all__) == sorted(homes)
    for name, module in homes.items():
        assert getattr(peaks, name) is getattr(module, name)
