"""Development tools for mfo's source tree (message catalogs); not part of the running application."""
