"""performer profiles: the people an account enters for online

Revision ID: 0554c636488e
Revises: de20613c0539
Create Date: 2026-12-07 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0554c636488e'
down_revision = 'de20613c0539'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('performer_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("relation IN ('self', 'child')", name=op.f('ck_performer_profile_relation_known')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_performer_profile_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_performer_profile_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performer_profile')),
    sa.UniqueConstraint('user_id', 'person_id', name=op.f('uq_performer_profile_user_id'))
    )
    with op.batch_alter_table('performer_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performer_profile_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performer_profile_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('performer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performer_profile_user_id'))
        batch_op.drop_index(batch_op.f('ix_performer_profile_person_id'))
    op.drop_table('performer_profile')
