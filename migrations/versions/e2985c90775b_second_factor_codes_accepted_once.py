"""second-factor codes accepted once: the user's last accepted time step

Revision ID: e2985c90775b
Revises: 9fc18b7ebba6
Create Date: 2026-11-27 14:56:57.540181

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2985c90775b'
down_revision = '9fc18b7ebba6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tf_totp_last_step', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('tf_totp_last_step')
