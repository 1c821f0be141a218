"""Tests of the e-mail plugin (a package, so test modules of plugins do not clash)."""
