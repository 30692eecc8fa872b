"""The admin's model views: a secure base, users and roles."""
