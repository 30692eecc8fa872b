"""The account blueprint: a signed-in user's profile and security settings."""
