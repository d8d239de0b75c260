"""Form keys: the same form sent twice creates one nomination and records one objection.

Revision ID: 0012_form_keys
Revises: 0011_jobs
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_form_keys'
down_revision = "0011_jobs"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns and unique indexes: plain ALTER TABLE on SQLite too, no table copy.
    op.add_column('nomination', sa.Column('creation_key', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_nomination_creation_key'), 'nomination', ['creation_key'], unique=True)
    op.add_column('objection', sa.Column('submission_key', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_objection_submission_key'), 'objection', ['submission_key'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_objection_submission_key'), table_name='objection')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_column('submission_key')
    op.drop_index(op.f('ix_nomination_creation_key'), table_name='nomination')
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_column('creation_key')
