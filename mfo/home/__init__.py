"""The home blueprint: the public landing page, the signed-in dashboard and the language switch."""
