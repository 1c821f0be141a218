"""Tests of the Fromni / Imobis plugin (``fromni.tests``), against the fake in ``fake_fromni``."""
