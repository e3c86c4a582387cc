"""Command line of the sandbox: `python -m sandbox build|plaid|oidc ...`.

`main(argv)` never raises for bad input and never calls `sys.exit`: it returns 0 on
success, 1 when the work failed, 2 for bad arguments, and prints one-line errors to
stderr, so `wdp sandbox ...` can call it in-process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.oidc_provider import OidcAccount

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_ARGS = 2


class _BadArguments(Exception):
    """Raised instead of argparse's sys.exit(2) so main() can return 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _BadArguments(f"{self.prog}: error: {message}")


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sandbox", description="Synthetic client world and offline Plaid.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    build = commands.add_parser("build", help="build a deterministic world into a folder")
    build.add_argument("--out", type=Path, required=True, help="world folder (created)")
    build.add_argument("--clients", type=_positive_int, required=True, help="number of clients")
    build.add_argument("--seed", type=_non_negative_int, default=42, help="random seed (42)")
    build.add_argument(
        "--as-of", type=_iso_date, required=True, help="last day of the world, YYYY-MM-DD"
    )
    build.add_argument(
        "--broken-document-share",
        type=_share,
        default=None,
        help="share of landing-area documents broken on purpose (0-1, default 0.1)",
    )
    build.add_argument(
        "--app-db-url",
        default=None,
        help="libpq URI of the (existing) app database; omitted: no database is written",
    )

    plaid = commands.add_parser("plaid", help="serve the world's Plaid API on 127.0.0.1")
    plaid.add_argument("--world", type=Path, required=True, help="world folder built before")
    plaid.add_argument("--port", type=_port, default=8765, help="TCP port (8765; 0: any free)")
    plaid.add_argument("--faults", default="", help="fault spec, see sandbox/README.md")
    plaid.add_argument(
        "--date", type=_iso_date, default=None, help="simulated today (default: the world's as-of)"
    )
    plaid.add_argument(
        "--webhook-url", default=None, help="where signed webhooks are sent (default: none)"
    )

    oidc = commands.add_parser("oidc", help="serve an offline OpenID Connect provider on 127.0.0.1")
    oidc.add_argument("--port", type=_port, default=8900, help="TCP port (8900; 0: any free)")
    oidc.add_argument("--client-id", required=True, help="the app's client id")
    oidc.add_argument(
        "--client-secret-file",
        type=Path,
        required=True,
        help="file holding the app's client secret (kept off the command line)",
    )
    oidc.add_argument(
        "--redirect-uri",
        action="append",
        required=True,
        help="a registered redirect URI of the app (repeatable)",
    )
    oidc.add_argument(
        "--account",
        action="append",
        default=[],
        type=_oidc_account,
        help="EMAIL or EMAIL=Full Name the provider can sign in (repeatable)",
    )
    oidc.add_argument(
        "--unverified-account",
        action="append",
        default=[],
        type=_oidc_account,
        help="like --account, but its email_verified claim is false",
    )
    return parser


def _oidc_account(text: str) -> OidcAccount:
    from sandbox.oidc_provider import OidcAccount

    try:
        return OidcAccount.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _run_oidc(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from sandbox.oidc_provider import OidcClient, OidcSandboxServer

    try:
        client_secret = args.client_secret_file.read_text().strip()
    except OSError as error:
        print(f"sandbox oidc: cannot read --client-secret-file: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    if not client_secret:
        print("sandbox oidc: error: the client secret file is empty", file=sys.stderr)
        return EXIT_BAD_ARGS
    accounts = [
        *args.account,
        *(replace(account, email_verified=False) for account in args.unverified_account),
    ]
    if not accounts:
        print("sandbox oidc: error: give at least one --account", file=sys.stderr)
        return EXIT_BAD_ARGS
    client = OidcClient(args.client_id, client_secret, tuple(args.redirect_uri))
    try:
        server = OidcSandboxServer([client], accounts, port=args.port)
    except OSError as error:
        print(
            f"sandbox oidc: cannot listen on 127.0.0.1:{args.port}: {error.strerror}; "
            "choose another --port",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(
        f"sandbox oidc: serving {server.discovery_url} for client {client.client_id} "
        f"({len(accounts)} accounts: {', '.join(account.email for account in accounts)}); "
        "Ctrl-C stops",
        flush=True,
    )
    server.serve_forever()
    return EXIT_OK


def _run_build(args: argparse.Namespace) -> int:
    from sandbox.world import build_world

    def progress(message: str) -> None:
        print(f"sandbox: {message}", flush=True)

    try:
        summary = build_world(
            args.out,
            clients=args.clients,
            seed=args.seed,
            as_of=args.as_of,
            app_database_url=args.app_db_url,
            progress=progress,
            **(
                {"broken_document_share": args.broken_document_share}
                if args.broken_document_share is not None
                else {}
            ),
        )
    except ValueError as error:
        print(f"sandbox build: error: {error}", file=sys.stderr)
        return EXIT_BAD_ARGS
    except OSError as error:
        print(f"sandbox build: cannot write the world to {args.out}: {error}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:
        # psycopg2 errors carry no password; show the first line only.
        if type(error).__module__.startswith("psycopg2"):
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else error
            print(
                f"sandbox build: app database failed: {first_line}; "
                "check --app-db-url (the database must exist and the role be a superuser)",
                file=sys.stderr,
            )
            return EXIT_FAILED
        raise
    print(
        f"sandbox: built {summary.clients} clients ({summary.deleted_clients} deleted) "
        f"in {summary.out_dir}",
        flush=True,
    )
    return EXIT_OK


def _run_plaid(args: argparse.Namespace) -> int:
    from sandbox.plaid_server import serve_forever

    return serve_forever(
        args.world,
        port=args.port,
        faults=args.faults,
        today=args.date,
        webhook_url=args.webhook_url,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox command line with `argv` (default: sys.argv[1:]); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _BadArguments as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_ARGS
    except SystemExit as exit_request:  # --help
        return int(exit_request.code or 0)
    if args.command == "build":
        return _run_build(args)
    if args.command == "oidc":
        return _run_oidc(args)
    return _run_plaid(args)
