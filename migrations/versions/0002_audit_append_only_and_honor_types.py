"""Make the audit log append-only in the database; seed the six honor types.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PERSON_REQUIRED = ["gender", "ethnicity", "birth_date", "political_status", "education", "work_unit", "post",
                   "id_number", "phone"]
CONFERRED = "兹授予{recipient}“{issuer_area}{honor}”荣誉称号。特发此证。"
NAMED = "{recipient}被命名为“{issuer_area}{honor}”。"
CHAIN = ["branch", "township", "county"]

HONOR_TYPES = [
    dict(code="model_worker_home", name="模范职工之家", nominee_kind="organisation", review_chain=CHAIN,
         requires_vote=False, required_fields=["chair_name", "staff_count", "member_count", "phone"],
         min_attachments=1, min_age=None, conferral="conferred", certificate_title="荣誉证书",
         certificate_wording=CONFERRED, issuer="沈丘县总工会", number_prefix="MFZJ", sort_order=10, active=True),
    dict(code="model_worker_small_home", name="模范职工小家", nominee_kind="organisation", review_chain=CHAIN,
         requires_vote=False, required_fields=["chair_name", "staff_count", "member_count"],
         min_attachments=0, min_age=None, conferral="conferred", certificate_title="荣誉证书",
         certificate_wording=CONFERRED, issuer="沈丘县总工会", number_prefix="MFXJ", sort_order=20, active=True),
    dict(code="outstanding_union_worker", name="优秀工会工作者", nominee_kind="person", review_chain=CHAIN,
         requires_vote=False, required_fields=PERSON_REQUIRED, min_attachments=0, min_age=None,
         conferral="conferred", certificate_title="荣誉证书", certificate_wording=CONFERRED,
         issuer="沈丘县总工会", number_prefix="YXGZ", sort_order=30, active=True),
    dict(code="outstanding_union_activist", name="优秀工会积极分子", nominee_kind="person", review_chain=CHAIN,
         requires_vote=False, required_fields=PERSON_REQUIRED, min_attachments=0, min_age=None,
         conferral="named", certificate_title="荣誉证书", certificate_wording=NAMED,
         issuer="沈丘县总工会", number_prefix="YXJJ", sort_order=40, active=True),
    dict(code="advanced_worker", name="先进工作者", nominee_kind="person", review_chain=CHAIN,
         requires_vote=True, required_fields=[*PERSON_REQUIRED, "category"], min_attachments=0, min_age=None,
         conferral="conferred", certificate_title="荣誉证书", certificate_wording=CONFERRED,
         issuer="中共沈丘县委 沈丘县人民政府", number_prefix="XJGZ", sort_order=50, active=True),
    dict(code="party_recommendation", name="推优入党", nominee_kind="person", review_chain=CHAIN,
         requires_vote=True, required_fields=PERSON_REQUIRED, min_attachments=0, min_age=18,
         conferral="recommendation", certificate_title="推荐表", certificate_wording="",
         issuer="沈丘县总工会", number_prefix="TYRD", sort_order=60, active=True),
]


def upgrade():
    honor_type = sa.table(
        "honor_type",
        *(sa.column(name, sa.JSON() if name in ("review_chain", "required_fields") else None)
          for name in HONOR_TYPES[0]),
    )
    op.bulk_insert(honor_type, HONOR_TYPES)

    if op.get_context().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_entry is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
            FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only()
        """)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entry_no_{action.lower()} BEFORE {action} ON audit_entry
                BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END
            """)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_is_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    op.execute(sa.text("DELETE FROM honor_type WHERE code IN :codes").bindparams(
        sa.bindparam("codes", [h["code"] for h in HONOR_TYPES], expanding=True)))
