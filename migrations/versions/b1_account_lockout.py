"""account lockout: consecutive failed sign-ins and locked-until time on user

Revision ID: b1_account_lockout
Revises: fe852d56fb10
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1_account_lockout'
down_revision = 'fe852d56fb10'
branch_labels = None
depends_on = None


def upgrade():
    # batch mode so SQLite (which cannot ALTER most things) gets a table copy; the server default
    # gives rows that already exist a count of 0 rather than NULL.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
