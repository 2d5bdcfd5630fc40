"""document jobs: the render state of a decided audit's certificate and report PDFs

A decision commits without rendering; its PDFs are rendered right after the commit, and a
failure is recorded here (visible on the audit, retried on download or by
``flask documents render-pending``).

Revision ID: 3c4d5e6f7a8b
Revises: 33b2b85b93c8
Create Date: 2026-11-27 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c4d5e6f7a8b'
down_revision = '33b2b85b93c8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('certificate', 'report', name='document_kind',
                              native_enum=False, create_constraint=True, length=11),
              nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('state', sa.Enum('pending', 'failed', 'done', 'obsolete', name='document_state',
                               native_enum=False, create_constraint=True, length=8),
              nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                            name=op.f('fk_document_jobs_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'],
                            name=op.f('fk_document_jobs_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                            name=op.f('fk_document_jobs_certificate_id_certificates'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_jobs'))
    )
    with op.batch_alter_table('document_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_document_jobs_audit_id', ['audit_id'], unique=False)
        batch_op.create_index('ix_document_jobs_state', ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('document_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_document_jobs_state')
        batch_op.drop_index('ix_document_jobs_audit_id')
    op.drop_table('document_jobs')
