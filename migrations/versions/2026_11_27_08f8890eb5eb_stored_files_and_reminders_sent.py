"""stored files registry, file chunks, reminders sent

- stored_files: one row per content-addressed file (evidence, certificate and report PDFs):
  its SHA-256, size and the storage backend holding the bytes. Filled here from the rows
  that name files; they were all in the files folder. Certificates and reports did not
  record their size: NULL until ``storage migrate`` sets it (the folder knows it).
- file_chunks: the bytes of files in the database backend, 1 MiB per row.
- reminders_sent: one row per certificate and reminder stage, unique, so that the reminders
  command running on two servers at once sends each reminder once. Filled from the
  reminder_sent events.

Downgrade refuses while any file is held by the database backend (run
``flask --app audit_app storage migrate --to folder`` first): dropping file_chunks would
lose those files.

Revision ID: 08f8890eb5eb
Revises: 3c4d5e6f7a8b
Create Date: 2026-11-27 16:05:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '08f8890eb5eb'
down_revision = '3c4d5e6f7a8b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('storage_key', name=op.f('pk_stored_files'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_backend'), ['backend'], unique=False)

    op.create_table('file_chunks',
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('storage_key', 'seq', name=op.f('pk_file_chunks'))
    )
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_reminders_sent_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('certificate_id', 'stage', name=op.f('uq_reminders_sent_certificate_id_stage'))
    )

    # Every file named so far lives in the files folder.
    op.execute(
        "INSERT INTO stored_files (storage_key, sha256, size, backend, created_at) "
        "SELECT storage_key, MIN(sha256), MAX(size), 'folder', MIN(uploaded_at) "
        "FROM evidence GROUP BY storage_key")
    for key, digest, created in (("pdf_storage_key", "pdf_sha256", "issued_at"),
                                 ("pdf_en_storage_key", "pdf_en_sha256", "issued_at")):
        op.execute(
            "INSERT INTO stored_files (storage_key, sha256, size, backend, created_at) "
            f"SELECT {key}, MIN({digest}), NULL, 'folder', MIN({created}) FROM certificates "
            f"WHERE {key} IS NOT NULL AND {digest} IS NOT NULL "
            f"AND {key} NOT IN (SELECT storage_key FROM stored_files) GROUP BY {key}")
    op.execute(
        "INSERT INTO stored_files (storage_key, sha256, size, backend, created_at) "
        "SELECT storage_key, MIN(sha256), NULL, 'folder', MIN(created_at) FROM audit_reports "
        "WHERE storage_key NOT IN (SELECT storage_key FROM stored_files) GROUP BY storage_key")
    op.execute(
        "INSERT INTO reminders_sent (certificate_id, stage, sent_at) "
        "SELECT subject_id, CAST(note AS INTEGER), MIN(occurred_at) FROM events "
        "WHERE action = 'reminder_sent' AND subject_type = 'certificate' "
        "AND note IN ('365', '180', '90', '30') "
        "AND subject_id IN (SELECT id FROM certificates) GROUP BY subject_id, note")


def downgrade():
    held = op.get_bind().scalar(sa.text(
        "SELECT COUNT(*) FROM stored_files WHERE backend <> 'folder'"))
    if held:
        raise RuntimeError(
            f"{held} file(s) are stored outside the files folder; run "
            "`flask --app audit_app storage migrate --to folder` before this downgrade")
    op.drop_table('reminders_sent')
    op.drop_table('file_chunks')
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_backend'))

    op.drop_table('stored_files')
