"""Statistics reports (township figures, county acceptance, append-only events) and yearly targets.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statistics_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_since', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('enterprise_units', sa.Integer(), nullable=False),
    sa.Column('units_with_union', sa.Integer(), nullable=False),
    sa.Column('units_in_joint_union', sa.Integer(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('migrant_members', sa.Integer(), nullable=False),
    sa.Column('wage_bargaining_units', sa.Integer(), nullable=False),
    sa.Column('grassroots_unions', sa.Integer(), nullable=False),
    sa.Column('membership_base', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('enterprise_units >= 0', name=op.f('ck_statistics_report_enterprise_units_not_negative')),
    sa.CheckConstraint('grassroots_unions >= 0', name=op.f('ck_statistics_report_grassroots_unions_not_negative')),
    sa.CheckConstraint('members >= 0', name=op.f('ck_statistics_report_members_not_negative')),
    sa.CheckConstraint('migrant_members >= 0', name=op.f('ck_statistics_report_migrant_members_not_negative')),
    sa.CheckConstraint('quarter BETWEEN 0 AND 4', name=op.f('ck_statistics_report_quarter_range')),
    sa.CheckConstraint('units_in_joint_union >= 0', name=op.f('ck_statistics_report_units_in_joint_union_not_negative')),
    sa.CheckConstraint('units_with_union >= 0', name=op.f('ck_statistics_report_units_with_union_not_negative')),
    sa.CheckConstraint('wage_bargaining_units >= 0', name=op.f('ck_statistics_report_wage_bargaining_units_not_negative')),
    sa.CheckConstraint('workers >= 0', name=op.f('ck_statistics_report_workers_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_statistics_report_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_statistics_report_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_statistics_report_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['statistics_report.id'], name=op.f('fk_statistics_report_supersedes_id_statistics_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_report'))
    )
    with op.batch_alter_table('statistics_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_report_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index('ix_statistics_report_period_state', ['year', 'quarter', 'state'], unique=False)
        batch_op.create_index('uq_statistics_report_accepted', ['org_unit_id', 'year', 'quarter'], unique=True, sqlite_where=sa.text("state = 'accepted'"), postgresql_where=sa.text("state = 'accepted'"))
        batch_op.create_index('uq_statistics_report_open', ['org_unit_id', 'year', 'quarter'], unique=True, sqlite_where=sa.text("state IN ('draft', 'submitted', 'returned')"), postgresql_where=sa.text("state IN ('draft', 'submitted', 'returned')"))

    op.create_table('statistics_target',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('establishment_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('membership_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('model_home_share', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('wage_bargaining_share', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_statistics_target_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_statistics_target'))
    )
    op.create_table('statistics_report_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('actor_unit_name', sa.String(length=120), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_statistics_report_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['statistics_report.id'], name=op.f('fk_statistics_report_event_report_id_statistics_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_report_event'))
    )
    with op.batch_alter_table('statistics_report_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_report_event_report_id'), ['report_id'], unique=False)

    # The plan's goals (the seed document): establishment and membership rates by the end of
    # 2010 / 2011 / 2012, and 20% model worker homes within three years. Later years: the admin.
    target = sa.table("statistics_target", sa.column("year", sa.Integer), sa.column("establishment_rate"),
                      sa.column("membership_rate"), sa.column("model_home_share"))
    op.bulk_insert(target, [
        dict(year=2010, establishment_rate=65, membership_rate=82, model_home_share=None),
        dict(year=2011, establishment_rate=75, membership_rate=88, model_home_share=None),
        dict(year=2012, establishment_rate=90, membership_rate=93, model_home_share=20),
    ])

    if op.get_context().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION statistics_report_event_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'statistics_report_event is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER statistics_report_event_append_only BEFORE UPDATE OR DELETE ON statistics_report_event
            FOR EACH ROW EXECUTE FUNCTION statistics_report_event_is_append_only()
        """)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER statistics_report_event_no_{action.lower()} BEFORE {action} ON statistics_report_event
                BEGIN SELECT RAISE(ABORT, 'statistics_report_event is append-only'); END
            """)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS statistics_report_event_append_only ON statistics_report_event")
        op.execute("DROP FUNCTION IF EXISTS statistics_report_event_is_append_only()")
    with op.batch_alter_table('statistics_report_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statistics_report_event_report_id'))

    op.drop_table('statistics_report_event')
    op.drop_table('statistics_target')
    with op.batch_alter_table('statistics_report', schema=None) as batch_op:
        batch_op.drop_index('uq_statistics_report_open', sqlite_where=sa.text("state IN ('draft', 'submitted', 'returned')"), postgresql_where=sa.text("state IN ('draft', 'submitted', 'returned')"))
        batch_op.drop_index('uq_statistics_report_accepted', sqlite_where=sa.text("state = 'accepted'"), postgresql_where=sa.text("state = 'accepted'"))
        batch_op.drop_index('ix_statistics_report_period_state')
        batch_op.drop_index(batch_op.f('ix_statistics_report_org_unit_id'))

    op.drop_table('statistics_report')
