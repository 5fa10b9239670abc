"""Checks the Kubernetes manifests in deploy/kubernetes against the binaries.

Run by `bazel test //deploy/kubernetes:manifests_test` (see BUILD.bazel).
Every YAML file under deploy/kubernetes is given on the command line, and
every document in them is checked:

  * Each container's command names a Helpdesk binary; each flag in its
    command and args (`--name=value` or `--name`) is one the binary defines,
    as its `--helpfull` lists them; no stray positional arguments.
  * Each `$(VAR)` in command or args is defined for the container (env, or a
    key of a ConfigMap/Secret it takes with envFrom), as Kubernetes leaves
    an undefined reference as literal text.
  * Each gRPC probe's `service` is a name the binary answers SERVING for on
    grpc.health.v1.Health/Check; gRPC probe ports are the --port the binary
    listens on and a declared containerPort; HTTP probes use a path the
    gateway serves.
  * Every Deployment has replicas >= 2, a selector matching its pod labels,
    a PodDisruptionBudget selecting its pods, and requests (cpu, memory) and
    a memory limit on every container; terminationGracePeriodSeconds is more
    than --drain_delay + --shutdown_grace.
  * Secrets, ConfigMaps and keys that pods refer to exist in the manifests;
    flags naming a file (--*_file) point into a mounted Secret item.
  * Peer targets (--*_target) name a headless Service of these manifests on
    the port of the Deployment behind it; every Service selects pods and its
    targetPort is one they declare.
  * kustomization.yaml lists every manifest except *.example.yaml.

Flags come from the binaries themselves when they are given
(--binary NAME=PATH, with --health_check): the test runs `NAME --helpfull`,
starts each gRPC binary on SQLite in a temporary directory on a free port and
calls Health/Check for every probe's service, and fails if the recorded
`--helpfull` output in testdata/helpfull is stale. Without --binary it
checks the flags against that recorded output and the probe names against
SERVED_HEALTH_NAMES below.
"""

import argparse
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("manifests_test: needs PyYAML (Debian: python3-yaml; "
             "tools/bootstrap installs it)")

# What each gRPC binary answers SERVING for on grpc.health.v1.Health/Check,
# for runs without the binaries. libs/rpc/server.cc (RpcServer::Start) sets
# SERVING for every service registered on the server: the component's one
# service (`services()` in services/*/*_component.h; its full name is the
# proto's package and service, protos/helpdesk/*/v1/*.proto), the two
# reflection services and grpc.health.v1.Health; gRPC's default health
# service answers "" (the whole server) itself. tests/probes_test.cc checks
# the service names against the running binaries, and this test does too
# when it is given them (manifests_binaries_test).
_COMMON_HEALTH_NAMES = (
    "",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
)
SERVED_HEALTH_NAMES = {
    "auth_server": ("helpdesk.auth.v1.AuthService",) + _COMMON_HEALTH_NAMES,
    "audit_server": ("helpdesk.audit.v1.AuditService",) + _COMMON_HEALTH_NAMES,
    "ticket_server":
        ("helpdesk.tickets.v1.TicketService",) + _COMMON_HEALTH_NAMES,
    "notification_server": ("helpdesk.notifications.v1.NotificationService",)
                           + _COMMON_HEALTH_NAMES,
    "jobs_server": ("helpdesk.jobs.v1.JobService",) + _COMMON_HEALTH_NAMES,
}

# The gateway's HTTP health endpoints (gateway/request_handler.cc,
# kHealthzPath and kReadyzPath).
GATEWAY_HTTP_PATHS = ("/healthz", "/readyz")

# Flags naming the peers (libs/rpc/service_main.cc, gateway/main.cc).
TARGET_FLAGS = ("auth_target", "audit_target", "ticket_target", "jobs_target",
                "notification_target")

_HELP_FLAG = re.compile(r"^    --([A-Za-z0-9_]+) \(")
_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_DNS_TARGET = re.compile(
    r"^dns:///([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:([0-9]+)$")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|us|ns|h|m|s)")
_DURATION_UNITS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6,
                   "ns": 1e-9}


class Checker:

    def __init__(self):
        self.errors = []

    def error(self, where, message):
        self.errors.append("%s: %s" % (where, message))


def flags_of_helpfull(text):
    """The flag names an Abseil `--helpfull` output lists."""
    return {m.group(1) for line in text.splitlines()
            for m in [_HELP_FLAG.match(line)] if m}


def parse_duration(text):
    """Seconds of an absl::Duration flag value such as 1m30s; None if not."""
    if not text:
        return None
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    return total if position == len(text) else None


def labels_match(selector, labels):
    return bool(selector) and all(
        labels.get(key) == value for key, value in selector.items())


def load_documents(paths, checker):
    documents = []  # (path, index, document)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            try:
                loaded = list(yaml.safe_load_all(f))
            except yaml.YAMLError as e:
                checker.error(path, "not valid YAML: %s" % e)
                continue
        for index, document in enumerate(loaded):
            if document is None:
                continue
            if not isinstance(document, dict) or "kind" not in document:
                checker.error("%s[%d]" % (path, index),
                              "not a Kubernetes object (no kind)")
                continue
            documents.append((path, index, document))
    return documents


class Manifests:
    """The objects of all manifests, by kind and name."""

    def __init__(self, documents, checker):
        self.by_kind = {}
        self.where = {}
        for path, index, document in documents:
            kind = document["kind"]
            if kind == "Kustomization":
                continue
            name = document.get("metadata", {}).get("name")
            where = "%s: %s %s" % (os.path.basename(path), kind, name)
            if not name:
                checker.error(where, "has no metadata.name")
                continue
            if name in self.by_kind.setdefault(kind, {}):
                checker.error(where, "defined twice")
            self.by_kind[kind][name] = document
            self.where[id(document)] = where

    def of_kind(self, kind):
        return self.by_kind.get(kind, {})

    def where_of(self, document):
        return self.where[id(document)]

    def config_keys(self, kind, name):
        """Keys of a ConfigMap or Secret, or None if there is none."""
        document = self.of_kind(kind).get(name)
        if document is None:
            return None
        keys = set(document.get("data") or {})
        keys |= set(document.get("stringData") or {})
        return keys


def container_env(manifests, container, where, checker):
    """Name -> value (None when it comes from a Secret) of a container."""
    env = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            name = source["configMapRef"].get("name")
            document = manifests.of_kind("ConfigMap").get(name)
            if document is None:
                checker.error(where, "envFrom names ConfigMap %r, which no "
                              "manifest defines" % name)
                continue
            for key, value in (document.get("data") or {}).items():
                env[prefix + key] = str(value)
        elif "secretRef" in source:
            name = source["secretRef"].get("name")
            keys = manifests.config_keys("Secret", name)
            if keys is None:
                checker.error(where, "envFrom names Secret %r, which no "
                              "manifest defines" % name)
                continue
            for key in keys:
                env[prefix + key] = None
    for variable in container.get("env") or []:
        name = variable.get("name")
        if "value" in variable:
            env[name] = str(variable["value"])
            continue
        source = variable.get("valueFrom") or {}
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            document = manifests.of_kind("ConfigMap").get(ref.get("name"))
            if document is None or ref.get("key") not in (
                    document.get("data") or {}):
                checker.error(where, "env %s: ConfigMap %r has no key %r" %
                              (name, ref.get("name"), ref.get("key")))
                continue
            env[name] = str(document["data"][ref["key"]])
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            keys = manifests.config_keys("Secret", ref.get("name"))
            if keys is None or ref.get("key") not in keys:
                checker.error(where, "env %s: Secret %r has no key %r (in "
                              "any manifest)" % (name, ref.get("name"),
                                                 ref.get("key")))
            env[name] = None
        else:
            env[name] = None
    return env


def expand(value, env, where, checker):
    """A command/args element with $(VAR) expanded as Kubernetes does."""
    def replace(match):
        name = match.group(1)
        if name not in env:
            checker.error(where, "%r refers to $(%s), which the container "
                          "does not define" % (value, name))
            return match.group(0)
        if env[name] is None:
            return "<secret %s>" % name
        return env[name]
    return _VAR_REF.sub(replace, value)


def secret_files(manifests, pod_spec, container, where, checker):
    """Paths of the Secret items mounted in a container."""
    volumes = {v.get("name"): v for v in pod_spec.get("volumes") or []}
    files = set()
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name"))
        if volume is None:
            checker.error(where, "mounts volume %r, which the pod does not "
                          "define" % mount.get("name"))
            continue
        if "secret" not in volume:
            continue
        secret_name = volume["secret"].get("secretName")
        keys = manifests.config_keys("Secret", secret_name)
        if keys is None:
            checker.error(where, "volume %r: Secret %r is in no manifest" %
                          (volume["name"], secret_name))
            continue
        items = volume["secret"].get("items")
        if items is None:
            items = [{"key": key, "path": key} for key in keys]
        for item in items:
            if item.get("key") not in keys:
                checker.error(where, "volume %r: Secret %r has no key %r" %
                              (volume["name"], secret_name, item.get("key")))
            files.add(os.path.join(mount["mountPath"], item.get("path")))
    return files


def parse_args_of(elements, where, checker):
    """(name, value or None) of each flag; errors for anything else."""
    flags = []
    for element in elements:
        if not element.startswith("-") or element in ("-", "--"):
            checker.error(where, "argument %r is not a flag (--name=value): "
                          "the binaries ignore positional arguments" %
                          element)
            continue
        body = element.lstrip("-")
        name, has_value, value = body.partition("=")
        flags.append((name, value if has_value else None))
    return flags


def check_flag_names(flags, defined, binary, where, checker):
    for name, _ in flags:
        if name in defined:
            continue
        # Abseil's --noNAME for a boolean flag.
        if name.startswith("no") and name[2:] in defined:
            continue
        checker.error(where, "--%s is not a flag of %s (its --helpfull "
                      "lists: %s)" % (name, binary,
                                      " ".join(sorted(defined))))


def probes_of(container):
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(kind)
        if probe:
            yield kind, probe


def check_manifests(documents, manifest_paths, helpfull, served_health,
                    checker):
    manifests = Manifests(documents, checker)
    deployments = manifests.of_kind("Deployment")
    services = manifests.of_kind("Service")
    pdbs = manifests.of_kind("PodDisruptionBudget")
    if not deployments:
        checker.error("deploy/kubernetes", "no Deployment in any manifest")

    # What a target flag's Service leads to: Service name -> (port, binary).
    port_of_service = {}
    probe_services = {}  # binary -> set of grpc probe service names
    target_values = []   # (where, flag, value)

    for name, deployment in sorted(deployments.items()):
        where = manifests.where_of(deployment)
        spec = deployment.get("spec") or {}
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or replicas < 2:
            checker.error(where, "replicas is %r: at least 2, so that one "
                          "replica may be down" % replicas)
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        if not labels_match(selector, labels):
            checker.error(where, "spec.selector.matchLabels %r does not match "
                          "the pod labels %r" % (selector, labels))
        namespace = (deployment.get("metadata") or {}).get("namespace")
        selecting = [
            pdb_name for pdb_name, pdb in pdbs.items()
            if (pdb.get("metadata") or {}).get("namespace") == namespace and
            labels_match(((pdb.get("spec") or {}).get("selector") or {})
                         .get("matchLabels"), labels)]
        if not selecting:
            checker.error(where, "no PodDisruptionBudget selects its pods")
        for pdb_name in selecting:
            pdb_spec = pdbs[pdb_name].get("spec") or {}
            min_available = pdb_spec.get("minAvailable")
            if (isinstance(min_available, int) and
                    isinstance(replicas, int) and min_available >= replicas):
                checker.error(where, "PodDisruptionBudget %s allows no "
                              "disruption (minAvailable %d of %d replicas)" %
                              (pdb_name, min_available, replicas))

        pod_spec = template.get("spec") or {}
        grace_period = pod_spec.get("terminationGracePeriodSeconds", 30)
        containers = pod_spec.get("containers") or []
        if not containers:
            checker.error(where, "has no containers")
        for container in containers:
            cwhere = "%s container %s" % (where, container.get("name"))
            resources = container.get("resources") or {}
            requests = resources.get("requests") or {}
            for resource in ("cpu", "memory"):
                if resource not in requests:
                    checker.error(cwhere, "no %s request" % resource)
            if "memory" not in (resources.get("limits") or {}):
                checker.error(cwhere, "no memory limit")

            command = container.get("command") or []
            if not command:
                checker.error(cwhere, "no command: it must name the binary")
                continue
            binary = os.path.basename(command[0])
            if binary not in helpfull:
                checker.error(cwhere, "runs %r, which is not one of the "
                              "binaries checked here (%s)" %
                              (command[0], ", ".join(sorted(helpfull))))
                continue
            env = container_env(manifests, container, cwhere, checker)
            elements = [expand(str(e), env, cwhere, checker)
                        for e in command[1:] + (container.get("args") or [])]
            flags = parse_args_of(elements, cwhere, checker)
            check_flag_names(flags, helpfull[binary], binary, cwhere, checker)
            values = dict(flags)

            ports = {p.get("name"): p.get("containerPort")
                     for p in container.get("ports") or []}
            port_flag = values.get("port")
            if port_flag is None or not port_flag.isdigit():
                checker.error(cwhere, "needs --port=N (the default picks a "
                              "free port or 8080)")
            elif int(port_flag) not in ports.values():
                checker.error(cwhere, "--port=%s is not a declared "
                              "containerPort (%r)" % (port_flag, ports))
            if values.get("bind_address") in (None, "127.0.0.1",
                                              "localhost"):
                checker.error(cwhere, "--bind_address must be a non-loopback "
                              "address (default 127.0.0.1): probes and peers "
                              "come from outside the pod")

            for kind, probe in probes_of(container):
                pwhere = "%s %s" % (cwhere, kind)
                if "grpc" in probe:
                    grpc = probe["grpc"]
                    service = grpc.get("service", "")
                    if binary not in served_health:
                        checker.error(pwhere, "%s serves no gRPC health" %
                                      binary)
                    elif service not in served_health[binary]:
                        checker.error(pwhere, "service %r is not a name %s "
                                      "answers on grpc.health.v1 (it serves "
                                      "%r)" % (service, binary,
                                               served_health[binary]))
                    probe_services.setdefault(binary, set()).add(service)
                    if str(grpc.get("port")) != str(port_flag):
                        checker.error(pwhere, "port %r is not --port=%s" %
                                      (grpc.get("port"), port_flag))
                elif "httpGet" in probe:
                    http = probe["httpGet"]
                    if binary != "gateway":
                        checker.error(pwhere, "%s serves no HTTP" % binary)
                    elif http.get("path") not in GATEWAY_HTTP_PATHS:
                        checker.error(pwhere, "path %r is not one of the "
                                      "gateway's %r" % (http.get("path"),
                                                        GATEWAY_HTTP_PATHS))
                    port = http.get("port")
                    if port not in ports and port not in ports.values():
                        checker.error(pwhere, "port %r is not a declared "
                                      "container port" % port)
                else:
                    checker.error(pwhere, "neither a grpc nor an httpGet "
                                  "probe")
            if not container.get("readinessProbe"):
                checker.error(cwhere, "no readinessProbe")
            if not container.get("livenessProbe"):
                checker.error(cwhere, "no livenessProbe")

            # Files the binary reads must be mounted Secret items.
            mounted = secret_files(manifests, pod_spec, container, cwhere,
                                   checker)
            for flag, value in flags:
                if flag.endswith("_file") and value:
                    if value not in mounted:
                        checker.error(cwhere, "--%s=%s is not a mounted "
                                      "Secret item (mounted: %s)" %
                                      (flag, value, sorted(mounted)))
            if "database_url" in values and "database_password_file" not in \
                    values:
                checker.error(cwhere, "--database_url without "
                              "--database_password_file")

            drain = parse_duration(values.get("drain_delay", "1s"))
            grace = parse_duration(values.get("shutdown_grace", "10s"))
            if drain is not None and grace is not None:
                pre_stop = ((container.get("lifecycle") or {})
                            .get("preStop") or {}).get("sleep") or {}
                needed = drain + grace + pre_stop.get("seconds", 0)
                if grace_period <= needed:
                    checker.error(cwhere, "terminationGracePeriodSeconds %s "
                                  "is not more than the %gs the process may "
                                  "take to stop" % (grace_period, needed))
            else:
                checker.error(cwhere, "--drain_delay/--shutdown_grace are "
                              "not durations")

            for flag in TARGET_FLAGS:
                if flag in values:
                    target_values.append((cwhere, flag, values[flag]))
            if port_flag and port_flag.isdigit():
                for service_name, service in services.items():
                    service_selector = (service.get("spec") or {}).get(
                        "selector")
                    if labels_match(service_selector, labels):
                        port_of_service[service_name] = (int(port_flag),
                                                         binary)

    # Services select pods and point at their ports.
    for service_name, service in sorted(services.items()):
        where = manifests.where_of(service)
        spec = service.get("spec") or {}
        selector = spec.get("selector") or {}
        backing = [
            deployment for deployment in deployments.values()
            if labels_match(selector, (((deployment.get("spec") or {})
                                        .get("template") or {})
                                       .get("metadata") or {})
                            .get("labels") or {})]
        if not backing:
            checker.error(where, "selects no Deployment's pods")
            continue
        declared = set()
        for deployment in backing:
            for container in deployment["spec"]["template"]["spec"][
                    "containers"]:
                for port in container.get("ports") or []:
                    declared.add(port.get("name"))
                    declared.add(port.get("containerPort"))
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            if target not in declared:
                checker.error(where, "targetPort %r is not a port of its "
                              "pods (%r)" % (target, declared))

    # Peer targets: headless Services of these manifests, right port.
    for where, flag, value in target_values:
        match = _DNS_TARGET.match(value)
        if not match:
            checker.error(where, "--%s=%s: expected dns:///SERVICE.NAMESPACE"
                          ".svc.cluster.local:PORT (a headless Service, so "
                          "that round_robin sees every replica)" %
                          (flag, value))
            continue
        service_name, namespace, port = match.groups()
        service = services.get(service_name)
        if service is None:
            checker.error(where, "--%s=%s: no Service %r in the manifests" %
                          (flag, value, service_name))
            continue
        if (service.get("spec") or {}).get("clusterIP") != "None":
            checker.error(where, "--%s=%s: Service %s is not headless "
                          "(clusterIP: None)" % (flag, value, service_name))
        expected_namespace = _kustomize_namespace(documents)
        if expected_namespace and namespace != expected_namespace:
            checker.error(where, "--%s=%s: the manifests deploy to namespace "
                          "%r" % (flag, value, expected_namespace))
        served = port_of_service.get(service_name)
        if served and int(port) != served[0]:
            checker.error(where, "--%s=%s: %s listens on %d" %
                          (flag, value, served[1], served[0]))
        wanted = flag[:-len("_target")]
        if served and not served[1].startswith(wanted):
            checker.error(where, "--%s=%s: Service %s runs %s" %
                          (flag, value, service_name, served[1]))

    # kustomization.yaml lists every manifest but the examples.
    kustomizations = [(path, document) for path, _, document in documents
                      if document.get("kind") == "Kustomization"]
    if len(kustomizations) != 1:
        checker.error("deploy/kubernetes", "expected one kustomization.yaml, "
                      "found %d" % len(kustomizations))
    else:
        path, kustomization = kustomizations[0]
        listed = set(kustomization.get("resources") or [])
        directory = os.path.dirname(path)
        wanted = {os.path.relpath(p, directory) for p in manifest_paths
                  if os.path.basename(p) != "kustomization.yaml" and
                  not p.endswith(".example.yaml")}
        for missing in sorted(wanted - listed):
            checker.error(path, "does not list %s" % missing)
        for extra in sorted(listed - wanted):
            checker.error(path, "lists %s, which is not a manifest here" %
                          extra)
    return probe_services


def _kustomize_namespace(documents):
    for _, _, document in documents:
        if document.get("kind") == "Kustomization":
            return document.get("namespace")
    return None


def run_helpfull(path):
    # Abseil exits 1 after printing the help.
    result = subprocess.run([path, "--helpfull"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=60, check=False)
    return result.stdout.decode("utf-8", "replace")


def check_live_health(binary, path, health_check, names, checker):
    """Starts `binary` on SQLite and checks Health/Check for `names`."""
    where = "%s (running)" % binary
    with tempfile.TemporaryDirectory(prefix=binary + ".") as directory:
        argv = [path, "--port=0", "--bind_address=127.0.0.1",
                "--data_dir=" + os.path.join(directory, "data"),
                "--drain_delay=0s", "--shutdown_grace=1s"]
        if binary == "auth_server":
            argv.append("--seed_demo=false")
        process = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        try:
            port = None
            deadline = time.monotonic() + 60
            buffered = b""
            while port is None and time.monotonic() < deadline:
                ready, _, _ = select.select([process.stdout], [], [], 1)
                if not ready:
                    if process.poll() is not None:
                        break
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                buffered += chunk
                match = re.search(rb"^grpc_port=([0-9]+)$", buffered, re.M)
                if match:
                    port = int(match.group(1))
            if port is None:
                process.kill()
                checker.error(where, "did not print grpc_port=N: %s" %
                              process.stderr.read().decode()[-2000:])
                return
            address = "127.0.0.1:%d" % port
            for name in sorted(names):
                result = subprocess.run([health_check, address, name],
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, timeout=30,
                                        check=False)
                if result.returncode != 0:
                    checker.error(where, "Health/Check %r: %s" %
                                  (name, result.stdout.decode().strip()))
            # The check can fail: a name the server does not host.
            result = subprocess.run(
                [health_check, address, "helpdesk.NoSuchService"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                check=False)
            if result.returncode == 0:
                checker.error(where, "Health/Check answered SERVING for a "
                              "service it does not host: the check proves "
                              "nothing")
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            process.stdout.close()
            process.stderr.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("manifests", nargs="+", help="every YAML file")
    parser.add_argument("--helpfull_dir", required=True,
                        help="recorded `NAME --helpfull` outputs, NAME.txt")
    parser.add_argument("--binary", action="append", default=[],
                        metavar="NAME=PATH", help="a binary to run")
    parser.add_argument("--health_check", help="the health_check binary")
    options = parser.parse_args()
    checker = Checker()

    recorded = {}
    for entry in sorted(os.listdir(options.helpfull_dir)):
        if entry.endswith(".txt"):
            with open(os.path.join(options.helpfull_dir, entry),
                      encoding="utf-8") as f:
                recorded[entry[:-len(".txt")]] = flags_of_helpfull(f.read())
    helpfull = dict(recorded)
    binaries = dict(b.split("=", 1) for b in options.binary)
    for name, path in sorted(binaries.items()):
        live = flags_of_helpfull(run_helpfull(path))
        if not live:
            checker.error(name, "`%s --helpfull` lists no flags" % path)
        if live != recorded.get(name):
            checker.error(name, "testdata/helpfull/%s.txt is stale (flags "
                          "added: %s; removed: %s): record it again, see "
                          "README.md" % (
                              name,
                              sorted(live - recorded.get(name, set())),
                              sorted(recorded.get(name, set()) - live)))
        helpfull[name] = live

    documents = load_documents(options.manifests, checker)
    probe_services = check_manifests(documents, options.manifests, helpfull,
                                     SERVED_HEALTH_NAMES, checker)

    if binaries:
        if not options.health_check:
            sys.exit("--binary needs --health_check")
        for binary, names in sorted(probe_services.items()):
            if binary not in binaries:
                checker.error(binary, "probed by the manifests but not given "
                              "with --binary")
                continue
            # Every name the static list claims, and every probe's.
            check_live_health(binary, binaries[binary], options.health_check,
                              set(names) | set(SERVED_HEALTH_NAMES[binary]),
                              checker)

    documents_checked = len(documents)
    if checker.errors:
        print("%d problem(s) in deploy/kubernetes:" % len(checker.errors))
        for error in checker.errors:
            print("  " + error)
        return 1
    print("deploy/kubernetes: %d files, %d objects, OK (%s)" % (
        len(options.manifests), documents_checked,
        "flags and health from the running binaries" if binaries else
        "flags from testdata/helpfull, health names from "
        "SERVED_HEALTH_NAMES"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
