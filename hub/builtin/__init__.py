"""Plugins shipped inside clinic-hub, registered through the same entry-point group."""
