"""Targets with every field we have, their aliases and extra fields, and target lists.

Targets are created through ``targets.services.create_target``, so an imported target obeys every rule
of ours; one that cannot (a declination of 95, a missing required orbital element, a scheme we lack) is
skipped and named with the reason, with its data.

Names. Here a name or alias is unique across all targets in any spelling (case, spaces, ``-``, ``_`` and
brackets ignored); the TOM Toolkit only checks that in its forms, so its database may hold clashes. We
decide them in the TOM Toolkit's id order (oldest first), primary names before aliases:
- a target whose name is, in our spelling rule, an earlier target's name is imported as
  "<name> (TOM Toolkit id <id>)": two different objects are never merged on a spelling; rename or merge it here;
- an alias that is another target's name or alias, or repeats its own target's name, is dropped;
- an alias or extra field this TOM cannot store (too long, empty, a NUL character) is dropped.
Each such change is reported by name. A target with a name or alias that is (in any spelling) a name or
alias of a target here is that target (its name first, then its aliases: how our sharing finds a target at a
peer, so a target shared here before the move is found again): the import adds the names, extra fields,
lists, permissions and data it lacks, and keeps our values where both have one (differences are reported).

Target lists are matched by name (names need not be unique: the n-th list of a name there is the n-th of
that name here, oldest first).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DataError

from targets.models import Scheme, Target, TargetExtra, TargetList, TargetName
from targets.names import simplify_name
from targets.services import TARGET_FIELDS, TargetInput, create_target, create_target_list

from .report import CHANGED, KEPT, NOT_MAPPED, SKIPPED
from .run import ImportRun
from .source import as_datetime

FIELDS = tuple(f for f in TARGET_FIELDS if f != "name")
TEXT_FIELDS = ("type", "scheme", "shared_by", "shared_from")
# Columns of the TOM Toolkit's target that we read otherwise (permissions, created) or that are derived here.
NOT_FIELDS = {"id", "name", "created", "modified", "permissions", "galactic_lng", "galactic_lat"}
PUBLIC_LEVELS = ("PUBLIC", "OPEN")
NAME_LENGTH = 100
EXTRA_KEY_LENGTH = 200


def has_nul(*values) -> bool:
    """Text PostgreSQL cannot store (SQLite can): refused on both, so an import does the same on both."""
    return any(isinstance(v, str) and "\x00" in v for v in values)


@dataclass
class NamePlan:
    """What a TOM Toolkit target is called here, which of its aliases it keeps, and what changed."""

    name: str
    aliases: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


def plan_names(targets: list[tuple[int, str]], aliases: list[tuple[int, str]]) -> dict[int, NamePlan]:
    """Names under our rule for the TOM Toolkit's ``targets`` (id, name) and ``aliases`` (target id, alias).

    Pure: decided from the TOM Toolkit's data alone (oldest first), so a second import decides the same.
    """
    claimed: dict[str, int] = {}
    original = dict(targets)
    plans: dict[int, NamePlan] = {}
    for toolkit_id, name in sorted(targets):
        plan = plans[toolkit_id] = NamePlan(name)
        key = simplify_name(name)
        if key and key in claimed:
            suffix = f" (TOM Toolkit id {toolkit_id})"
            plan.name = name[:NAME_LENGTH - len(suffix)] + suffix
            plan.changes.append(f"imported as {plan.name!r}: {name!r} is the same name as target "
                                f"{original[claimed[key]]!r} once case, spaces, -, _ and brackets are ignored")
        claimed.setdefault(simplify_name(plan.name), toolkit_id)
    for toolkit_id, alias in aliases:
        plan = plans.get(toolkit_id)
        if plan is None:
            continue
        key = simplify_name(alias)
        owner = claimed.get(key)
        if not key or len(alias) > NAME_LENGTH or has_nul(alias):
            plan.changes.append(f"alias {alias[:40]!r} dropped: not a name this TOM can store "
                                "(empty, longer than 100 characters or with a NUL character)")
        elif owner == toolkit_id:
            plan.changes.append(f"alias {alias!r} dropped: the same as its name or another of its aliases here")
        elif owner is not None:
            plan.changes.append(f"alias {alias!r} dropped: it is also a name of target {original[owner]!r}")
        else:
            claimed[key] = toolkit_id
            plan.aliases.append(alias)
    return plans


def import_targets(run: ImportRun) -> None:
    source, report = run.source, run.report
    table = source.target_table
    columns = source.columns(table)
    fields = [f for f in FIELDS if f in columns]
    unknown = [c for c in columns if c not in FIELDS and c not in NOT_FIELDS]
    if unknown:
        report.note(NOT_MAPPED, f"target field(s) {', '.join(unknown)}: this TOM's targets have no such field")
    read = ["id", "name", *fields, *(c for c in ("permissions", "created") if c in columns)]
    run.read_tables |= {table, "tom_targets_targetname", "tom_targets_targetextra"}
    rows = [dict(zip(read, row)) for row in source.select(table, read)]
    run.target_names = {row["id"]: row["name"] for row in rows}
    plans = plan_names([(row["id"], row["name"] or "") for row in rows],
                       list(source.select("tom_targets_targetname", ["target_id", "name"])))
    extras = _extras(run)
    known = _names_here({simplify_name(n) for plan in plans.values() for n in (plan.name, *plan.aliases)})

    run.progress.start("targets", len(rows))
    created_at = []
    for row in rows:
        run.progress.advance(1)
        toolkit_id, plan = row["id"], plans[row["id"]]
        for change in plan.changes:
            report.note(CHANGED, f"target {row['name']!r}: {change}")
        data = {f: ("" if row[f] is None else row[f]) if f in TEXT_FIELDS else row[f] for f in fields}
        data["name"] = plan.name
        target = _matching_target(plan, known)
        if target is not None:
            _merge(run, target, data, plan, extras[toolkit_id], known)
        else:
            target = _create(run, row, data, plan, extras[toolkit_id], known)
            if target is None:
                continue
            created_at.append((target, as_datetime(row.get("created"))))
        run.targets[toolkit_id] = target
        if row.get("permissions") in PUBLIC_LEVELS:
            run.public_targets.append(target)
    _keep_creation_times(Target, created_at)


def _extras(run: ImportRun) -> dict[int, dict[str, str]]:
    """Extra fields per TOM Toolkit target id, with the fields of a project's own target model as extras."""
    extras: dict[int, dict[str, str]] = defaultdict(dict)
    for target_id, key, value in run.source.select("tom_targets_targetextra", ["target_id", "key", "value"]):
        extras[target_id][(key or "").strip()] = "" if value is None else str(value)
    for table in sorted(run.custom_target_tables):
        run.read_tables.add(table)
        columns = run.source.columns(table)
        pointer = "basetarget_ptr_id" if "basetarget_ptr_id" in columns else "target_ptr_id"
        own = [c for c in columns if c != pointer]
        for row in run.source.select(table, [pointer, *own], order_by=pointer):
            for key, value in zip(own, row[1:]):
                if value is not None and value != "":
                    extras[row[0]].setdefault(key, str(value))
        if own:
            run.report.note(CHANGED, f"the fields of the project's own target model ({table}: {', '.join(own)}) "
                                     "became extra fields of each target")
    return extras


def _names_here(keys: set[str]) -> dict[str, tuple[int, str]]:
    """Which of these simplified names our targets already have: key -> (target pk, target name).

    Read once for the whole import (the TOM Toolkit's names never clash with each other once planned, so
    the targets this run creates cannot take a name another of its targets looks up).
    """
    keys = sorted(key for key in keys if "\x00" not in key)  # (PostgreSQL refuses NUL even in a query)
    found = {}
    for start in range(0, len(keys), 500):
        found.update((key, (pk, name)) for key, pk, name in TargetName.objects.filter(
            key__in=keys[start:start + 500]).values_list("key", "target_id", "target__name"))
    return found


def _matching_target(plan: NamePlan, known: dict) -> Target | None:
    """Our target with one of the plan's names (in any spelling), its name first, then its aliases in order:
    how our sharing finds a target at a peer, so a target shared here earlier is found by its import too."""
    for name in (plan.name, *plan.aliases):
        if simplify_name(name) in known:
            return Target.objects.get(pk=known[simplify_name(name)][0])
    return None


def _storable_extras(run: ImportRun, name: str, extras: dict[str, str]) -> dict[str, str]:
    good = {}
    for key, value in extras.items():
        if not key or len(key) > EXTRA_KEY_LENGTH or has_nul(key, value):
            run.report.note(CHANGED, f"target {name!r}: extra field {key[:40]!r} dropped: this TOM cannot store "
                                     "it (empty key, key longer than 200 characters, or a NUL character)")
            run.report.count("extra fields", skipped=1)
        else:
            good[key] = value
    return good


def _create(run: ImportRun, row: dict, data: dict, plan: NamePlan, extras: dict[str, str],
            known: dict) -> Target | None:
    report = run.report
    aliases = []
    for alias in plan.aliases:
        if simplify_name(alias) in known:
            report.note(CHANGED, f"target {row['name']!r}: alias {alias!r} dropped: it is a name of target "
                                 f"{known[simplify_name(alias)][1]!r} here")
            report.count("aliases", skipped=1)
        else:
            aliases.append(alias)
    extras = _storable_extras(run, row["name"], extras)
    problem = None
    if has_nul(*data.values()):
        problem = "a field has a NUL character"
    elif data.get("scheme") and data["scheme"] not in Scheme.values:
        problem = f"scheme: {data['scheme']!r} is not an orbital element scheme this TOM has ({', '.join(Scheme.values)})"
    else:
        try:
            target = create_target(None, TargetInput(data, aliases, extras))
        except ValidationError as exc:
            problem = _words(exc)
        except DataError as exc:  # a value PostgreSQL refuses that our checks let through
            problem = str(exc).strip().splitlines()[0]
    if problem:
        report.note(SKIPPED, f"target {row['name']!r} (TOM Toolkit id {row['id']}), with its aliases, extra "
                             f"fields, list memberships, permissions and data: {problem}")
        report.count("targets", skipped=1)
        return None
    run.created_targets.add(target.pk)
    report.count("targets", new=1)
    report.count("aliases", new=len(aliases))
    report.count("extra fields", new=len(extras))
    return target


def _merge(run: ImportRun, target: Target, data: dict, plan: NamePlan, extras: dict[str, str],
           known: dict) -> None:
    """The TOM Toolkit's target is one of ours already: add the names and extra fields we lack, keep ours."""
    report = run.report
    report.count("targets", existing=1)
    differs = [f"{f} (here {getattr(target, f)!r}, there {value!r})" for f, value in data.items()
               if f != "name" and value not in (None, "") and getattr(target, f) != value]
    if differs:
        report.note(KEPT, f"target {target.name!r}: {'; '.join(differs)}")
    new_names = []
    for name in (plan.name, *plan.aliases):  # its name there becomes an alias here if it was found by an alias
        owner = known[simplify_name(name)][0] if simplify_name(name) in known else None
        if owner == target.pk:
            if name != plan.name:
                report.count("aliases", existing=1)
        elif owner is not None:
            report.note(CHANGED, f"target {target.name!r}: name {name!r} dropped: it is a name of another "
                                 "target here")
            report.count("aliases", skipped=1)
        else:
            new_names.append(TargetName(target=target, name=name, key=simplify_name(name)))
    TargetName.objects.bulk_create(new_names)
    report.count("aliases", new=len(new_names))
    have = {e.key: e.value for e in target.extras.all()}
    for key, value in _storable_extras(run, target.name, extras).items():
        if key not in have:
            TargetExtra(target=target, key=key, value=value).save()  # save() types the value
            report.count("extra fields", new=1)
        else:
            report.count("extra fields", existing=1)
            if have[key] != value:
                report.note(KEPT, f"target {target.name!r}: extra field {key!r} is {have[key]!r} here, "
                                  f"{value!r} there")


def _words(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{f}: {' '.join(messages)}" for f, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def _keep_creation_times(model, created_at: list) -> None:
    """The TOM Toolkit's creation times (lists sort by them), where ``auto_now_add`` stamped the import's."""
    changed = []
    for obj, created in created_at:
        if created is not None:
            obj.created = created
            changed.append(obj)
    model.objects.bulk_update(changed, ["created"], batch_size=500)


def import_target_lists(run: ImportRun) -> None:
    source, report = run.source, run.report
    table, members = "tom_targets_targetlist", "tom_targets_targetlist_targets"
    run.read_tables |= {table, members}
    rows = list(source.select(table, ["id", "name", "created"]))
    names = {n for n in ((name or "").strip()[:200] for _, name, _ in rows) if not has_nul(n)}
    ours: dict[str, list[TargetList]] = defaultdict(list)
    for target_list in TargetList.objects.filter(name__in=names).order_by("created", "pk"):
        ours[target_list.name].append(target_list)
    seen: Counter = Counter()
    created_at = []
    for toolkit_id, raw_name, created in rows:
        name = (raw_name or "").strip()[:200]
        nth = seen[name]
        seen[name] += 1
        if nth < len(ours[name]):
            run.lists[toolkit_id] = ours[name][nth]
            report.count("target lists", existing=1)
            continue
        if has_nul(name) or not name:
            report.note(SKIPPED, f"target list {raw_name!r} (TOM Toolkit id {toolkit_id}): its name is empty or "
                                 "has a NUL character")
            report.count("target lists", skipped=1)
            continue
        target_list = run.lists[toolkit_id] = create_target_list(None, name)
        created_at.append((target_list, as_datetime(created)))
        report.count("target lists", new=1)
    _keep_creation_times(TargetList, created_at)

    columns = source.columns(members)
    target_column = next(c for c in columns if c.endswith("_id") and c != "targetlist_id")
    wanted, skipped = set(), 0
    for list_id, target_id in source.select(members, ["targetlist_id", target_column]):
        if list_id in run.lists and target_id in run.targets:
            wanted.add((run.lists[list_id].pk, run.targets[target_id].pk))
        else:
            skipped += 1  # its list or target was skipped (reported there)
    through = TargetList.targets.through
    have = set(through.objects.filter(targetlist_id__in={pk for pk, _ in wanted}).values_list(
        "targetlist_id", "target_id"))
    through.objects.bulk_create([through(targetlist_id=lst, target_id=t) for lst, t in sorted(wanted - have)],
                                batch_size=2000)
    report.count("list memberships", new=len(wanted - have), existing=len(wanted & have), skipped=skipped)
