"""Not part of the distribution (which ships only ``hub_labs``).

It makes this folder a package for pytest, so the plugin's tests import as
``labs.tests.<module>`` without clashing with another plugin's tests.
"""
