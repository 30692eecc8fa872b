"""schedule versions: each publication of a festival's schedule, with its snapshot

Revision ID: 7f0370fc5d91
Revises: e82bb698dbbb
Create Date: 2026-12-07 06:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f0370fc5d91'
down_revision = 'e82bb698dbbb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schedule_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by', sa.String(length=255), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('performance_count', sa.Integer(), nullable=False),
    sa.Column('performances', sa.JSON(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.Column('notified_count', sa.Integer(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_schedule_version_number_positive')),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_schedule_version_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_schedule_version_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_version')),
    sa.UniqueConstraint('festival_id', 'number', name=op.f('uq_schedule_version_festival_id'))
    )
    with op.batch_alter_table('schedule_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_version_festival_id'), ['festival_id'], unique=False)


def downgrade():
    with op.batch_alter_table('schedule_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_version_festival_id'))

    op.drop_table('schedule_version')
