#!/usr/bin/env python3
"""Prints "N passed, N failed" for a `bazel test` run and the other runners.

Reads the run's build event file (JSON lines) and each test target's XML
report; counts test cases, not targets. A target that did not run (for
example, because it failed to build) counts as one failure. With --junit,
also counts the cases of that JUnit report (node --test's browser tests,
tools/fuzz's targets): a missing, unreadable or empty report counts as one
failure, and so does a non-zero --junit_status (the runner's exit status)
without a failed case. --junit may be given several times, each followed by
its runner's --junit_status. Exits 1 when anything failed or nothing ran.

Usage: test_summary.py [--format_check=passed|failed]
           [--lint_check=passed|failed]
           [--junit=REPORT.xml --junit_status=N]... BUILD_EVENTS.json
           //expected:test ...
"""

import json
import sys
import urllib.parse
import xml.etree.ElementTree as ElementTree


def xml_counts(path):
    """Returns (passed, failed) test cases in one JUnit XML report."""
    root = ElementTree.parse(path).getroot()
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.get("status") == "notrun" or
              case.get("result") == "skipped" or
              case.find("skipped") is not None):
            continue
        else:
            passed += 1
    return passed, failed


def junit_counts(path, status):
    """Returns (passed, failed) for one runner's JUnit report."""
    try:
        passed, failed = xml_counts(path)
    except (OSError, ElementTree.ParseError) as error:
        print(f"unreadable report {path}: {error}", file=sys.stderr)
        return 0, 1
    if passed + failed == 0:
        print(f"no test cases in {path}", file=sys.stderr)
        failed = 1
    if status != 0 and failed == 0:
        print(f"test runner exited with {status}", file=sys.stderr)
        failed = 1
    return passed, failed


def main(argv):
    args = argv[1:]
    passed = failed = 0
    # [path, runner status, status given]; a --junit_status belongs to the
    # --junit before it, or (given first) to the next one.
    reports = []
    pending_status = None
    while args and args[0].startswith("--"):
        name, _, value = args.pop(0).partition("=")
        if name in ("--format_check", "--lint_check"):  # one case each
            if value == "passed":
                passed += 1
            else:
                failed += 1
        elif name == "--junit":
            reports.append([value, pending_status or 0,
                            pending_status is not None])
            pending_status = None
        elif name == "--junit_status":
            status = int(value or "1")
            if reports and not reports[-1][2]:
                reports[-1][1:] = [status, True]
            else:
                pending_status = status
        else:
            print(f"unknown option {name}", file=sys.stderr)
            return 2
    for junit, junit_status, _ in reports:
        case_passed, case_failed = junit_counts(junit, junit_status)
        passed += case_passed
        failed += case_failed
    events_path, expected = args[0], args[1:]
    results = {}
    with open(events_path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            if "testResult" not in event:
                continue
            label = event["id"]["testResult"]["label"]
            outputs = event["testResult"].get("testActionOutput", [])
            xml = [o["uri"] for o in outputs if o.get("name") == "test.xml"]
            results.setdefault(label, []).append(
                (event["testResult"].get("status"), xml[0] if xml else None))

    for label in expected:
        runs = results.get(label)
        if not runs:
            print(f"did not run: {label}", file=sys.stderr)
            failed += 1
            continue
        for status, xml_uri in runs:
            counts = (0, 0)
            if xml_uri:
                path = urllib.parse.unquote(urllib.parse.urlparse(xml_uri).path)
                try:
                    counts = xml_counts(path)
                except (OSError, ElementTree.ParseError) as error:
                    print(f"unreadable report for {label}: {error}",
                          file=sys.stderr)
            case_passed, case_failed = counts
            if status != "PASSED" and case_failed == 0:
                case_failed = 1  # crashed or timed out without a report
            passed += case_passed
            failed += case_failed

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
