"""forced password change and invitations: user.must_change_password and user.invited_at

Revision ID: 9fc18b7ebba6
Revises: b9fc3d4cbe50
Create Date: 2026-11-27 14:48:07.812959

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9fc18b7ebba6'
down_revision = 'b9fc3d4cbe50'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN, which SQLite does in place. Not batch mode: a server default
    # that is an SQL expression makes it copy the table, and dropping the old "user" table (foreign
    # keys on) would cascade into roles_users and webauthn and empty them. The server default gives
    # existing users "no forced change" (false() renders as 0 on SQLite, false on PostgreSQL).
    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user', sa.Column('invited_at', sa.DateTime(), nullable=True))


def downgrade():
    # In place too (SQLite 3.35+ drops a column itself), for the same reason as above.
    op.drop_column('user', 'invited_at')
    op.drop_column('user', 'must_change_password')
