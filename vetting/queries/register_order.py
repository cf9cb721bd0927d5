"""The register's vendor order, kept: every vendor with an agreement, in the order the BAA
register lists vendors (its name ignoring case, then id), and how many agreements each has.

A register search that matches many vendor names ("vendor", "health") would otherwise sort
every agreement it found by vendor name to show one page of 50. With this order kept, the
search counts its matches per vendor, walks the order to the page's vendors and reads only
their agreements (services/baas.py). One GROUP BY over the agreements per change of an
agreement or vendor, not per page.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from vetting.models import BAA, Vendor
from vetting.queries import cache

# Agreements and vendors: their events (imports, renames, moves, deletions), and the newest
# ids for rows inserted around the services.
VENDOR_AGREEMENTS = cache.Reads(("baa", "vendor", "demo"), (BAA, Vendor))


def agreements_by_vendor(s: Session, descending: bool = False) -> list[tuple[int, int]]:
    """(vendor id, number of agreements) for every vendor with an agreement, in the
    register's vendor order: lower(name) ascending or descending, then id ascending (the
    database's own collation and case folding, as the register's ORDER BY uses)."""

    def order() -> list[tuple[int, int]]:
        # Two index reads rather than a join grouped and sorted by name (a quarter of a
        # second on PostgreSQL at 100,000 agreements): the counts per vendor from the
        # agreements' vendor index, the vendors in order from the folded-name index.
        counts = dict(
            s.execute(select(col(BAA.vendor_id), func.count()).group_by(col(BAA.vendor_id))).all()
        )
        name = func.lower(Vendor.name)
        ordered = select(col(Vendor.id)).order_by(
            (name.desc() if descending else name.asc()).nulls_last(), col(Vendor.id)
        )
        return [(i, counts[i]) for i in s.scalars(ordered) if i is not None and i in counts]

    return cache.remembered(
        "register vendor order", descending, order, s=s, reads=VENDOR_AGREEMENTS
    )
