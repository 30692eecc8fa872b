"""`python -m bench.django_peer.seed`: the Django peer's superuser and N users (one shared password hash, bulk inserts)."""

from __future__ import annotations

import argparse
import os

BATCH = 5000


def main() -> None:
    """Create the superuser if missing, then bulk-insert users until there are --users of them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, required=True, help="bench users wanted in auth_user")
    parser.add_argument("--password", required=True)
    parser.add_argument("--admin", required=True, help="the superuser's username (and local part of the email)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_peer.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone

    if not User.objects.filter(username=args.admin).exists():
        User.objects.create_superuser(args.admin, f"{args.admin}@bench.example", args.password)
    have = User.objects.filter(username__startswith="user").count()
    hashed = make_password(args.password)
    now = timezone.now()
    for start in range(have, args.users, BATCH):
        User.objects.bulk_create(
            [
                User(
                    username=f"user{i:06d}",
                    email=f"user{i:06d}@bench.example",
                    first_name="Bench",
                    last_name=f"User {i}",
                    password=hashed,
                    is_active=True,
                    date_joined=now,
                )
                for i in range(start, min(start + BATCH, args.users))
            ],
            batch_size=BATCH,
        )


if __name__ == "__main__":
    main()
