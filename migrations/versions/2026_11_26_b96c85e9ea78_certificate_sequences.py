"""certificate sequences: the last certificate number per decision year

Numbers AIZ-<year>-<nnnn> are taken with UPDATE ... SET last = last + 1 RETURNING last, so
two decisions at the same moment never share one (services/certificates.py).

Revision ID: b96c85e9ea78
Revises: d9813f36364d
Create Date: 2026-11-26 23:27:50.149188

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b96c85e9ea78'
down_revision = 'd9813f36364d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_certificate_sequences'))
    )


def downgrade():
    op.drop_table('certificate_sequences')
