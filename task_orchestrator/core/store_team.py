"""The team a store belongs to and its members (docs/ARCHITECTURE.md, "The team").

One team per database (the ``team`` table holds at most one row). A member is a name and
the SHA-256 of a token shown once: a token is 32 random bytes, so a slow hash would add
nothing, and nothing kept here lets anyone act as a member. The tables exist on both
engines (one migration list); only a PostgreSQL store is shared, which is why the
``team`` command refuses any other (commands/team.py).
"""

from __future__ import annotations

import time

from . import db
from .base import StoreBase
from .errors import InvalidInput, NotFound, StoreError, shown
from .models import Member, TeamInfo, iso_from_epoch, now_iso

# Not typing.TYPE_CHECKING: docs/ARCHITECTURE.md, "The hook path". hashlib, hmac and
# secrets (which imports base64, re and struct) are imported where used: the hooks import
# the store and never check a token.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3

#: A token's prefix, so that a leaked one is recognisable in a log or a scanner's rules.
TOKEN_PREFIX = "to_"
#: Longest team or member name.
MAX_NAME = 64
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
#: A member's last_seen_at is rewritten at most this often: checking a token must not be a
#: write on every request.
SEEN_EVERY_S = 60.0


class TeamExists(StoreError):
    """The database already belongs to a team."""


def check_name(name: object, what: str) -> str:
    """``name`` when it is 1-64 letters, digits, '.', '_' or '-'; else InvalidInput."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME or not set(name) <= NAME_CHARS:
        raise InvalidInput(
            f"{what} name {shown(name)} is not valid: use 1 to {MAX_NAME} letters, digits, "
            "'.', '_' or '-'"
        )
    return name


def token_hash(token: str) -> str:
    """The SHA-256 hex of a token, the only form of it the database keeps."""
    import hashlib

    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _member(row: sqlite3.Row) -> Member:
    return Member(
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_seen_at=row["last_seen_at"],
    )


class TeamMixin(StoreBase):
    def team(self) -> TeamInfo | None:
        """The team this database belongs to, or None before ``team init``."""
        row = self.conn.execute("SELECT name, created_at FROM team WHERE id = 1").fetchone()
        return None if row is None else TeamInfo(name=row["name"], created_at=row["created_at"])

    def init_team(self, name: str) -> TeamInfo:
        """Make this database the team ``name``'s; refused when it already is a team's."""
        check_name(name, "the team")
        with db.write(self.conn):
            existing = self.team()
            if existing is not None:
                raise TeamExists(
                    f"this database already belongs to the team {existing.name!r} (since "
                    f"{existing.created_at}); one database holds one team: use another "
                    "database for another team"
                )
            now = now_iso()
            self.conn.execute(
                "INSERT INTO team (id, name, created_at) VALUES (1, ?, ?)", (name, now)
            )
            self._event("team.created", data={"name": name})
        return TeamInfo(name=name, created_at=now)

    def add_member(self, name: str) -> tuple[Member, str]:
        """A new member and their token, which is returned here and never again (only its
        SHA-256 is kept). Refused for a bad name and for a name a live member has."""
        import secrets

        check_name(name, "the member")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with db.write(self.conn):
            if self._live_member(name) is not None:
                raise InvalidInput(
                    f"there is already a member named {name!r}; revoke them first to give "
                    "the name a new token, or choose another name"
                )
            now = now_iso()
            self.conn.execute(
                "INSERT INTO team_members (name, token_hash, created_at) VALUES (?,?,?)",
                (name, token_hash(token), now),
            )
            self._event("team.member_added", data={"name": name})
        return Member(name=name, created_at=now, revoked_at=None, last_seen_at=None), token

    def revoke_member(self, name: str) -> Member:
        """Revoke the live member ``name``: their token stops working at once."""
        with db.write(self.conn):
            row = self._live_member(name)
            if row is None:
                revoked = self.conn.execute(
                    "SELECT revoked_at FROM team_members WHERE name = ? "
                    "ORDER BY revoked_at DESC LIMIT 1",
                    (name,),
                ).fetchone()
                if revoked is not None:
                    raise NotFound(f"member {name!r} was already revoked at {revoked[0]}")
                raise NotFound(f"no member named {shown(name)}; `team list` shows them")
            now = now_iso()
            self.conn.execute(
                "UPDATE team_members SET revoked_at = ? WHERE id = ?", (now, row["id"])
            )
            self._event("team.member_revoked", data={"name": name})
            row = self.conn.execute(
                "SELECT * FROM team_members WHERE id = ?", (row["id"],)
            ).fetchone()
        return _member(row)

    def members(self) -> list[Member]:
        """Every member, revoked ones too, oldest first."""
        rows = self.conn.execute("SELECT * FROM team_members ORDER BY created_at, id").fetchall()
        return [_member(r) for r in rows]

    def member_for_token(self, token: str) -> Member | None:
        """The live member whose token this is, or None. Marks them seen, at most once a
        minute."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        import hmac

        presented = token_hash(token)
        row = self.conn.execute(
            "SELECT * FROM team_members WHERE token_hash = ? AND revoked_at IS NULL",
            (presented,),
        ).fetchone()
        # The lookup found the row by its hash; compare again in constant time so that the
        # answer never depends on how much of a hash matched.
        if row is None or not hmac.compare_digest(row["token_hash"], presented):
            return None
        now = time.time()
        seen = row["last_seen_at"]
        if seen is None or seen < iso_from_epoch(now - SEEN_EVERY_S):
            stamp = iso_from_epoch(now)
            with db.write(self.conn):
                self.conn.execute(
                    "UPDATE team_members SET last_seen_at = ? WHERE id = ?", (stamp, row["id"])
                )
            return Member(
                name=row["name"],
                created_at=row["created_at"],
                revoked_at=None,
                last_seen_at=stamp,
            )
        return _member(row)

    def _live_member(self, name: str) -> sqlite3.Row | None:
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT * FROM team_members WHERE name = ? AND revoked_at IS NULL", (name,)
        ).fetchone()
