"""Not part of the distribution (which ships only ``hub_fromni``).

It makes this folder a package for pytest, so the plugin's tests import as
``fromni.tests.<module>``: every plugin may then name its tests ``test_plugin.py``,
``test_client.py``... without clashing with another plugin's in one run.
"""
