"""Not part of the distribution (which ships only ``hub_ondoc``).

It makes this folder a package for pytest, so the plugin's tests import as
``ondoc.tests.<module>`` without clashing with another plugin's test modules.
"""
