#!/usr/bin/env python3
"""Soak test (not in CI): mixed load through the gateway in split mode while
random service processes are killed (SIGKILL) and restarted.

Starts the six optimized binaries itself (built by tools/soak/run), drives
sign-ins, ticket creation, search, edits, assignments, status changes and
inbox reads for --minutes, kills one random backend every --kill_every
seconds (restarted a few seconds later), then waits for the outboxes and the
job queue to drain and checks, from the services' own answers, that:

  - every ticket the API confirmed has exactly one `ticket.created` audit
    event (none lost, none duplicated);
  - every confirmed assignment produced exactly one notification for the
    assignee, and every confirmed status change exactly one for the owner
    (jobs dead-lettered while notification was down are retried first,
    through RetryJob, as an admin would);
  - `PRAGMA integrity_check` is ok on every database.

Prints requests served, errors by kind and the loss/duplicate counts; the
numbers go into docs/reliability.md.
"""

import argparse
import collections
import http.cookiejar
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SERVICES = ["auth", "audit", "ticket", "notification", "jobs"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir, data_dir):
        self.bin_dir, self.data_dir = bin_dir, data_dir
        self.ports = {name: free_port() for name in SERVICES}
        self.http_port = free_port()
        self.token_file = os.path.join(data_dir, "service_token")
        with open(self.token_file, "w") as f:
            f.write(os.urandom(32).hex())
        self.procs = {}
        self.log = open(os.path.join(data_dir, "soak.log"), "w")

    def argv(self, name):
        peers = ["--service_token_file=" + self.token_file] + [
            f"--{n}_target=127.0.0.1:{p}" for n, p in self.ports.items()]
        if name == "gateway":
            return [os.path.join(self.bin_dir, "gateway/gateway"),
                    f"--port={self.http_port}"] + peers
        return [os.path.join(self.bin_dir, f"services/{name}/{name}_server"),
                f"--port={self.ports[name]}", "--data_dir=" + self.data_dir,
                "--rate_limits=false" if name in ("auth", "ticket") else
                "--shutdown_grace=2s"] + peers

    def start(self, name):
        proc = subprocess.Popen(self.argv(name), stdout=subprocess.PIPE,
                                stderr=self.log, text=True)
        line = proc.stdout.readline()
        if "port=" not in line:
            raise RuntimeError(f"{name} did not start: {line!r}")
        self.procs[name] = proc

    def kill(self, name):
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self):
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            proc.wait(timeout=30)


class Client:
    def __init__(self, port, email, stats):
        self.base = f"http://127.0.0.1:{port}"
        self.stats = stats
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.email = email

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=15) as response:
                self.stats["ok"] += 1
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            self.stats[f"http {error.code}"] += 1
            if error.code == 401:
                self.sign_in()
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            self.stats[f"transport {type(error).__name__}"] += 1
        return None

    def sign_in(self):
        self.call("POST", "/v1/auth/login",
                  {"email": self.email, "password": "demo123"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin_dir", required=True)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--kill_every", type=float, default=20)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="helpdesk-soak-")
    cluster = Cluster(args.bin_dir, data_dir)
    for name in SERVICES + ["gateway"]:
        cluster.start(name)
    stats = collections.Counter()
    users = [Client(cluster.http_port, f"user{c}@example.com", stats)
             for c in "abcd"]
    admin = Client(cluster.http_port, "admina@example.com", stats)
    for client in users + [admin]:
        client.sign_in()

    confirmed_tickets = {}          # id -> owner email
    assignments = collections.Counter()    # admin id -> confirmed count
    status_changes = collections.Counter()  # owner email -> confirmed count
    assignee = {}
    kills = collections.Counter()
    end = time.time() + args.minutes * 60
    next_kill = time.time() + args.kill_every
    down = None
    rng = random.Random(7)
    while time.time() < end:
        now = time.time()
        if down and now >= down[1]:
            cluster.start(down[0])
            down = None
        if not down and now >= next_kill:
            victim = rng.choice(SERVICES)
            cluster.kill(victim)
            kills[victim] += 1
            down = (victim, now + rng.uniform(1, 5))
            next_kill = now + args.kill_every
        user = rng.choice(users)
        roll = rng.random()
        if roll < 0.3:
            ticket = user.call("POST", "/v1/tickets", {
                "title": f"Soak ticket {stats['ok']}",
                "body": "Created by the soak test"})
            if ticket:
                confirmed_tickets[ticket["id"]] = user.email
        elif roll < 0.5:
            user.call("GET", "/v1/tickets?query=soak&pageSize=20")
        elif roll < 0.6:
            user.call("GET", "/v1/notifications:unreadCount")
        elif confirmed_tickets:
            ticket_id = rng.choice(list(confirmed_tickets))
            if roll < 0.8:
                target = rng.choice(["1", "2"])
                if assignee.get(ticket_id) != target:
                    if admin.call("POST", f"/v1/tickets/{ticket_id}:assign",
                                  {"assigneeId": target}):
                        assignee[ticket_id] = target
                        assignments[target] += 1
            else:
                status = rng.choice(["IN_PROGRESS", "RESOLVED", "OPEN"])
                before = admin.call("GET", f"/v1/tickets/{ticket_id}")
                if before and before.get("status") != status:
                    if admin.call("PATCH", f"/v1/tickets/{ticket_id}",
                                  {"status": status}):
                        status_changes[confirmed_tickets[ticket_id]] += 1
    if down:
        cluster.start(down[0])

    # Let outboxes, the job queue and retries drain, then check.
    print("draining...", file=sys.stderr)
    checker = Client(cluster.http_port, "admina@example.com", stats)
    checker.sign_in()
    created = {}
    for _ in range(120):
        events, token = [], ""
        while True:
            page = checker.call(
                "GET", "/v1/auditEvents?action=ticket.created&pageSize=1000"
                + (f"&pageToken={token}" if token else "")) or {}
            events += page.get("auditEvents", [])
            token = page.get("nextPageToken", "")
            if not token:
                break
        created = collections.Counter(e["entityId"] for e in events)
        if all(created.get(t) for t in confirmed_tickets):
            break
        time.sleep(5)
    lost = sum(1 for t in confirmed_tickets if not created.get(t))
    duplicated = sum(1 for t in confirmed_tickets if created.get(t, 0) > 1)
    time.sleep(30)  # retries of jobs
    # Jobs whose notification service stayed down past max_attempts are
    # DEAD (dead-lettered, not lost): retry them as an admin would.
    dead = []
    while True:
        page = checker.call("GET", "/v1/jobs?state=DEAD&pageSize=1000") or {}
        batch = page.get("jobs", [])
        if not batch:
            break
        for job in batch:
            if checker.call("POST", f"/v1/jobs/{job['id']}:retry", {}):
                dead.append(job["id"])
    if dead:
        time.sleep(15)
    db = sqlite3.connect(os.path.join(data_dir, "notifications.db"))
    per_user = dict(db.execute(
        "SELECT user_id, COUNT(*) FROM notifications GROUP BY user_id"))
    duplicate_notifications = db.execute(
        "SELECT COUNT(*) FROM (SELECT source_job_id, user_id, COUNT(*) c "
        "FROM notifications GROUP BY 1, 2 HAVING c > 1)").fetchone()[0]
    integrity = {}
    for name in ["auth", "audit", "tickets", "notifications", "jobs"]:
        con = sqlite3.connect(os.path.join(data_dir, f"{name}.db"))
        integrity[name] = con.execute("PRAGMA integrity_check").fetchone()[0]
    cluster.stop()

    print(json.dumps({
        "minutes": args.minutes, "kills": kills,
        "requests": sum(stats.values()), "by_kind": stats,
        "tickets_confirmed": len(confirmed_tickets),
        "ticket_created_events_lost": lost,
        "ticket_created_events_duplicated": duplicated,
        "assignments_confirmed": assignments,
        "status_changes_confirmed": sum(status_changes.values()),
        "notifications_per_user_id": per_user,
        "duplicate_notifications": duplicate_notifications,
        "dead_jobs_retried": len(dead),
        "integrity_check": integrity, "data_dir": data_dir}, indent=1))


if __name__ == "__main__":
    main()
