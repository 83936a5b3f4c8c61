#!/usr/bin/env python3
"""Writes a synthetic cluster as `kubectl get nodes,pods -A -o json` prints it, for benches/cluster.sh.

    benches/cluster-gen.py [--nodes 5000] [--pods 150000] [--seed 1] [--provider eks|gke|aks|kubeadm] OUT

One List of Nodes then Pods (sorted by namespace and name, as the API server lists them),
pretty-printed like kubectl (4-space indentation, keys sorted, `&`, `<`, `>` escaped as Go does).
The objects have the shape a Kubernetes 1.2x API server returns, managedFields included, so a
parser pays for everything a real dump carries. What an audit looks for is mixed in at known
rates: about 10% of nodes on Docker (kubelet 1.23/1.24), stale or scheme-less kubeadm cri-socket
annotations on a few containerd nodes, and workloads mounting docker.sock, /var/run, /run or
/var/lib/docker from the host (DaemonSets on every node, a few Deployments).

Deterministic for a given seed and sizes. Objects are written one at a time: memory stays small
whatever the size. Python's standard library only.
"""

import argparse
import json
import os
import random
import time
import uuid
from json.encoder import encode_basestring

NOW = 1748779200  # 2025-06-01T12:00:00Z, the moment the dump was taken
MAX_PODS_PER_NODE = 110  # the kubelet's default maxPods
ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of generated name suffixes (k8s utilrand)


# --- Output: kubectl's formatting ------------------------------------------------------------

def jstr(s, _enc=encode_basestring):
    # Go's encoding/json (kubectl) writes UTF-8 as is and escapes HTML-significant characters.
    s = _enc(s)
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return s


def encode(o, ind, out):
    """Appends o as json.MarshalIndent(o, ind, "    ") would, keys sorted (maps are unstructured
    in kubectl, and Go sorts map keys). Faster than json.dumps(indent=...), which falls back to
    the pure-Python encoder."""
    t = type(o)
    if t is str:
        out.append(jstr(o))
    elif t is dict:
        if not o:
            out.append("{}")
            return
        inner = ind + "    "
        sep = "{\n"
        for k in sorted(o):
            out.append(sep)
            out.append(inner)
            out.append(jstr(k))
            out.append(": ")
            encode(o[k], inner, out)
            sep = ",\n"
        out.append("\n")
        out.append(ind)
        out.append("}")
    elif t is list:
        if not o:
            out.append("[]")
            return
        inner = ind + "    "
        sep = "[\n"
        for v in o:
            out.append(sep)
            out.append(inner)
            encode(v, inner, out)
            sep = ",\n"
        out.append("\n")
        out.append(ind)
        out.append("]")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif o is None:
        out.append("null")
    else:
        out.append(str(o))


ITEM_INDENT = " " * 8  # items sit two levels deep in the List


def render_item(obj, compact=False):
    if compact:
        # As the API server sends it (and `kubectl get --raw`): no white space, keys sorted.
        s = json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        # &, < and > only occur inside strings: Go escapes them there.
        return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    out = [ITEM_INDENT]
    encode(obj, ITEM_INDENT, out)
    return "".join(out)


# --- Small helpers ----------------------------------------------------------------------------

def ts(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Gen:
    """All randomness goes through one seeded generator, consumed in a fixed order."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.rv = 48_000_000 + self.r.randrange(1_000_000)

    def uid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def suffix(self, n=5):
        return "".join(self.r.choices(ALNUM, k=n))

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def resource_version(self):
        self.rv += self.r.randrange(1, 400)
        return str(self.rv)


def fields_v1(obj, top=True):
    """The managedFields fieldsV1 set of an object as the API server records it: maps as "f:"
    keys, lists of keyed items as "k:" keys, everything else as an empty leaf."""
    if isinstance(obj, dict):
        f = {} if top or not obj else {".": {}}
        for k, v in obj.items():
            f["f:" + k] = fields_v1(v, False)
        return f
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        f = {}
        for item in obj:
            if "containerPort" in item:
                key = {"containerPort": item["containerPort"], "protocol": item.get("protocol", "TCP")}
            elif "mountPath" in item:
                key = {"mountPath": item["mountPath"]}
            elif "name" in item:
                key = {"name": item["name"]}
            elif "type" in item:
                key = {"type": item["type"]}
            elif "ip" in item:
                key = {"ip": item["ip"]}
            else:
                return {}  # an atomic list (tolerations, ...)
            f["k:" + json.dumps(key, separators=(",", ":"))] = fields_v1(item, False)
        return f
    return {}


def managed(manager, operation, t, fields, subresource=None):
    m = {"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields,
         "manager": manager, "operation": operation, "time": ts(t)}
    if subresource:
        m["subresource"] = subresource
    return m


# --- Nodes ------------------------------------------------------------------------------------

PROVIDERS = {
    "eks": {"pool_label": "eks.amazonaws.com/nodegroup", "region": "us-east-1",
            "zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
            "types": [("m5.2xlarge", 8, 32), ("m6i.4xlarge", 16, 64), ("c6g.4xlarge", 16, 32), ("r5.4xlarge", 16, 128)],
            "os": ("Amazon Linux 2", "5.10.225-213.878.amzn2.x86_64"),
            "docker_kernel": "5.4.0-1103-aws", "kubelet_suffix": "-eks-a737599"},
    "gke": {"pool_label": "cloud.google.com/gke-nodepool", "region": "europe-west1",
            "zones": ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
            "types": [("e2-standard-8", 8, 32), ("n2-standard-16", 16, 64), ("t2a-standard-16", 16, 64), ("n2-highmem-16", 16, 128)],
            "os": ("Container-Optimized OS from Google", "6.1.100+"),
            "docker_kernel": "5.4.0-1106-gcp", "kubelet_suffix": "-gke.1071000"},
    "aks": {"pool_label": "kubernetes.azure.com/agentpool", "region": "westeurope",
            "zones": ["westeurope-1", "westeurope-2", "westeurope-3"],
            "types": [("Standard_D8s_v5", 8, 32), ("Standard_D16s_v5", 16, 64), ("Standard_D16ps_v5", 16, 64), ("Standard_E16s_v5", 16, 128)],
            "os": ("Ubuntu 22.04.4 LTS", "5.15.0-1071-azure"),
            "docker_kernel": "5.4.0-1136-azure", "kubelet_suffix": ""},
    # Self-managed (kubeadm) on the company's own machines: the only kind whose cri-socket
    # annotations an audit judges, since the managed platforms' labels mark nodes kubeadm
    # does not manage.
    "kubeadm": {"pool_label": "node.kubernetes.io/pool", "region": "dc1",
                "zones": ["dc1-row1", "dc1-row2", "dc1-row3"],
                "types": [("r640", 32, 192), ("r650", 48, 256), ("vm-16c64g", 16, 64), ("ampere-altra-q80", 80, 256)],
                "os": ("Ubuntu 22.04.4 LTS", "5.15.0-105-generic"),
                "docker_kernel": "5.4.0-182-generic", "kubelet_suffix": ""},
}
CONTAINERD_VERSIONS = ["1.7.2", "1.7.11", "1.7.13", "1.7.15", "1.7.20", "1.7.22", "1.7.25"]
DOCKER_VERSIONS = ["20.10.17", "20.10.23", "20.10.24", "20.10.25"]
KUBELET_NEW = ["v1.27.16", "v1.28.15", "v1.29.10", "v1.30.6"]
KUBELET_OLD = ["v1.23.17", "v1.24.17"]
NODE_IMAGES = [
    ("registry.k8s.io/kube-proxy", "v1.29.10", 28_592_112),
    ("docker.io/calico/node", "v3.27.3", 117_281_021),
    ("docker.io/calico/cni", "v3.27.3", 94_127_655),
    ("cr.fluentbit.io/fluent/fluent-bit", "3.0.7", 36_102_843),
    ("gcr.io/datadoghq/agent", "7.54.1", 421_907_214),
    ("public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver", "v1.31.0", 31_002_554),
    ("registry.k8s.io/pause", "3.9", 321_520),
    ("registry.k8s.io/coredns/coredns", "v1.11.1", 16_190_758),
]


class Pool:
    def __init__(self, g, idx, size, provider):
        r = g.r
        self.idx, self.size, self.provider = idx, size, provider
        p = PROVIDERS[provider]
        role = r.choice(["general", "compute", "memory", "batch", "ingress", "system", "spot"])
        self.name = "%s-%s-%d" % (role, r.choice(["a", "b", "v2", "v3", "2024"]), idx)
        if provider == "aks":
            self.name = self.name.replace("-", "")[:12]  # AKS: lowercase letters and digits, 12 at most
        self.role = role
        self.itype, self.cpus, self.mem_gib = r.choice(p["types"])
        arm = self.itype[:3] in ("c6g", "t2a") or self.itype.endswith("ps_v5") or self.itype.startswith("ampere")
        self.arch = "arm64" if arm else "amd64"
        self.docker = False  # decided once every pool is known
        # Which variant of the monitoring agent the pool's nodes run (see daemonsets()): the
        # Docker socket on Docker pools and on about half the others, /run on the rest.
        self.agent_docker_sock = r.random() < 0.5

    def decide_runtime(self, g):
        r = g.r
        if self.docker:
            self.kubelet = r.choice(KUBELET_OLD)
            self.runtime = "docker://" + r.choice(DOCKER_VERSIONS)
        else:
            self.kubelet = r.choice(KUBELET_NEW)
            self.runtime = "containerd://" + r.choice(CONTAINERD_VERSIONS)
        self.agent_docker_sock = self.agent_docker_sock or self.docker


class Node:
    __slots__ = ("idx", "name", "pool", "ip", "pods", "docker", "kubelet", "cidr3")


def make_pools(g, n_nodes, provider):
    r = g.r
    sizes = []
    left = n_nodes
    while left > 0:
        # About 40 pools whatever the size, so that whole pools can make up ~10% on Docker.
        s = min(left, r.randint(max(1, n_nodes // 100), max(2, n_nodes // 25)))
        sizes.append(s)
        left -= s
    # One provider, as in one API server's dump: its pool label (eks.amazonaws.com/nodegroup,
    # cloud.google.com/gke-nodepool, kubernetes.azure.com/agentpool) names each node's pool.
    pools = [Pool(g, i, s, provider) for i, s in enumerate(sizes)]
    # About 10% of the nodes still on Docker, in whole pools (a pool shares one machine image).
    budget = n_nodes // 10
    for p in sorted(pools, key=lambda p: r.random()):
        if p.size <= budget:
            p.docker = True
            budget -= p.size
    for p in pools:
        p.decide_runtime(g)
    return pools


def make_nodes(g, pools):
    nodes = []
    i = 0
    for pool in pools:
        for _ in range(pool.size):
            n = Node()
            n.idx, n.pool, n.pods, n.docker = i, pool, 0, pool.docker
            n.kubelet = pool.kubelet
            n.ip = "10.%d.%d.%d" % (20 + i // 62500, (i // 250) % 250, i % 250 + 4)
            n.cidr3 = "100.%d.%d" % (64 + i // 256, i % 256)
            if pool.provider == "eks":
                n.name = "ip-%s.ec2.internal" % n.ip.replace(".", "-")
            elif pool.provider == "gke":
                n.name = "gke-prod-%s-%s-%s" % (pool.name, g.hexs(8), g.suffix(4))
            elif pool.provider == "aks":
                n.name = "aks-%s-%d-vmss%06x" % (pool.name, 30000000 + pool.idx, i)
            else:
                n.name = "k8s-%s-%04d" % (pool.name, i)
            nodes.append(n)
            i += 1
    nodes.sort(key=lambda n: n.name)
    return nodes


def cri_socket_annotation(g, node):
    """kubeadm's annotation: right on most nodes, missing on some, stale or without a scheme on
    a few (what the audit reports)."""
    x = g.r.random()
    if node.docker:
        return "/var/run/dockershim.sock" if node.kubelet.startswith("v1.23") else "unix:///var/run/cri-dockerd.sock"
    if x < 0.10:
        return None
    if x < 0.13:
        return "/var/run/dockershim.sock"  # left over from before the migration
    if x < 0.16:
        return "/run/containerd/containerd.sock"  # no unix:// scheme
    return "unix:///run/containerd/containerd.sock" if x < 0.8 else "unix:///var/run/containerd/containerd.sock"


def node_object(g, n):
    r = g.r
    pool = n.pool
    p = PROVIDERS[pool.provider]
    zone = p["zones"][n.idx % 3]
    created = NOW - r.randrange(3600, 200 * 86400)
    kubelet = n.kubelet + p["kubelet_suffix"]
    labels = {
        "beta.kubernetes.io/arch": pool.arch,
        "beta.kubernetes.io/instance-type": pool.itype,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": p["region"],
        "failure-domain.beta.kubernetes.io/zone": zone,
        "kubernetes.io/arch": pool.arch,
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/" + ("worker" if pool.role in ("general", "compute", "memory") else pool.role): "",
        "node.kubernetes.io/instance-type": pool.itype,
        "topology.kubernetes.io/region": p["region"],
        "topology.kubernetes.io/zone": zone,
        p["pool_label"]: pool.name,
        "example.com/team": "platform",
        "example.com/cost-center": "cc-%d" % (1000 + pool.idx % 7),
    }
    if pool.role == "spot":
        labels["node.kubernetes.io/lifecycle"] = "spot"
    annotations = {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    sock = cri_socket_annotation(g, n)
    if sock is not None:
        annotations["kubeadm.alpha.kubernetes.io/cri-socket"] = sock
    if pool.provider == "eks":
        annotations["alpha.kubernetes.io/provided-node-ip"] = n.ip
        instance = "i-0" + g.hexs(16)
        provider_id = "aws:///%s/%s" % (zone, instance)
        csi = '{"ebs.csi.aws.com":"%s"}' % instance
    elif pool.provider == "gke":
        annotations["container.googleapis.com/instance_id"] = str(r.getrandbits(62))
        provider_id = "gce://prod-project/%s/%s" % (zone, n.name)
        csi = '{"pd.csi.storage.gke.io":"projects/prod-project/zones/%s/instances/%s"}' % (zone, n.name)
    elif pool.provider == "aks":
        provider_id = ("azure:///subscriptions/%s/resourceGroups/mc_prod_westeurope/providers/Microsoft.Compute/"
                       "virtualMachineScaleSets/aks-%s-vmss/virtualMachines/%d") % (g.uid(), pool.name, n.idx)
        csi = '{"disk.csi.azure.com":"%s","file.csi.azure.com":"%s"}' % (n.name, n.name)
    else:
        provider_id = csi = None  # no cloud provider, no CSI driver
    if csi:
        annotations["csi.volume.kubernetes.io/nodeid"] = csi

    mem_kib = pool.mem_gib * 1024 * 1024
    capacity = {"cpu": str(pool.cpus), "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": "%dKi" % mem_kib, "pods": str(MAX_PODS_PER_NODE)}
    allocatable = {"cpu": "%dm" % (pool.cpus * 1000 - 90 - pool.cpus * 10), "ephemeral-storage": "95551679124",
                   "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": "%dKi" % (mem_kib - 1_800_000),
                   "pods": str(MAX_PODS_PER_NODE)}
    hb = NOW - r.randrange(1, 40)
    conds = []
    for ctype, reason, msg in (
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "KubeletReady", "kubelet is posting ready status"),
    ):
        conds.append({"lastHeartbeatTime": ts(hb), "lastTransitionTime": ts(created + 40), "message": msg,
                      "reason": reason, "status": "True" if ctype == "Ready" else "False", "type": ctype})
    images = []
    for repo, tag, size in r.sample(NODE_IMAGES, r.randint(4, 7)):
        images.append({"names": ["%s@sha256:%s" % (repo, g.hexs(64)), "%s:%s" % (repo, tag)],
                       "sizeBytes": size})
    status = {
        "addresses": [{"address": n.ip, "type": "InternalIP"}, {"address": n.name, "type": "Hostname"}]
        + ([{"address": n.name, "type": "InternalDNS"}] if pool.provider == "eks" else []),
        "allocatable": allocatable,
        "capacity": capacity,
        "conditions": conds,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "images": images,
        "nodeInfo": {
            "architecture": pool.arch, "bootID": g.uid(), "containerRuntimeVersion": pool.runtime,
            "kernelVersion": p["docker_kernel"] if n.docker else p["os"][1],
            "kubeProxyVersion": kubelet, "kubeletVersion": kubelet, "machineID": g.hexs(32),
            "operatingSystem": "linux",
            "osImage": ("Ubuntu 20.04.6 LTS" if n.docker else p["os"][0]),
            "systemUUID": g.uid(),
        },
    }
    spec = {"podCIDR": n.cidr3 + ".0/24", "podCIDRs": [n.cidr3 + ".0/24"]}
    if provider_id:
        spec["providerID"] = provider_id
    metadata = {"annotations": annotations, "creationTimestamp": ts(created), "labels": labels,
                "name": n.name, "resourceVersion": g.resource_version(), "uid": g.uid()}
    metadata["managedFields"] = [
        managed("kubelet", "Update", created, {"f:metadata": fields_v1(
            {"annotations": {k: v for k, v in annotations.items() if k.startswith(("volumes.", "kubeadm.", "alpha."))},
             "labels": {k: v for k, v in labels.items() if not k.startswith(("example.", "node-role"))}})}),
        managed("kube-controller-manager", "Update", created + 30, {
            "f:metadata": {"f:annotations": {"f:node.alpha.kubernetes.io/ttl": {}}},
            "f:spec": {"f:podCIDR": {}, "f:podCIDRs": {".": {}, "v:\"%s.0/24\"" % n.cidr3: {}}}}),
        managed("kubectl-label", "Update", created + 600, {"f:metadata": {"f:labels": {
            "f:example.com/cost-center": {}, "f:example.com/team": {}}}}),
        managed("kubelet", "Update", hb, {"f:status": fields_v1(
            {"conditions": conds, "images": {}, "nodeInfo": {"bootID": ""}})}, "status"),
    ]
    return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": spec, "status": status}


# --- Workloads --------------------------------------------------------------------------------

DEFAULT_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
]
DAEMONSET_TOLERATIONS = [{"operator": "Exists"}] + [
    {"effect": e, "key": "node.kubernetes.io/" + k, "operator": "Exists"}
    for e, k in (("NoExecute", "not-ready"), ("NoExecute", "unreachable"), ("NoSchedule", "disk-pressure"),
                 ("NoSchedule", "memory-pressure"), ("NoSchedule", "pid-pressure"),
                 ("NoSchedule", "unschedulable"), ("NoSchedule", "network-unavailable"))]
SA_PROJECTED = {"defaultMode": 420, "sources": [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
    {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace"}]}},
]}
SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def host_path(name, path, type_=""):
    return {"hostPath": {"path": path, "type": type_}, "name": name}


def mount(name, path, read_only=False, **extra):
    m = {"mountPath": path, "name": name}
    if read_only:
        m["readOnly"] = True
    m.update(extra)
    return m


def resources(cpu_req, mem_req, cpu_lim=None, mem_lim=None):
    res = {"requests": {"cpu": cpu_req, "memory": mem_req}}
    lim = {}
    if cpu_lim:
        lim["cpu"] = cpu_lim
    if mem_lim:
        lim["memory"] = mem_lim
    if lim:
        res["limits"] = lim
    return res


def container(name, image, **kw):
    c = {"image": image, "imagePullPolicy": kw.pop("pull", "IfNotPresent"), "name": name,
         "resources": kw.pop("resources", {}), "terminationMessagePath": "/dev/termination-log",
         "terminationMessagePolicy": "File"}
    c.update(kw)
    return c


def probe(path, port, initial=10, period=10):
    return {"failureThreshold": 3, "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
            "initialDelaySeconds": initial, "periodSeconds": period, "successThreshold": 1, "timeoutSeconds": 1}


def env(*pairs):
    out = []
    for k, v in pairs:
        if isinstance(v, dict):
            out.append({"name": k, "valueFrom": v})
        else:
            out.append({"name": k, "value": v})
    return out


FIELD_NODE = {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}
FIELD_POD_IP = {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}


class Workload:
    """One controller's pod template, and what its pods share."""

    def __init__(self, ns, name, kind, app_labels, spec, replicas=1):
        self.ns, self.name, self.kind = ns, name, kind
        self.labels = app_labels
        self.spec = spec  # without nodeName, serviceAccount volume and mounts
        self.replicas = replicas
        self.owner_name = name  # a Deployment's pods belong to its ReplicaSet, renamed
        self.node_filter = None  # DaemonSets: which nodes they run on
        self.hash = None
        self.owner_uid = None
        self.tmpl_fields = None
        self.created = None


def daemonsets():
    """The node agents every node runs: kube-proxy, a CNI agent, a log collector reading
    Docker's container logs, a CSI node plugin, and a monitoring agent in two variants (the
    Docker socket on some pools, all of /run on others)."""
    out = []
    kp = {
        "containers": [container(
            "kube-proxy", "registry.k8s.io/kube-proxy:v1.29.10",
            command=["kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"],
            env=env(("NODE_NAME", FIELD_NODE)),
            resources=resources("100m", "64Mi"), securityContext={"privileged": True},
            volumeMounts=[mount("kube-proxy", "/var/lib/kube-proxy"), mount("xtables-lock", "/run/xtables.lock"),
                          mount("lib-modules", "/lib/modules", True)])],
        "hostNetwork": True, "priorityClassName": "system-node-critical", "priority": 2000001000,
        "serviceAccountName": "kube-proxy",
        "volumes": [{"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"},
                    host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    host_path("lib-modules", "/lib/modules")],
    }
    out.append(("kube-system", "kube-proxy", {"k8s-app": "kube-proxy"}, kp, None))
    calico = {
        "initContainers": [
            container("install-cni", "docker.io/calico/cni:v3.27.3", command=["/opt/cni/bin/install"],
                      env=env(("CNI_CONF_NAME", "10-calico.conflist"), ("KUBERNETES_NODE_NAME", FIELD_NODE),
                              ("SLEEP", "false")),
                      securityContext={"privileged": True},
                      volumeMounts=[mount("cni-bin-dir", "/host/opt/cni/bin"), mount("cni-net-dir", "/host/etc/cni/net.d")]),
        ],
        "containers": [container(
            "calico-node", "docker.io/calico/node:v3.27.3",
            env=env(("DATASTORE_TYPE", "kubernetes"), ("WAIT_FOR_DATASTORE", "true"),
                    ("NODENAME", FIELD_NODE), ("CALICO_NETWORKING_BACKEND", "bird"),
                    ("CLUSTER_TYPE", "k8s,bgp"), ("IP", "autodetect"), ("CALICO_IPV4POOL_IPIP", "Always"),
                    ("FELIX_IPINIPMTU", "1440"), ("FELIX_HEALTHENABLED", "true")),
            livenessProbe={"exec": {"command": ["/bin/calico-node", "-felix-live", "-bird-live"]},
                           "failureThreshold": 6, "initialDelaySeconds": 10, "periodSeconds": 10,
                           "successThreshold": 1, "timeoutSeconds": 10},
            readinessProbe={"exec": {"command": ["/bin/calico-node", "-felix-ready", "-bird-ready"]},
                            "failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 10},
            resources=resources("250m", "128Mi"), securityContext={"privileged": True},
            volumeMounts=[mount("lib-modules", "/lib/modules", True), mount("xtables-lock", "/run/xtables.lock"),
                          mount("var-run-calico", "/var/run/calico"), mount("var-lib-calico", "/var/lib/calico"),
                          mount("policysync", "/var/run/nodeagent"), mount("cni-log-dir", "/var/log/calico/cni", True)])],
        "hostNetwork": True, "priorityClassName": "system-node-critical", "priority": 2000001000,
        "serviceAccountName": "calico-node", "terminationGracePeriodSeconds": 0,
        "volumes": [host_path("lib-modules", "/lib/modules"), host_path("var-run-calico", "/var/run/calico"),
                    host_path("var-lib-calico", "/var/lib/calico"),
                    host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    host_path("cni-bin-dir", "/opt/cni/bin"), host_path("cni-net-dir", "/etc/cni/net.d"),
                    host_path("cni-log-dir", "/var/log/calico/cni"),
                    host_path("policysync", "/var/run/nodeagent", "DirectoryOrCreate")],
    }
    out.append(("kube-system", "calico-node", {"k8s-app": "calico-node"}, calico, None))
    fluent = {
        "containers": [container(
            "fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.0.7",
            env=env(("NODE_NAME", FIELD_NODE), ("FLUENT_ELASTICSEARCH_HOST", "logs.logging.svc")),
            ports=[{"containerPort": 2020, "name": "http", "protocol": "TCP"}],
            livenessProbe=probe("/", "http"), readinessProbe=probe("/api/v1/health", "http"),
            resources=resources("100m", "128Mi", None, "256Mi"),
            volumeMounts=[mount("config", "/fluent-bit/etc/conf"), mount("varlog", "/var/log"),
                          mount("varlibdockercontainers", "/var/lib/docker/containers", True),
                          mount("etcmachineid", "/etc/machine-id", True)])],
        "serviceAccountName": "fluent-bit",
        "volumes": [{"configMap": {"defaultMode": 420, "name": "fluent-bit"}, "name": "config"},
                    host_path("varlog", "/var/log"),
                    host_path("varlibdockercontainers", "/var/lib/docker/containers"),
                    host_path("etcmachineid", "/etc/machine-id", "File")],
    }
    out.append(("logging", "fluent-bit", {"app.kubernetes.io/instance": "fluent-bit",
                                          "app.kubernetes.io/name": "fluent-bit"}, fluent, None))
    for variant, sock_volume, sock_mount in (
        ("docker", host_path("dockersocket", "/var/run/docker.sock"), mount("dockersocket", "/var/run/docker.sock", True)),
        ("run", host_path("hostrun", "/run"), mount("hostrun", "/host/run", True)),
    ):
        agent = {
            "containers": [container(
                "agent", "gcr.io/datadoghq/agent:7.54.1",
                command=["agent", "run"],
                env=env(("DD_API_KEY", {"secretKeyRef": {"key": "api-key", "name": "datadog"}}),
                        ("DD_KUBERNETES_KUBELET_HOST", {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.hostIP"}}),
                        ("DD_CLUSTER_NAME", "prod"), ("DD_LOGS_ENABLED", "true"),
                        ("DD_CRI_SOCKET_PATH", "/var/run/docker.sock" if variant == "docker"
                         else "/host/run/containerd/containerd.sock")),
                ports=[{"containerPort": 8125, "hostPort": 8125, "name": "dogstatsdport", "protocol": "UDP"}],
                livenessProbe=probe("/live", 5555, 15, 15), readinessProbe=probe("/ready", 5555, 15, 15),
                resources=resources("200m", "256Mi", None, "512Mi"),
                volumeMounts=[sock_mount, mount("procdir", "/host/proc", True),
                              mount("cgroups", "/host/sys/fs/cgroup", True)])],
            "serviceAccountName": "datadog-agent",
            "volumes": [sock_volume, host_path("procdir", "/proc"), host_path("cgroups", "/sys/fs/cgroup")],
        }
        name = "datadog-agent" if variant == "run" else "datadog-agent-docker"
        out.append(("monitoring", name, {"app": name}, agent,
                    (lambda n, v=variant: n.pool.agent_docker_sock == (v == "docker"))))
    csi = {
        "containers": [
            container("ebs-plugin", "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.31.0",
                      args=["node", "--endpoint=$(CSI_ENDPOINT)", "--logging-format=text", "--v=2"],
                      env=env(("CSI_ENDPOINT", "unix:/csi/csi.sock"), ("CSI_NODE_NAME", FIELD_NODE)),
                      ports=[{"containerPort": 9808, "name": "healthz", "protocol": "TCP"}],
                      livenessProbe=probe("/healthz", "healthz"),
                      resources=resources("10m", "40Mi", None, "256Mi"), securityContext={"privileged": True},
                      volumeMounts=[mount("kubelet-dir", "/var/lib/kubelet", mountPropagation="Bidirectional"),
                                    mount("plugin-dir", "/csi"), mount("device-dir", "/dev")]),
            container("node-driver-registrar", "public.ecr.aws/eks-distro/kubernetes-csi/node-driver-registrar:v2.10.1",
                      args=["--csi-address=$(ADDRESS)", "--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)", "--v=2"],
                      env=env(("ADDRESS", "/csi/csi.sock"),
                              ("DRIVER_REG_SOCK_PATH", "/var/lib/kubelet/plugins/ebs.csi.aws.com/csi.sock")),
                      resources=resources("10m", "40Mi", None, "256Mi"),
                      volumeMounts=[mount("plugin-dir", "/csi"), mount("registration-dir", "/registration")]),
        ],
        "priorityClassName": "system-node-critical", "priority": 2000001000, "serviceAccountName": "ebs-csi-node-sa",
        "volumes": [host_path("kubelet-dir", "/var/lib/kubelet", "Directory"),
                    host_path("plugin-dir", "/var/lib/kubelet/plugins/ebs.csi.aws.com/", "DirectoryOrCreate"),
                    host_path("registration-dir", "/var/lib/kubelet/plugins_registry/", "Directory"),
                    host_path("device-dir", "/dev", "Directory")],
    }
    out.append(("kube-system", "ebs-csi-node", {"app": "ebs-csi-node"}, csi, (lambda n: n.pool.provider == "eks")))
    return out


TEAMS = ["payments", "checkout", "search", "catalog", "identity", "billing", "growth", "ads", "media",
         "messaging", "risk", "ledger", "pricing", "inventory", "shipping", "support", "analytics",
         "recommendations", "notifications", "platform"]
ENVS = ["prod", "staging", "canary", "perf"]
SERVICES = ["api", "worker", "gateway", "frontend", "consumer", "scheduler", "indexer", "renderer",
            "sync", "webhook", "exporter", "cache-warmer", "reconciler", "auth", "graphql"]
STATEFUL = [("redis", "docker.io/bitnami/redis:7.2.4", 6379), ("postgres", "docker.io/library/postgres:16.3", 5432),
            ("kafka", "docker.io/bitnami/kafka:3.7.0", 9092), ("zookeeper", "docker.io/bitnami/zookeeper:3.9.2", 2181),
            ("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch:8.13.4", 9200),
            ("rabbitmq", "docker.io/library/rabbitmq:3.13-management", 5672)]
JOBS = ["report", "cleanup", "backup", "sync-ledger", "rotate-keys", "export", "reindex", "digest"]
# Workloads that mount the host's runtime paths (CI runners, image builders, cAdvisor-likes).
HOST_MOUNTING = [
    ("ci-runner", [host_path("docker-sock", "/var/run/docker.sock", "Socket")], [mount("docker-sock", "/var/run/docker.sock")]),
    ("image-builder", [host_path("docker-graph", "/var/lib/docker", "Directory")], [mount("docker-graph", "/var/lib/docker")]),
    ("node-inspector", [host_path("host-run", "/run")], [mount("host-run", "/host/run", True)]),
    ("docker-gc", [host_path("var-run", "/var/run")], [mount("var-run", "/var/run")]),
]


def app_spec(g, team, svc, host=None):
    """A team's container: half bare (image, port, resources), a third with a config file, the
    rest with probes, env from the pod and secrets and a hardened securityContext."""
    r = g.r
    tier = r.choices((0, 1, 2), (50, 35, 15))[0]
    registry = r.choice(["123456789012.dkr.ecr.us-east-1.amazonaws.com", "europe-docker.pkg.dev/prod-artifacts/apps",
                         "acrprod.azurecr.io", "ghcr.io/example"])
    image = "%s/%s/%s:%d.%d.%d" % (registry, team, svc, r.randint(1, 9), r.randint(0, 40), r.randint(0, 20))
    port = r.choice([8080, 8080, 8000, 3000, 9090])
    c = container(svc, image, ports=[{"containerPort": port, "name": "http", "protocol": "TCP"}],
                  resources=resources(r.choice(["100m", "250m", "500m", "1"]), r.choice(["128Mi", "256Mi", "512Mi"]),
                                      None, r.choice([None, "1Gi", "2Gi"])))
    volumes, mounts = [], []
    if tier >= 1:
        x = r.random()
        if x < 0.3:
            c["command"] = ["/app/" + svc]
            c["args"] = ["--port=%d" % port, "--config=/etc/%s/config.yaml" % svc]
        elif x < 0.4:
            c["command"] = ["/bin/sh", "-c"]
            c["args"] = ["until nc -z %s-db 5432; do sleep 2; done && exec /app/%s" % (team, svc)]
        envs = [("APP_ENV", "production")]
        if tier == 2:
            envs.append(("POD_IP", FIELD_POD_IP))
            if r.random() < 0.5:
                envs.append(("DATABASE_URL", {"secretKeyRef": {"key": "url", "name": "%s-db" % team}}))
        c["env"] = env(*envs)
        mounts.append(mount("config", "/etc/" + svc, True))
        volumes.append({"configMap": {"defaultMode": 420, "name": "%s-%s-config" % (team, svc)}, "name": "config"})
    if tier == 2:
        c["readinessProbe"] = probe("/ready", port, 5)
        if r.random() < 0.5:
            mounts.append(mount("tmp", "/tmp"))
            volumes.append({"emptyDir": {}, "name": "tmp"})
        c["securityContext"] = {"allowPrivilegeEscalation": False, "runAsNonRoot": True}
    if host:
        volumes += host[1]
        mounts += host[2]
        if host[0] in ("ci-runner", "image-builder"):
            c["securityContext"] = {"privileged": True}
    if mounts:
        c["volumeMounts"] = mounts
    spec = {"containers": [c], "serviceAccountName": "%s-%s" % (team, svc) if r.random() < 0.4 else "default",
            "volumes": volumes}
    if tier == 2 and r.random() < 0.3:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"podAffinityTerm": {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": svc}},
                                 "topologyKey": "topology.kubernetes.io/zone"}, "weight": 100}]}}
    return spec


def plan_workloads(g, app_pods):
    """Deployments, StatefulSets, CronJobs and a few bare pods, in team namespaces, until they
    hold app_pods pods."""
    r = g.r
    out = []
    left = app_pods
    n_ns = max(1, app_pods // 750)
    namespaces = []
    for i in range(n_ns):
        namespaces.append("%s-%s" % (TEAMS[i % len(TEAMS)], ENVS[(i // len(TEAMS)) % len(ENVS)])
                          + ("" if i < len(TEAMS) * len(ENVS) else "-%d" % (i // (len(TEAMS) * len(ENVS)))))
    host_every = 97  # one Deployment in so many mounts a host runtime path
    k = 0
    while left > 0:
        ns = namespaces[k % n_ns]
        team = ns.split("-")[0]
        x = r.random()
        if x < 0.80:
            host = HOST_MOUNTING[(k // host_every) % len(HOST_MOUNTING)] if k % host_every == 0 else None
            svc = host[0] if host else r.choice(SERVICES)
            name = "%s-%s-%d" % (team, svc, k)
            replicas = min(left, r.choice([1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 10, 12, 20, 30, 50]))
            labels = {"app.kubernetes.io/name": svc, "app.kubernetes.io/instance": name,
                      "app.kubernetes.io/part-of": team}
            w = Workload(ns, name, "ReplicaSet", labels, app_spec(g, team, svc, host), replicas)
            w.hash = g.suffix(r.choice([9, 10]))
            w.owner_name = "%s-%s" % (name, w.hash)
            w.labels = dict(labels, **{"pod-template-hash": w.hash})
        elif x < 0.88:
            app, image, port = r.choice(STATEFUL)
            name = "%s-%s-%d" % (team, app, k)
            replicas = min(left, r.choice([1, 3, 3, 5]))
            c = container(app, image, ports=[{"containerPort": port, "name": app, "protocol": "TCP"}],
                          env=env(("POD_NAME", {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}),
                                  ("POD_IP", FIELD_POD_IP)),
                          resources=resources("1", "2Gi", None, "4Gi"),
                          readinessProbe={"failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1,
                                          "tcpSocket": {"port": port}, "timeoutSeconds": 1},
                          volumeMounts=[mount("data", "/data")])
            spec = {"containers": [c], "hostname": None, "subdomain": name + "-headless",
                    "securityContext": {"fsGroup": 1001}, "serviceAccountName": "default",
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": None}}]}
            labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": name}
            w = Workload(ns, name, "StatefulSet", labels, spec, replicas)
            w.hash = "%s-%s" % (name, g.suffix(10))
        elif x < 0.9995:
            job = r.choice(JOBS)
            name = "%s-%s-%d" % (team, job, k)
            c = container(job, "ghcr.io/example/%s/jobs:%d.%d" % (team, r.randint(1, 5), r.randint(0, 30)),
                          command=["/jobs/" + job], args=["--since=24h", "--dry-run=false"],
                          env=env(("JOB", job)), resources=resources("500m", "512Mi", None, "1Gi"))
            spec = {"containers": [c], "restartPolicy": "OnFailure", "serviceAccountName": "default", "volumes": []}
            w = Workload(ns, name, "Job", {}, spec, min(left, 3))
        else:
            name = "debug-%s" % g.suffix(5)
            c = container("debug", "docker.io/nicolaka/netshoot:v0.13", command=["sleep", "infinity"],
                          stdin=True, tty=True)
            w = Workload(ns, name, None, {"run": name}, {"containers": [c], "volumes": []}, 1)
        w.created = NOW - r.randrange(600, 60 * 86400)
        out.append(w)
        left -= w.replicas
        k += 1
    return out


# --- Pods -------------------------------------------------------------------------------------

class PodPlan:
    __slots__ = ("name", "w", "ordinal", "node", "job")


def schedule(g, workloads, nodes, ds):
    """Pod names and nodes for every pod, grouped by namespace (without building the pods)."""
    r = g.r
    by_ns = {}
    # DaemonSets: one pod per matching node.
    for w in ds:
        for n in nodes:
            if w.node_filter is None or w.node_filter(n):
                p = PodPlan()
                p.name, p.w, p.ordinal, p.node, p.job = "%s-%s" % (w.name, g.suffix()), w, 0, n, None
                n.pods += 1
                by_ns.setdefault(w.ns, []).append(p)
    # Pools fill unevenly (dense pools of small machines reach the kubelet's limit, others stay
    # light); "system" pools run only node agents.
    workers = [n for n in nodes if n.pool.role != "system"] or nodes
    density = {id(p): r.choice([0.2, 0.5, 1, 1, 2, 4, 16]) for p in {id(n.pool): n.pool for n in workers}.values()}
    cum, total = [], 0.0
    for n in workers:
        total += density[id(n.pool)]
        cum.append(total)
    for w in workloads:
        for i in range(w.replicas):
            p = PodPlan()
            p.w, p.ordinal, p.job = w, i, None
            if w.kind == "ReplicaSet":
                p.name = "%s-%s" % (w.owner_name, g.suffix())
            elif w.kind == "StatefulSet":
                p.name = "%s-%d" % (w.name, i)
            elif w.kind == "Job":
                # One Job a day from the CronJob, the last three kept.
                p.job = "%s-%d" % (w.name, (NOW - (i + 1) * 86400) // 60)
                p.name = "%s-%s" % (p.job, g.suffix())
            else:
                p.name = w.name
            for _ in range(1000):
                n = r.choices(workers, cum_weights=cum)[0]
                if n.pods < MAX_PODS_PER_NODE:
                    break
            else:
                raise SystemExit("cluster-gen: nodes are full; ask for more nodes or fewer pods")
            n.pods += 1
            p.node = n
            by_ns.setdefault(w.ns, []).append(p)
    for ns in by_ns:
        by_ns[ns].sort(key=lambda p: p.name)
    return by_ns


def prepare_workload(g, w):
    """What all pods of a workload share: owner, template field set, creation time."""
    w.owner_uid = g.uid()
    spec = {k: v for k, v in w.spec.items() if v is not None and k not in ("volumes",)}
    fields = {k: v for k, v in spec.items() if k not in ("priority", "serviceAccountName")}
    fields.update({"dnsPolicy": "", "enableServiceLinks": True, "restartPolicy": "", "schedulerName": "",
                   "securityContext": spec.get("securityContext", {}), "terminationGracePeriodSeconds": 0})
    if w.spec.get("serviceAccountName", "default") != "default":
        fields["serviceAccount"] = fields["serviceAccountName"] = ""
    if w.spec.get("volumes"):
        fields["volumes"] = w.spec["volumes"]
    w.tmpl_fields = fields_v1(fields)


def pod_object(g, p):
    r = g.r
    w, n = p.w, p.node
    created = w.created + r.randrange(0, 3600)
    if w.kind == "Job":
        created = NOW - (p.ordinal + 1) * 86400 + r.randrange(0, 5)
    elif w.kind == "DaemonSet":
        created = NOW - r.randrange(3600, 30 * 86400)
    kaa = "kube-api-access-" + g.suffix()
    labels = dict(w.labels)
    ann = None
    owners = None
    if w.kind == "DaemonSet":
        labels["controller-revision-hash"] = w.hash
        labels["pod-template-generation"] = "3"
        owners = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "DaemonSet",
                   "name": w.name, "uid": w.owner_uid}]
    elif w.kind == "ReplicaSet":
        owners = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "ReplicaSet",
                   "name": w.owner_name, "uid": w.owner_uid}]
        if r.random() < 0.3:
            ann = {"kubectl.kubernetes.io/restartedAt": ts(created - 60)}
    elif w.kind == "StatefulSet":
        labels["apps.kubernetes.io/pod-index"] = str(p.ordinal)
        labels["controller-revision-hash"] = w.hash
        labels["statefulset.kubernetes.io/pod-name"] = p.name
        owners = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "StatefulSet",
                   "name": w.name, "uid": w.owner_uid}]
    elif w.kind == "Job":
        job_uid = g.uid()
        labels = {"batch.kubernetes.io/controller-uid": job_uid, "batch.kubernetes.io/job-name": p.job,
                  "controller-uid": job_uid, "job-name": p.job}
        owners = [{"apiVersion": "batch/v1", "blockOwnerDeletion": True, "controller": True, "kind": "Job",
                   "name": p.job, "uid": job_uid}]
    meta = {"creationTimestamp": ts(created), "labels": labels, "name": p.name, "namespace": w.ns,
            "resourceVersion": g.resource_version(), "uid": g.uid()}
    if owners:
        meta["generateName"] = p.name[: p.name.rfind("-") + 1] if w.kind != "StatefulSet" else w.name + "-"
        meta["ownerReferences"] = owners
    if ann:
        meta["annotations"] = ann

    # The spec: the template, the service-account volume the admission plugin adds, the node.
    spec = {k: v for k, v in w.spec.items() if v is not None}
    sa_mount = {"mountPath": SA_MOUNT_PATH, "name": kaa, "readOnly": True}
    containers = []
    for c in w.spec["containers"]:
        c = dict(c)
        c["volumeMounts"] = c.get("volumeMounts", []) + [sa_mount]
        containers.append(c)
    spec["containers"] = containers
    volumes = list(w.spec.get("volumes", []))
    if w.kind == "StatefulSet":
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-" + p.name}}]
        spec["hostname"] = p.name
    volumes.append({"name": kaa, "projected": SA_PROJECTED})
    spec["volumes"] = volumes
    spec["nodeName"] = n.name
    spec.setdefault("dnsPolicy", "ClusterFirstWithHostNet" if spec.get("hostNetwork") else "ClusterFirst")
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    spec["serviceAccount"] = spec.setdefault("serviceAccountName", "default")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    if w.kind == "DaemonSet":
        spec["tolerations"] = DAEMONSET_TOLERATIONS
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [n.name]}]}]}}}
    else:
        spec["tolerations"] = DEFAULT_TOLERATIONS

    # Status, as the node's kubelet reports it (runtime-specific container ids).
    done = w.kind == "Job"
    started = created + r.randrange(2, 40)
    pod_ip = n.ip if spec.get("hostNetwork") else "%s.%d" % (n.cidr3, r.randrange(2, 254))
    scheme = "docker://" if n.docker else "containerd://"
    cond_list = []
    if n.kubelet >= "v1.29":
        cond_list.append(("PodReadyToStartContainers", "False" if done else "True", started))
    cond_list += [("Initialized", "True", created + 1), ("Ready", "False" if done else "True", started + 8),
                  ("ContainersReady", "False" if done else "True", started + 8), ("PodScheduled", "True", created)]
    conditions = []
    for ctype, st, t in cond_list:
        c = {"lastProbeTime": None, "lastTransitionTime": ts(t), "status": st, "type": ctype}
        if done and ctype in ("Ready", "ContainersReady"):
            c["reason"] = "PodCompleted"
        conditions.append(c)
    statuses = []
    for c in w.spec["containers"]:
        image = c["image"]
        repo = image.rsplit(":", 1)[0]
        digest = "sha256:" + g.hexs(64)
        cid = scheme + g.hexs(64)
        if done:
            state = {"terminated": {"containerID": cid, "exitCode": 0, "finishedAt": ts(started + 90),
                                    "reason": "Completed", "startedAt": ts(started)}}
        else:
            state = {"running": {"startedAt": ts(started)}}
        restarts = 0 if r.random() < 0.9 else r.randrange(1, 12)
        cs = {"containerID": cid, "image": image,
              "imageID": ("docker-pullable://" if n.docker else "") + repo + "@" + digest,
              "lastState": {}, "name": c["name"], "ready": not done, "restartCount": restarts,
              "started": not done, "state": state}
        if restarts:
            cs["lastState"] = {"terminated": {"containerID": scheme + g.hexs(64), "exitCode": 137,
                                              "finishedAt": ts(started - 5), "reason": "OOMKilled",
                                              "startedAt": ts(started - 3600)}}
        statuses.append(cs)
    status = {"conditions": conditions, "containerStatuses": statuses, "hostIP": n.ip, "hostIPs": [{"ip": n.ip}],
              "phase": "Succeeded" if done else "Running", "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
              "qosClass": "Burstable" if w.spec["containers"][0]["resources"] else "BestEffort",
              "startTime": ts(created + 1)}
    if w.spec.get("initContainers"):
        inits = []
        for ic in w.spec["initContainers"]:
            cid = scheme + g.hexs(64)
            inits.append({"containerID": cid, "image": ic["image"],
                          "imageID": ("docker-pullable://" if n.docker else "") + ic["image"].rsplit(":", 1)[0]
                          + "@sha256:" + g.hexs(64),
                          "lastState": {}, "name": ic["name"], "ready": True, "restartCount": 0, "started": False,
                          "state": {"terminated": {"containerID": cid, "exitCode": 0, "finishedAt": ts(started - 1),
                                                   "reason": "Completed", "startedAt": ts(started - 3)}}})
        status["initContainerStatuses"] = inits

    meta_fields = {"f:generateName": {}, "f:labels": fields_v1(labels, False)} if owners else {
        "f:labels": fields_v1(labels, False)}
    if owners:
        meta_fields["f:ownerReferences"] = {".": {}, 'k:{"uid":"%s"}' % owners[0]["uid"]: {}}
    creator = {"ReplicaSet": "kube-controller-manager", "Job": "kube-controller-manager",
               "StatefulSet": "kube-controller-manager", "DaemonSet": "kube-controller-manager"}.get(w.kind, "kubectl-run")
    meta["managedFields"] = [
        managed(creator, "Update", created, {"f:metadata": meta_fields, "f:spec": w.tmpl_fields}),
        managed("kubelet", "Update", started + 8, {"f:status": {
            "f:conditions": {'k:{"type":"%s"}' % ct: {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {},
                                                     "f:status": {}, "f:type": {}} for ct, _, _ in cond_list},
            "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {}, "f:podIP": {},
            "f:podIPs": {".": {}, 'k:{"ip":"%s"}' % pod_ip: {".": {}, "f:ip": {}}}, "f:startTime": {}}},
            "status"),
    ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


# --- Main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--provider", choices=sorted(PROVIDERS), default="eks",
                    help="whose node labels, names and provider IDs; kubeadm: a self-managed cluster (default: eks)")
    ap.add_argument("--compact", action="store_true",
                    help="no white space, as the API server sends a List (default: indented as kubectl -o json prints it)")
    ap.add_argument("out")
    a = ap.parse_args()
    if a.nodes < 1 or a.pods < 0:
        ap.error("--nodes must be at least 1 and --pods at least 0")
    start = time.monotonic()
    g = Gen(a.seed)

    pools = make_pools(g, a.nodes, a.provider)
    nodes = make_nodes(g, pools)
    ds = []
    for ns, name, labels, spec, flt in daemonsets():
        w = Workload(ns, name, "DaemonSet", labels, spec)
        w.node_filter = flt
        w.hash = g.suffix(10)
        w.created = NOW - 90 * 86400
        ds.append(w)
    ds_pods = sum(1 for w in ds for n in nodes if w.node_filter is None or w.node_filter(n))
    if a.pods < ds_pods:
        ap.error("%d nodes run %d DaemonSet pods: --pods must be at least that" % (a.nodes, ds_pods))
    workloads = plan_workloads(g, a.pods - ds_pods)
    for w in ds + workloads:
        prepare_workload(g, w)
    by_ns = schedule(g, workloads, nodes, ds)

    tmp = a.out + ".tmp"
    node_bytes = pod_bytes = pods = 0
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as f:
        head, item_sep, tail = (
            ('{"apiVersion":"v1","items":[', ",", '],"kind":"List","metadata":{"resourceVersion":""}}\n')
            if a.compact else
            ('{\n    "apiVersion": "v1",\n    "items": [\n', ",\n",
             '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'))
        f.write(head)
        sep = ""
        for n in nodes:
            s = render_item(node_object(g, n), a.compact)
            f.write(sep)
            f.write(s)
            node_bytes += len(s) + len(sep)
            sep = item_sep
        for ns in sorted(by_ns):
            for p in by_ns[ns]:
                s = render_item(pod_object(g, p), a.compact)
                f.write(sep)
                f.write(s)
                pod_bytes += len(s) + len(sep)
                pods += 1
                sep = item_sep
        f.write(tail)
    os.replace(tmp, a.out)  # a cached file is never a half-written one

    size = os.path.getsize(a.out)
    docker = sum(1 for n in nodes if n.docker)
    print("%s: %d nodes (%d on Docker), %d pods; %d bytes (%.1f MiB); as written, nodes %.1f KiB each, "
          "pods %.2f KiB each; %.1f s" % (
              a.out, len(nodes), docker, pods, size, size / 2**20, node_bytes / max(1, len(nodes)) / 1024,
              pod_bytes / max(1, pods) / 1024, time.monotonic() - start))


if __name__ == "__main__":
    main()
