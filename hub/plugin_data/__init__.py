"""What plugins keep in the hub besides ``ctx.state``: the logic behind the
plugin-platform capabilities, each in a module of its own, each a set of functions
taking their session (or database), clinic and plugin explicitly.

    reference   plugin reference kinds: declared kinds, storing a plugin's items
    sync        running ``sync_reference_data`` now, logged like a job
    mappings    (hub id, external id) pairs per clinic, plugin and mapping kind
    tables      a transaction on the plugin's own tables (``ctx.tables()``)
    files       an action's file answer turned into an HTTP response
"""
