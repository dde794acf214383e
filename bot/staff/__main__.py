"""`python -m bot.staff create-user|list-users|unlock|disable`: manage staff console accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from core.errors import NonghuiError


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise NonghuiError("the two passwords differ")
    return first


def cli_actor() -> str:
    """Who ran the command, as the audit log names it: `cli:<operating-system user>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"[:64]


def main(argv: list[str] | None = None) -> int:
    """Run one account command; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.staff")
    parser.add_argument("--database-url", default=None, help="default: NONGHUI_DATABASE_URL or the SQLite file")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff member or an admin")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="name shown in the console")
    create.add_argument("--station", default=None, help="station code (omit for the default queue)")
    create.add_argument("--admin", action="store_true", help="an admin sees every station and the admin pages")
    create.add_argument("--lang", choices=["zh", "en"], default="zh")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    commands.add_parser("list-users", help="list accounts")
    for name in ("unlock", "disable", "enable"):
        sub = commands.add_parser(name, help=f"{name} an account")
        sub.add_argument("username")
    args = parser.parse_args(argv)

    from core.settings import NonghuiSettings
    from store.db import make_engine, migrate, session_factory
    from store.staff import SqlStaff

    engine = make_engine(args.database_url or NonghuiSettings().resolved_database_url)
    try:
        migrate(engine)
        staff = SqlStaff(session_factory(engine))
        actor = cli_actor()
        if args.command == "create-user":
            staff_id = staff.create_user(
                username=args.username,
                password=_password(args),
                display_name=args.name,
                role="admin" if args.admin else "staff",
                station_code=args.station,
                lang=args.lang,
            )
            staff.audit_system(
                actor,
                "staff_create",
                target_type="staff",
                target_id=args.username.lower(),
                detail=f"role={'admin' if args.admin else 'staff'} station={args.station or '-'}",
            )
            print(f"created {'admin' if args.admin else 'staff'} {args.username.lower()} (id {staff_id})")
            return 0
        accounts = staff.accounts()
        if args.command == "list-users":
            for a in accounts:
                state = ("active" if a.active else "disabled") + (", locked" if a.locked else "")
                print(f"{a.id}\t{a.username}\t{a.role}\t{a.station_code or '-'}\t{state}")
            return 0
        account = next((a for a in accounts if a.username == args.username.lower()), None)
        if account is None:
            print(f"no account {args.username!r}", file=sys.stderr)
            return 2
        if args.command == "unlock":
            staff.unlock(account.id)
        else:
            staff.set_active(account.id, args.command == "enable")
        staff.audit_system(actor, f"staff_{args.command}", target_type="staff", target_id=str(account.id))
        print(f"{args.command}: {account.username}")
        return 0
    except NonghuiError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
