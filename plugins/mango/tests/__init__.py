"""Tests of the Mango Office plugin (``mango.tests``), against the fake in ``fake_mango``."""
