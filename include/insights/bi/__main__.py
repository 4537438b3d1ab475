"""`python -m insights.bi up | provision | bundle`: see insights.bi."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from insights.bi.definitions import DefinitionError, load_dashboards
from insights.bi.provision import ProvisionError, ReaderAccess, provision, render_bundle
from insights.bi.server import BiServer, BiServerError
from insights.bi.superset_bundle import bundle_zip
from insights.settings import load_settings

_log = logging.getLogger("insights.bi")


def _print_dashboards(server: BiServer, dashboards: list[dict]) -> None:
    print(f"Superset serves {server.url} (user admin, password from INSIGHTS_BI_PASSWORD, default admin)")
    for dashboard in dashboards:
        print(f"  {dashboard['dashboard_title']:<24} {server.url}{dashboard['url']}")


def cmd_up(args: argparse.Namespace) -> int:
    settings = load_settings()
    server = BiServer.from_env(settings)
    server.initialise()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server.running():
        dashboards = provision(server.url, server.admin_password, os.environ,
                               bundle_copy=server.home / "bundle.zip")
        _print_dashboards(server, dashboards)
        if args.exit_after_provisioning:
            return 0
        print("Ctrl-C stops the server.")
        stop.wait()
    print("Superset stopped.")
    return 0


def cmd_provision(args: argparse.Namespace) -> int:
    server = BiServer.from_env(load_settings())
    _print_dashboards(server, provision(server.url, server.admin_password, os.environ))
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    files = render_bundle(ReaderAccess.from_env(os.environ), load_dashboards())
    args.folder.mkdir(parents=True, exist_ok=True)
    target = args.folder / "insights_bi.zip"
    target.write_bytes(bundle_zip(files))
    print(f"{target}: {len(files)} files (`superset import-dashboards -p {target} -u admin` imports it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights.bi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="initialise Superset, serve it, provision the dashboards; Ctrl-C stops it")
    up.add_argument("--exit-after-provisioning", action="store_true", help="stop once provisioned (a check)")
    up.set_defaults(func=cmd_up)
    sub.add_parser("provision", help="import the dashboards into the running server").set_defaults(
        func=cmd_provision)
    bundle = sub.add_parser("bundle", help="write the Superset import bundle")
    bundle.add_argument("folder", type=Path)
    bundle.set_defaults(func=cmd_bundle)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (BiServerError, ProvisionError, DefinitionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
