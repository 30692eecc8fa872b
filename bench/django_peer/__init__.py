"""A minimal Django project whose admin `make bench` measures beside mfo's (stock auth, sessions and admin)."""
