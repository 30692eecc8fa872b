"""performer profiles and the basket: the people an account enters for online, its draft entries

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

    op.create_table('basket_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('teacher_first_name', sa.String(length=100), nullable=False),
    sa.Column('teacher_last_name', sa.String(length=100), nullable=False),
    sa.Column('pieces', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_basket_entry_status_known')),
    sa.ForeignKeyConstraint(['class_id'], ['festival_class.id'], name=op.f('fk_basket_entry_class_id_festival_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_basket_entry_entry_id_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_basket_entry_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['performer_profile.id'], name=op.f('fk_basket_entry_profile_id_performer_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_basket_entry_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basket_entry'))
    )
    with op.batch_alter_table('basket_entry', schema=None) as batch_op:
        for column in ('class_id', 'entry_id', 'festival_id', 'profile_id', 'user_id'):
            batch_op.create_index(batch_op.f(f'ix_basket_entry_{column}'), [column], unique=False)


def downgrade():
    op.drop_table('basket_entry')
    with op.batch_alter_table('performer_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performer_profile_user_id'))
        batch_op.drop_index(batch_op.f('ix_performer_profile_person_id'))
    op.drop_table('performer_profile')
