"""Plumbing shared by every server package: storage, identity, transports. A leaf: it never imports a server."""
