"""festival currency: the ISO 4217 code pages show the festival's money in

Revision ID: 3c1f0a9d7e21
Revises: 3ef299b2a907
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0a9d7e21'
down_revision = '3ef299b2a907'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('festival', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='CAD', nullable=False))


def downgrade():
    with op.batch_alter_table('festival', schema=None) as batch_op:
        batch_op.drop_column('currency')
