"""import kinds declared by features: no list of kinds in import_batch, longer kind names

Revision ID: de20613c0539
Revises: 34f7c015a6c8
Create Date: 2026-12-07 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de20613c0539'
down_revision = '34f7c015a6c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_batch_kind_known'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=10), type_=sa.String(length=40), existing_nullable=False)
    with op.batch_alter_table('import_mapping', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=10), type_=sa.String(length=40), existing_nullable=False)


def downgrade():
    # Batches of kinds other than the syllabus and entries cannot be kept under the old constraint.
    op.execute("DELETE FROM import_mapping WHERE kind NOT IN ('syllabus', 'entries')")
    op.execute("DELETE FROM import_batch WHERE kind NOT IN ('syllabus', 'entries')")
    with op.batch_alter_table('import_mapping', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=10), existing_nullable=False)
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=40), type_=sa.String(length=10), existing_nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_import_batch_kind_known'), "kind IN ('syllabus', 'entries')")
