"""user search: trigram indexes on the searched user columns (PostgreSQL only)

Revision ID: b3_user_search
Revises: b2_audit_trail
Create Date: 2026-11-23 11:00:00.000000

"""
from alembic import op

# As mfo.database.models.users.SEARCHED_USER_COLUMNS, frozen as of this revision.
SEARCHED_USER_COLUMNS = ("email", "username", "name")

# revision identifiers, used by Alembic.
revision = 'b3_user_search'
down_revision = 'b2_audit_trail'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no trigram index; its searches keep scanning the table
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED_USER_COLUMNS:
        op.create_index(
            f"ix_user_{column}_trgm", "user", [column],
            postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in SEARCHED_USER_COLUMNS:
        op.drop_index(f"ix_user_{column}_trgm", table_name="user")
    # The extension stays: other tables may use it, and it holds no data of its own.
