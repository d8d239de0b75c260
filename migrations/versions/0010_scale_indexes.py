"""Indexes for large data sets: the to-do and list queries, and the close of due notices.

Revision ID: 0010
Revises: 0006
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None

# (state, unit) is how every list, to-do and header count narrows; the columns after them let the
# count and the page's ids come from the index alone (no table rows read for the nominations skipped).
LIST_COLUMNS = ['state', 'org_unit_id', 'updated_at', 'created_by_id', 'submitted_by_id', 'campaign_id',
                'nominee_name']


def upgrade():
    op.create_index('ix_nomination_list', 'nomination', LIST_COLUMNS)
    # close_due_notices runs on every list and nomination page: a seek, not a scan of every notice.
    op.create_index('ix_nomination_notice_due', 'nomination', ['state', 'notice_ends_on'])


def downgrade():
    op.drop_index('ix_nomination_notice_due', table_name='nomination')
    op.drop_index('ix_nomination_list', table_name='nomination')
