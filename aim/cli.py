"""Command line: `aim <paper> <command> ...` (also `python -m aim ...`).

Each wing adds its commands; `aim se|thresholds|amp|gd ...` (the commands of the first
release) stay as aliases of `aim bayes ...`.
"""

from __future__ import annotations

import importlib
import sys

from aim import __version__
from aim.core.cli import OneLineParser, strict_json
from aim.core.validation import InputError

WINGS = {
    "bayes": "aim.bayes.cli",
    "erm": "aim.erm.cli",
    "deep": "aim.deep.cli",
}  # paper id -> its command-line module
ALIASES = {command: "bayes" for command in ("se", "thresholds", "amp", "gd")}


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="aim", description=__doc__)
    parser.add_argument("--version", action="version", version=f"aim {__version__}")
    papers = parser.add_subparsers(dest="paper", required=True, parser_class=OneLineParser)
    for paper, module in WINGS.items():
        wing = importlib.import_module(module)
        sub = papers.add_parser(paper, help=wing.__doc__.splitlines()[0])
        commands = sub.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
        wing.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ALIASES:
        argv = [ALIASES[argv[0]], *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    wing = importlib.import_module(WINGS[args.paper])
    try:
        wing.validate(args)
    except InputError as err:
        parser.exit(2, f"aim {args.paper} {args.command}: error: {err}\n")
    result = wing.RUNNERS[args.command](args)
    print(strict_json(result) if args.json else wing.summary(result))
    if "failure" in result:  # a run that produced no trustworthy result: one line, exit 1
        print(f"aim {args.paper} {args.command}: {result['failure']}", file=sys.stderr)
        return 1
    return 0 if result.get("converged", True) else 1
