"""One unit of work per request: the data's generation row goes (no page is kept under it any more), and
notifications become an e-mail outbox (a delivery claims a row before it sends its mail).

Revision ID: 0015_unit_of_work
Revises: 0014_data_generation
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_unit_of_work'
down_revision = "0014_data_generation"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('data_generation')
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('email_claim', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('email_claimed_at', sa.DateTime(), nullable=True))
    # The outbox's sweep looks for recent rows still unsent.
    op.create_index('ix_notification_unsent', 'notification', ['emailed_at', 'created_at'])


def downgrade():
    op.drop_index('ix_notification_unsent', table_name='notification')
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('email_claimed_at')
        batch.drop_column('email_claim')
    table = op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation')),
    )
    op.bulk_insert(table, [{"id": 1, "value": secrets.randbits(62)}])
