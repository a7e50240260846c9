#!/usr/bin/env python3
"""Fails when a source file includes from a folder it may not depend on,
or uses an outside library outside the folders that own it.

Dependencies point up the layer table: domain < conf < storage < auth <
channels < actors < http < daemon; cli sees only domain.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

ALLOWED = {
    "domain": {"domain"},
    "conf": {"domain", "conf"},
    "storage": {"domain", "storage"},
    "auth": {"domain", "auth"},
    "channels": {"domain", "storage", "channels"},
    "actors": {"domain", "conf", "storage", "auth", "channels", "actors"},
    "http": {"domain", "conf", "storage", "auth", "channels", "actors", "http"},
    "daemon": {"domain", "conf", "storage", "auth", "channels", "actors",
               "http", "daemon"},
    "cli": {"domain", "cli"},
}

# Outside headers and the folders allowed to include them. CAF's error and
# expected value types are the error currency everywhere, so only its
# actor machinery is fenced.
LIBRARIES = [
    (re.compile(r"<lmdb\.h>"), {"storage"}),
    (re.compile(r"<curl/"), {"channels", "cli"}),
    (re.compile(r"<boost/(beast|asio)"), {"http", "daemon"}),
    (re.compile(r"<caf/(actor|event_based|stateful|scoped|send|"
                r"typed_actor|response_promise)"),
     {"actors", "http", "daemon"}),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"][^>"]+[>"])')


def main() -> int:
    failures = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".hpp", ".cpp", ".h"}:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = match.group(1)
                where = f"{path.relative_to(ROOT)}:{number}"
                if target.startswith('"'):
                    top = target[1:].split("/", 1)[0]
                    if top in ALLOWED and top not in allowed:
                        failures.append(f"{where}: {folder}/ may not include "
                                        f"{target} (allowed: "
                                        f"{', '.join(sorted(allowed))})")
                    continue
                for pattern, owners in LIBRARIES:
                    if pattern.search(target) and folder not in owners:
                        failures.append(f"{where}: {target} belongs in "
                                        f"{', '.join(sorted(owners))}/ only")
    for failure in failures:
        print(failure)
    print(f"check_layers: {len(failures)} violation(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
