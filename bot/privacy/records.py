"""syncdesk's own rows about a conversation: which tables hold them and how they are found.

Worked out from the database itself (reflection), so a table added by a later migration is
covered without a change here, as long as its rows reach a conversation one of three ways:

- a ``conversation_id`` column (tickets, diagnoses with their unknown-error excerpts, outcomes,
  feedback);
- a foreign key to a table that is covered (a ticket's notes);
- a ``ticket_reference`` column (emails about a ticket).

The knowledge base's tables hold no personal data, and :data:`NOT_CUSTOMERS` none about
customers. Any other table makes these functions fail loudly (:class:`UncoveredTable`): say
here how its rows belong to a customer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, DateTime, MetaData, Table, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.kb.load import kb_tables
from bot.migrations import is_ours

__all__ = [
    "NOT_CUSTOMERS",
    "Link",
    "Selector",
    "UncoveredTable",
    "account_ids",
    "by_conversation",
    "conversations_of_account",
    "delete_rows",
    "older_than",
    "plan",
    "rows_of",
]

#: Tables that hold nothing about customers, and why (checked by tests/privacy).
NOT_CUSTOMERS = {
    "agents_online": "which support agents are at the console (staff, not customers)",
}

#: Chooses a conversation table's rows: (table) -> WHERE clause.
Selector = Callable[[Table], ColumnElement[bool]]


class UncoveredTable(RuntimeError):
    """A table holds rows that privacy can't tie to a conversation (a developer must say how)."""


@dataclass(frozen=True)
class Link:
    """How one table's rows are tied to conversations.

    Attributes:
        table: the table.
        column: its column that ties a row (``conversation_id``, or the one pointing at parent).
        parent: the covered table ``column`` points at (None: ``column`` is the conversation id).
        parent_column: the parent's column that ``column`` holds.
    """

    table: Table
    column: Column[Any]
    parent: Link | None = None
    parent_column: Column[Any] | None = None

    def where(self, roots: Selector) -> ColumnElement[bool]:
        """Return the clause choosing this table's rows that belong to the rows ``roots`` choose."""
        if self.parent is None or self.parent_column is None:
            return roots(self.table)
        return self.column.in_(select(self.parent_column).where(self.parent.where(roots)))


def plan(connection: Connection) -> list[Link]:
    """Return how each table with personal data is reached, parents before children.

    Raises:
        UncoveredTable: a table is neither the knowledge base's nor tied to a conversation.
    """
    metadata = MetaData()
    skip = kb_tables() | set(NOT_CUSTOMERS)
    metadata.reflect(connection, only=lambda name, _meta: is_ours(name) and name not in skip)
    links: dict[str, Link] = {}
    waiting = list(metadata.sorted_tables)  # parents first
    while waiting:
        before = len(waiting)
        for table in list(waiting):
            link = _link(table, links)
            if link is not None:
                links[table.name] = link
                waiting.remove(table)
        if len(waiting) == before:
            break
    uncovered = sorted(set(metadata.tables) - set(links))
    if uncovered:
        raise UncoveredTable(
            f"bot/privacy does not know how rows of {', '.join(uncovered)} belong to a "
            "conversation: give the table a conversation_id, a foreign key to a covered table "
            "or a ticket_reference, or teach bot/privacy/records.py."
        )
    return list(links.values())


def _link(table: Table, links: dict[str, Link]) -> Link | None:
    """Return how ``table`` reaches a conversation through the tables in ``links``, if it does."""
    if "conversation_id" in table.c:
        return Link(table, table.c.conversation_id)
    for key in table.foreign_keys:
        parent = links.get(key.column.table.name)
        if parent is not None:
            return Link(table, key.parent, parent, parent.table.c[key.column.name])
    tickets = links.get("tickets")
    if "ticket_reference" in table.c and tickets is not None:
        return Link(table, table.c.ticket_reference, tickets, tickets.table.c.reference)
    return None


def conversations_of_account(connection: Connection, account_id: str) -> set[str]:
    """Return the conversations whose tickets carry ``account_id`` in their customer context."""
    found = set()
    for link in plan(connection):
        table = link.table
        if link.parent is None and "customer" in table.c:
            rows = connection.execute(select(table.c.conversation_id, table.c.customer))
            found |= {
                conversation
                for conversation, customer in rows
                if account_id in account_ids(customer)
            }
    return found


def rows_of(connection: Connection, roots: Selector) -> dict[str, list[dict[str, Any]]]:
    """Return every row ``roots`` chooses and their children's, as JSON-ready dicts per table."""
    found = {}
    for link in plan(connection):
        key = list(link.table.primary_key.columns) or list(link.table.columns)[:1]
        rows = connection.execute(select(link.table).where(link.where(roots)).order_by(*key))
        found[link.table.name] = [
            {k: _json_ready(v) for k, v in row._mapping.items()} for row in rows
        ]
    return found


def delete_rows(connection: Connection, roots: Selector) -> dict[str, int]:
    """Delete every row ``roots`` chooses and their children's; return how many per table."""
    counts = {}
    for link in reversed(plan(connection)):  # children first: no foreign key is left dangling
        done = connection.execute(delete(link.table).where(link.where(roots)))
        counts[link.table.name] = int(done.rowcount or 0)
    return dict(sorted(counts.items()))


def account_ids(value: Any) -> set[str]:
    """Return every ``account_id`` at any depth of a JSON value (customer context, metadata)."""
    if isinstance(value, Mapping):
        found = {str(v) for k, v in value.items() if k == "account_id" and isinstance(v, str)}
        for inner in value.values():
            found |= account_ids(inner)
        return found
    if isinstance(value, list):
        return set().union(*(account_ids(inner) for inner in value))
    return set()


def _json_ready(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def by_conversation(conversations: Collection[str]) -> Selector:
    """Choose the rows of these conversations."""
    chosen = sorted(conversations)
    return lambda table: table.c.conversation_id.in_(chosen)


def older_than(cutoff: datetime) -> Selector:
    """Choose the rows last touched before ``cutoff`` (see :func:`touched`)."""
    return lambda table: touched(table) < cutoff


def touched(table: Table) -> Column[Any]:
    """Return the column saying when a row was last changed.

    ``updated_at``, else ``created_at``, else the table's first NOT NULL date-time column.

    Raises:
        UncoveredTable: the table has no such column, so the retention period can't apply.
    """
    for name in ("updated_at", "created_at"):
        if name in table.c:
            return table.c[name]
    for column in table.columns:
        if not column.nullable and isinstance(column.type, (DateTime, Date)):
            return column
    raise UncoveredTable(f"{table.name} has no date-time column the retention period can use")
