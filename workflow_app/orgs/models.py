"""Org units: a tree of any depth (province → city → county → township → branch)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db

# Ordered from the top; the workflow names review levels with these words.
LEVELS = ("province", "city", "county", "township", "branch")


class OrgUnit(db.Model):
    """A union organisation. ``path`` holds the ids from the root (``/1/4/17/``) so a
    jurisdiction (a unit's subtree) is one indexed prefix match, at any depth."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Compared byte by byte ("C" collation on PostgreSQL, SQLite's default): a subtree is then an index range
    # (orgs.services.in_subtree) whatever the database's own collation (migration 0010).
    path: Mapped[str] = mapped_column(String(255).with_variant(String(255, collation="C"), "postgresql"), default="",
                                      index=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.level}>"

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: OrgUnit) -> bool:
        """True when ``other`` is this unit or lies below it."""
        return other.path.startswith(self.path)

    @property
    def is_county_direct(self) -> bool:
        """A branch reporting straight to the county, with no township level between."""
        return self.level == "branch" and self.parent is not None and self.parent.level == "county"
