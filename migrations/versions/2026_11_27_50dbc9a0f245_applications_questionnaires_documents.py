"""the centre's side: applications, questionnaires, self-assessments, documents, key figures

New audit statuses before the visit (applied, declined, questionnaire open/submitted,
documents reviewed): the status column grows to 23 characters and its CHECK constraint
lists them. New tables: a catalogue version's questionnaire, the application, the centre's
answers, its self-assessment, the documents it hands in, the team's review of them, and the
history of the centre's key figures.

Revision ID: 50dbc9a0f245
Revises: 08f8890eb5eb
Create Date: 2026-11-27 15:02:18.578853

"""
import sqlalchemy as sa
from alembic import op

OLD_STATUSES = ('planned', 'in_progress', 'submitted', 'in_review', 'changes_requested',
                'decided')
NEW_STATUSES = ('applied', 'declined', 'questionnaire_open', 'questionnaire_submitted',
                'documents_reviewed')


def _status_type(values):
    return sa.Enum(*values, name='audit_status', native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values))


# revision identifiers, used by Alembic.
revision = '50dbc9a0f245'
down_revision = '08f8890eb5eb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalog_questionnaires',
    sa.Column('catalog_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['catalog_id'], ['catalogs.id'], name=op.f('fk_catalog_questionnaires_catalog_id_catalogs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('catalog_id', name=op.f('pk_catalog_questionnaires'))
    )
    op.create_table('audit_applications',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('preferred_from', sa.Date(), nullable=False),
    sa.Column('preferred_until', sa.Date(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('preferred_until >= preferred_from', name=op.f('ck_audit_applications_period_in_order')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_audit_applications_answered_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_audit_applications_applied_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_applications_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_audit_applications_submitted_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_applications'))
    )
    op.create_table('centre_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('document_key', sa.String(length=50), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_centre_documents_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_centre_documents_removed_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_centre_documents_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_documents'))
    )
    with op.batch_alter_table('centre_documents', schema=None) as batch_op:
        batch_op.create_index('ix_centre_documents_audit_id_key', ['audit_id', 'document_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_documents_sha256'), ['sha256'], unique=False)

    op.create_table('document_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('document_key', sa.String(length=50), nullable=False),
    sa.Column('status', sa.Enum('present', 'incomplete', 'missing', name='document_review_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_document_reviews_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_document_reviews_reviewed_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_reviews')),
    sa.UniqueConstraint('audit_id', 'document_key', name=op.f('uq_document_reviews_audit_id_document_key'))
    )
    op.create_table('key_figure_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('old', sa.JSON(), nullable=False),
    sa.Column('new', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_key_figure_records_audit_id_audits'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_key_figure_records_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_key_figure_records_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_figure_records'))
    )
    with op.batch_alter_table('key_figure_records', schema=None) as batch_op:
        batch_op.create_index('ix_key_figure_records_centre_id_id', ['centre_id', 'id'], unique=False)

    op.create_table('questionnaire_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=50), nullable=False),
    sa.Column('text_value', sa.Text(), nullable=True),
    sa.Column('number_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('bool_value', sa.Boolean(), nullable=True),
    sa.Column('date_value', sa.Date(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_questionnaire_answers_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_questionnaire_answers_updated_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_answers')),
    sa.UniqueConstraint('audit_id', 'question_key', name=op.f('uq_questionnaire_answers_audit_id_question_key'))
    )
    op.create_table('self_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('NOT not_applicable OR (points IS NULL AND value IS NULL)', name=op.f('ck_self_assessments_na_has_no_score')),
    sa.CheckConstraint('points IS NULL OR points BETWEEN 0 AND 3', name=op.f('ck_self_assessments_points_0_3')),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_self_assessments_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['catalog_criteria.id'], name=op.f('fk_self_assessments_criterion_id_catalog_criteria'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_self_assessments_updated_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessments')),
    sa.UniqueConstraint('audit_id', 'criterion_id', name=op.f('uq_self_assessments_audit_id_criterion_id'))
    )
    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessments_criterion_id'), ['criterion_id'], unique=False)

    # The old CHECK constraint goes with the old type, the new one comes with the new type.
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.alter_column('status',
               existing_type=_status_type(OLD_STATUSES),
               type_=_status_type(NEW_STATUSES + OLD_STATUSES),
               existing_nullable=False)



def downgrade():
    # The older code knows no status before "planned": such audits become planned ones
    # (their team and dates stay; the centre's answers and files go with the tables below).
    op.execute(sa.text("UPDATE audits SET status = 'planned' WHERE status IN "
                       "('applied', 'declined', 'questionnaire_open', 'questionnaire_submitted', "
                       "'documents_reviewed')"))
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.alter_column('status',
               existing_type=_status_type(NEW_STATUSES + OLD_STATUSES),
               type_=_status_type(OLD_STATUSES),
               existing_nullable=False)

    with op.batch_alter_table('self_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessments_criterion_id'))

    op.drop_table('self_assessments')
    op.drop_table('questionnaire_answers')
    with op.batch_alter_table('key_figure_records', schema=None) as batch_op:
        batch_op.drop_index('ix_key_figure_records_centre_id_id')

    op.drop_table('key_figure_records')
    op.drop_table('document_reviews')
    with op.batch_alter_table('centre_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_documents_sha256'))
        batch_op.drop_index('ix_centre_documents_audit_id_key')

    op.drop_table('centre_documents')
    op.drop_table('audit_applications')
    op.drop_table('catalog_questionnaires')
