"""Not part of the distribution (which ships only ``hub_promobot``).

It makes this folder a package for pytest, so the plugin's tests import as
``promobot.tests.<module>`` without clashing with another plugin's tests in one run.
"""
