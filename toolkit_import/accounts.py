"""Users (with their password hashes), groups, memberships, model permissions and API tokens.

Users are matched by username and groups by name. A user who already exists here keeps everything of
ours (password, flags, e-mail): the import adds group memberships and permissions, never takes any away,
and says when the passwords differ. The password hash is copied as it is, so people log in with the
password they had; both TOMs use Django's hashers (PBKDF2 by default), and a hash this TOM cannot check
is reported by name. API tokens keep working: the TOM Toolkit stores the key itself, we store its digest.
"""
from __future__ import annotations

from collections import Counter

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, identify_hasher
from django.contrib.auth.models import Group, User
from django.utils import timezone

from core.models import ApiToken, token_digest

from .permissions import PermissionMap
from .report import CHANGED, KEPT, NOT_MAPPED, SKIPPED
from .run import ImportRun
from .source import as_datetime

USER_FIELDS = ("username", "password", "first_name", "last_name", "email", "is_staff", "is_active", "is_superuser",
               "last_login", "date_joined")
GUARDIAN_ANONYMOUS = "AnonymousUser"  # django-guardian's stand-in for visitors who are not logged in


def import_users(run: ImportRun) -> None:
    source = run.source
    run.read_tables.add("auth_user")
    columns = ["id", *(c for c in USER_FIELDS if source.has("auth_user", c))]
    rows = [dict(zip(columns, row)) for row in source.select("auth_user", columns)]
    existing = {u.username: u for u in User.objects.filter(
        username__in=[r["username"] for r in rows if not _unstorable(User, r)])}
    new: list[tuple[int, User]] = []
    for row in rows:
        username = row["username"]
        if username == GUARDIAN_ANONYMOUS:
            run.report.note(NOT_MAPPED, f"user {username!r}: django-guardian's stand-in for anonymous visitors "
                                        "(visitors log in here), with its permissions")
            continue
        problem = _unstorable(User, row)
        if problem:
            run.report.note(SKIPPED, f"user {username[:40]!r} (TOM Toolkit id {row['id']}), with their memberships, "
                                     f"permissions and token: {problem}")
            run.report.count("users", skipped=1)
            continue
        ours = existing.get(username)
        if ours is not None:
            run.users[row["id"]] = ours
            run.report.count("users", existing=1)
            if ours.password != row["password"]:
                run.report.note(KEPT, f"user {username!r}: exists here with another password; ours kept "
                                      "(they log in with this TOM's password)")
            continue
        _check_hash(run, username, row["password"] or "")
        user = User(**{c: row[c] for c in columns if c in ("username", "password", "first_name", "last_name", "email")})
        for flag in ("is_staff", "is_active", "is_superuser"):
            if flag in row:
                setattr(user, flag, bool(row[flag]))
        user.last_login = as_datetime(row.get("last_login"))
        user.date_joined = as_datetime(row.get("date_joined")) or timezone.now()
        user.password = user.password or ""
        new.append((row["id"], user))
    User.objects.bulk_create([user for _, user in new])
    for toolkit_id, user in new:
        run.users[toolkit_id] = user
    run.report.count("users", new=len(new))


def _unstorable(model, row: dict) -> str:
    """Why a row's text cannot be stored in ``model`` here (SQLite enforces no length; PostgreSQL refuses NUL)."""
    for name, value in row.items():
        if not isinstance(value, str) or name == "id":
            continue
        if "\x00" in value:
            return f"{name} has a NUL character"
        limit = model._meta.get_field(name).max_length
        if limit and len(value) > limit:
            return f"{name} is longer than {limit} characters"
    return ""


def _check_hash(run: ImportRun, username: str, password: str) -> None:
    if not password or password.startswith(UNUSABLE_PASSWORD_PREFIX):
        run.report.note(CHANGED, f"user {username!r}: had no usable password there either (set one here to log in)")
        return
    try:
        identify_hasher(password)
    except ValueError:
        algorithm = password.split("$", 1)[0][:30]
        run.report.note(CHANGED, f"user {username!r}: password hashed with {algorithm!r}, which this TOM's "
                                 "PASSWORD_HASHERS cannot check: they must reset their password")


def import_groups(run: ImportRun) -> None:
    """Groups by name, then the TOM Toolkit's memberships (added; none removed)."""
    source = run.source
    run.read_tables |= {"auth_group", "auth_user_groups"}
    rows = []
    for toolkit_id, name in source.select("auth_group", ["id", "name"]):
        problem = _unstorable(Group, {"name": name})
        if problem:
            run.report.note(SKIPPED, f"group {name[:40]!r} (TOM Toolkit id {toolkit_id}), with its memberships and "
                                     f"permissions: {problem}")
            run.report.count("groups", skipped=1)
        else:
            rows.append((toolkit_id, name))
    existing = {g.name: g for g in Group.objects.filter(name__in=[name for _, name in rows])}
    new = [Group(name=name) for _, name in rows if name not in existing]
    Group.objects.bulk_create(new)
    by_name = {**existing, **{g.name: g for g in new}}
    for toolkit_id, name in rows:
        run.groups[toolkit_id] = by_name[name]
    run.report.count("groups", new=len(new), existing=len(rows) - len(new))

    members = User.groups.through
    wanted = set()
    skipped = 0
    for user_id, group_id in source.select("auth_user_groups", ["user_id", "group_id"]):
        if user_id in run.users and group_id in run.groups:
            wanted.add((run.users[user_id].pk, run.groups[group_id].pk))
        else:
            skipped += 1  # guardian's anonymous user, or a user or group that was skipped
    have = set(members.objects.filter(user_id__in={u for u, _ in wanted}).values_list("user_id", "group_id"))
    members.objects.bulk_create([members(user_id=u, group_id=g) for u, g in sorted(wanted - have)])
    run.report.count("group memberships", new=len(wanted - have), existing=len(wanted & have), skipped=skipped)


def import_model_permissions(run: ImportRun, perms: PermissionMap) -> None:
    """Permissions held on a whole model (``auth_user_user_permissions``, ``auth_group_permissions``)."""
    source = run.source
    not_mapped: Counter = Counter()
    for table, holder_column, holders, through, field in (
        ("auth_user_user_permissions", "user_id", run.users, User.user_permissions.through, "user_id"),
        ("auth_group_permissions", "group_id", run.groups, Group.permissions.through, "group_id"),
    ):
        run.read_tables.add(table)
        wanted = set()
        for holder_id, permission_id in source.select(table, [holder_column, "permission_id"]):
            ours = perms.ours(permission_id)
            if not ours:
                not_mapped[perms.name(permission_id)] += 1
            elif holder_id in holders:
                wanted |= {(holders[holder_id].pk, p.pk) for p in ours}
        have = set(through.objects.filter(**{f"{field}__in": {h for h, _ in wanted}}).values_list(
            field, "permission_id"))
        through.objects.bulk_create([through(**{field: h, "permission_id": p}) for h, p in sorted(wanted - have)])
        run.report.count("model permissions", new=len(wanted - have), existing=len(wanted & have))
    for name, n in sorted(not_mapped.items()):
        run.report.note(NOT_MAPPED, f"model permission {name}: held by {n:,} user(s) or group(s)")


def import_api_tokens(run: ImportRun) -> None:
    """The TOM Toolkit's API tokens (Django REST framework's ``authtoken``): the same keys work here."""
    table = "authtoken_token"
    if not run.source.has(table):
        return
    run.read_tables.add(table)
    digests = {token_digest(key): (key, user_id) for key, user_id in run.source.select(
        table, ["key", "user_id"], order_by="created") if user_id in run.users and key and "\x00" not in key}
    have = set(ApiToken.objects.filter(digest__in=list(digests)).values_list("digest", flat=True))
    new = [ApiToken(user=run.users[user_id], name="From the TOM Toolkit", digest=digest, prefix=key[:8])
           for digest, (key, user_id) in digests.items() if digest not in have]
    ApiToken.objects.bulk_create(new)
    run.report.count("API tokens", new=len(new), existing=len(have))
