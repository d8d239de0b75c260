"""Indexes for large data sets: the to-do and list queries, the close of due notices,
the dashboard's granted titles, subtrees on PostgreSQL.

Revision ID: 0010
Revises: 0009
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = "0009"
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
    # The county dashboard's model worker homes: granted titles per campaign and honor, from the index alone.
    op.create_index('ix_nomination_honours', 'nomination',
                    ['campaign_id', 'honor_type_id', 'state', 'quota_unit_id', 'org_unit_id'])
    # Subtrees are path ranges compared byte by byte (orgs.services.in_subtree). SQLite compares so
    # already; on PostgreSQL the column takes the "C" collation (ix_org_unit_path is rebuilt with it).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE org_unit ALTER COLUMN path TYPE VARCHAR(255) COLLATE "C"')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE org_unit ALTER COLUMN path TYPE VARCHAR(255) COLLATE "default"')
    op.drop_index('ix_nomination_honours', table_name='nomination')
    op.drop_index('ix_nomination_notice_due', table_name='nomination')
    op.drop_index('ix_nomination_list', table_name='nomination')
