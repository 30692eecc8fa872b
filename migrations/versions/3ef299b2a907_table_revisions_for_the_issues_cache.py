"""table revisions for the issues cache: a number per table raised by every committed change to it

Revision ID: 3ef299b2a907
Revises: 0554c636488e
Create Date: 2026-12-07 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3ef299b2a907'
down_revision = '0554c636488e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'table_revision',
        sa.Column('table_name', sa.String(length=100), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('table_name', name=op.f('pk_table_revision')),
    )


def downgrade():
    op.drop_table('table_revision')
