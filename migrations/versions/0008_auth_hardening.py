"""Authentication hardening: forced password change, session version, the auth_event log.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN with a server default: no batch rebuild of user_account on SQLite.
    op.add_column('user_account', sa.Column('must_change_password', sa.Boolean(), server_default='0',
                                            nullable=False))
    op.add_column('user_account', sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('auth_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_auth_event_user_id_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_event'))
    )
    with op.batch_alter_table('auth_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_event_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_auth_event_username_created_at', ['username', 'created_at'], unique=False)


def downgrade():
    op.drop_table('auth_event')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('must_change_password')
