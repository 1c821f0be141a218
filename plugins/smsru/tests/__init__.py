"""Tests of the sms.ru plugin (``smsru.tests``), against the fake in ``fake_smsru``."""
