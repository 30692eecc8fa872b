"""festival, syllabus, people, entries and imports

Revision ID: c8fdcb0c01f0
Revises: b3_user_search
Create Date: 2026-11-27 14:18:47.384136

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8fdcb0c01f0'
down_revision = 'b3_user_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('festival',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('age_cutoff', sa.Date(), nullable=False),
    sa.Column('entries_open', sa.Date(), nullable=True),
    sa.Column('entries_close', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'entries-open', 'entries-closed', 'scheduled', 'published', 'archived')", name=op.f('ck_festival_status_known')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_festival_dates_in_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_festival')),
    sa.UniqueConstraint('slug', name=op.f('uq_festival_slug'))
    )
    op.create_table('piece',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('composer', sa.String(length=200), nullable=False),
    sa.Column('arranger', sa.String(length=200), nullable=True),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=520), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_piece')),
    sa.UniqueConstraint('key', name=op.f('uq_piece_key'))
    )
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('key', name=op.f('uq_school_key'))
    )
    op.create_table('discipline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_discipline_festival_id_festival'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discipline')),
    sa.UniqueConstraint('festival_id', 'name', name=op.f('uq_discipline_festival_id'))
    )
    with op.batch_alter_table('discipline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discipline_festival_id'), ['festival_id'], unique=False)

    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('excluded_rows', sa.JSON(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('undone_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('syllabus', 'entries')", name=op.f('ck_import_batch_kind_known')),
    sa.CheckConstraint("status IN ('uploaded', 'previewed', 'applied', 'refused', 'undone')", name=op.f('ck_import_batch_status_known')),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_import_batch_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_import_batch_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_sha256'), ['sha256'], unique=False)

    op.create_table('import_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_import_mapping_festival_id_festival'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mapping')),
    sa.UniqueConstraint('festival_id', 'kind', name=op.f('uq_import_mapping_festival_id'))
    )
    op.create_table('level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_level_festival_id_festival'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_level')),
    sa.UniqueConstraint('festival_id', 'name', name=op.f('uq_level_festival_id'))
    )
    with op.batch_alter_table('level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_level_festival_id'), ['festival_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['person.id'], name=op.f('fk_person_guardian_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_person_school_id_school'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_email'), ['email'], unique=False)
        batch_op.create_index('ix_person_name_key_birth_date', ['name_key', 'birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_school_id'), ['school_id'], unique=False)

    op.create_table('festival_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('suffix', sa.String(length=4), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('discipline_id', sa.Integer(), nullable=True),
    sa.Column('level_id', sa.Integer(), nullable=True),
    sa.Column('class_type', sa.String(length=12), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('fee', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('time_limit', sa.Integer(), nullable=True),
    sa.Column('adjudication_time', sa.Integer(), nullable=False),
    sa.Column('changeover_time', sa.Integer(), nullable=False),
    sa.Column('accompanist_required', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("class_type IN ('solo', 'duet', 'trio', 'quartet', 'quintet', 'ensemble', 'recital')", name=op.f('ck_festival_class_type_known')),
    sa.CheckConstraint('min_age IS NULL OR max_age IS NULL OR min_age <= max_age', name=op.f('ck_festival_class_ages_in_order')),
    sa.ForeignKeyConstraint(['discipline_id'], ['discipline.id'], name=op.f('fk_festival_class_discipline_id_discipline'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_festival_class_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['level_id'], ['level.id'], name=op.f('fk_festival_class_level_id_level'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_festival_class')),
    sa.UniqueConstraint('festival_id', 'number', 'suffix', name=op.f('uq_festival_class_festival_id'))
    )
    with op.batch_alter_table('festival_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festival_class_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index('ix_festival_class_festival_id_discipline_id', ['festival_id', 'discipline_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_festival_class_level_id'), ['level_id'], unique=False)

    op.create_table('import_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_change_batch_id_import_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_change'))
    )
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_change_batch_id'), ['batch_id'], unique=False)

    op.create_table('performing_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['person.id'], name=op.f('fk_performing_group_contact_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_performing_group_school_id_school'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performing_group'))
    )
    with op.batch_alter_table('performing_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performing_group_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performing_group_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_performing_group_school_id'), ['school_id'], unique=False)

    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('accompanist_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('fee', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('given_contacts', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('import_filename', sa.String(length=255), nullable=True),
    sa.Column('import_row', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source IN ('online', 'import')", name=op.f('ck_entry_source_known')),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'withdrawn', 'scratched')", name=op.f('ck_entry_status_known')),
    sa.ForeignKeyConstraint(['accompanist_id'], ['person.id'], name=op.f('fk_entry_accompanist_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['class_id'], ['festival_class.id'], name=op.f('fk_entry_class_id_festival_class'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_entry_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['performing_group.id'], name=op.f('fk_entry_group_id_performing_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_entry_school_id_school'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['teacher_id'], ['person.id'], name=op.f('fk_entry_teacher_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_accompanist_id'), ['accompanist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index('ix_entry_festival_id_class_id', ['festival_id', 'class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['performing_group.id'], name=op.f('fk_group_member_group_id_performing_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_group_member_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_group_member'))
    )
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_member_person_id'), ['person_id'], unique=False)

    op.create_table('set_piece',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('piece_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['festival_class.id'], name=op.f('fk_set_piece_class_id_festival_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['piece_id'], ['piece.id'], name=op.f('fk_set_piece_piece_id_piece'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_set_piece')),
    sa.UniqueConstraint('class_id', 'piece_id', name=op.f('uq_set_piece_class_id'))
    )
    with op.batch_alter_table('set_piece', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_set_piece_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_set_piece_piece_id'), ['piece_id'], unique=False)

    op.create_table('entry_performer',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_performer_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_entry_performer_person_id_person'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('entry_id', 'person_id', name=op.f('pk_entry_performer'))
    )
    with op.batch_alter_table('entry_performer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_performer_person_id'), ['person_id'], unique=False)

    op.create_table('entry_piece',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('piece_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_piece_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['piece_id'], ['piece.id'], name=op.f('fk_entry_piece_piece_id_piece'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_piece'))
    )
    with op.batch_alter_table('entry_piece', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_piece_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_piece_piece_id'), ['piece_id'], unique=False)



def downgrade():
    with op.batch_alter_table('entry_piece', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_piece_piece_id'))
        batch_op.drop_index(batch_op.f('ix_entry_piece_entry_id'))

    op.drop_table('entry_piece')
    with op.batch_alter_table('entry_performer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_performer_person_id'))

    op.drop_table('entry_performer')
    with op.batch_alter_table('set_piece', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_set_piece_piece_id'))
        batch_op.drop_index(batch_op.f('ix_set_piece_class_id'))

    op.drop_table('set_piece')
    with op.batch_alter_table('group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_member_person_id'))

    op.drop_table('group_member')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_entry_school_id'))
        batch_op.drop_index(batch_op.f('ix_entry_import_batch_id'))
        batch_op.drop_index(batch_op.f('ix_entry_group_id'))
        batch_op.drop_index('ix_entry_festival_id_class_id')
        batch_op.drop_index(batch_op.f('ix_entry_festival_id'))
        batch_op.drop_index(batch_op.f('ix_entry_class_id'))
        batch_op.drop_index(batch_op.f('ix_entry_accompanist_id'))

    op.drop_table('entry')
    with op.batch_alter_table('performing_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performing_group_school_id'))
        batch_op.drop_index(batch_op.f('ix_performing_group_name_key'))
        batch_op.drop_index(batch_op.f('ix_performing_group_contact_id'))

    op.drop_table('performing_group')
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_change_batch_id'))

    op.drop_table('import_change')
    with op.batch_alter_table('festival_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_festival_class_level_id'))
        batch_op.drop_index('ix_festival_class_festival_id_discipline_id')
        batch_op.drop_index(batch_op.f('ix_festival_class_festival_id'))

    op.drop_table('festival_class')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_school_id'))
        batch_op.drop_index('ix_person_name_key_birth_date')
        batch_op.drop_index(batch_op.f('ix_person_email'))

    op.drop_table('person')
    with op.batch_alter_table('level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_level_festival_id'))

    op.drop_table('level')
    op.drop_table('import_mapping')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_sha256'))
        batch_op.drop_index(batch_op.f('ix_import_batch_festival_id'))

    op.drop_table('import_batch')
    with op.batch_alter_table('discipline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discipline_festival_id'))

    op.drop_table('discipline')
    op.drop_table('school')
    op.drop_table('piece')
    op.drop_table('festival')
