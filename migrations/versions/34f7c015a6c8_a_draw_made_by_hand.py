"""a draw made by hand: class_draw.method may be 'manual'

Revision ID: 34f7c015a6c8
Revises: 7f0370fc5d91
Create Date: 2026-12-07 06:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '34f7c015a6c8'
down_revision = '7f0370fc5d91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('class_draw', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_class_draw_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_class_draw_method_known'), "method IN ('random', 'alphabetical', 'age', 'manual')")


def downgrade():
    # A draw made by hand has no method to go back to: it reads as a random draw without its seed.
    op.execute("UPDATE class_draw SET method = 'random', seed = NULL WHERE method = 'manual'")
    with op.batch_alter_table('class_draw', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_class_draw_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_class_draw_method_known'), "method IN ('random', 'alphabetical', 'age')")
