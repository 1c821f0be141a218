"""Tests of the ONDOC plugin (``ondoc.tests``), against the fake portal in ``fake_ondoc``."""
