"""The Zero to JupyterHub values (deploy/jupyterhub/k8s): what they promise, and the chart's own check.

What the values promise (a persistent home per learner, the store on it, the learner's name, the
resources, culling, the pre-puller) is checked here always, against values.yaml itself.

The chart's own check is the one Helm makes before it renders anything: the values coalesced over
the chart's default values.yaml, validated against the chart's values.schema.json. It needs the
chart (the output of "helm pull jupyterhub/jupyterhub --version X --untar", X the version the README
pins), unpacked where Z2JH_CHART_DIR names or in deploy/jupyterhub/k8s/chart/ (not in git). No
registry this project installs from ships the chart, and a copy of its schema is not ours to commit,
so without it those tests are skipped and say so. No cluster is involved: what a cluster would do
with these values is not tested here (deploy/jupyterhub/README.md says what is not verified).
"""
import copy
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy/jupyterhub/k8s"


def values():
    return yaml.safe_load((K8S / "values.yaml").read_text())


def errors(v, against):
    validator = jsonschema.Draft7Validator(against)
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(v)]


def with_change(v, path, new):
    """A deep copy of the values v with the key at path (a tuple of keys) set to new."""
    v = copy.deepcopy(v)
    node = v
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = new
    return v


def helm_coalesce(user, defaults):
    """The values Helm renders and validates: the user's values coalesced over the chart's defaults.

    As Helm 3 does for a chart's own values (pkg/chartutil/coalesce.go): maps merge key by key,
    recursively; any other value of the user's (a list, a scalar, a map over a non-map) replaces the
    default whole, so lists are never merged; a user's null deletes the chart's default for that
    key; a key only in the defaults is copied. Neither argument is changed.
    """
    out = copy.deepcopy(user)
    for key, default in defaults.items():
        if key not in out:
            out[key] = copy.deepcopy(default)
        elif out[key] is None:
            del out[key]
        elif isinstance(out[key], dict) and isinstance(default, dict):
            out[key] = helm_coalesce(out[key], default)
    return out


# Mistakes that the chart's schema rejects, each in a place our values set.
MISTAKES = [
    (("singleuser", "storage", "type"), "pvc"),                    # not dynamic/static/none
    (("singleuser", "memory", "guarantee"), ["512M"]),             # a list, not a quantity
    (("singleuser", "storage", "homeMountpath"), "/home/jovyan"),  # a misspelt key
    (("cull", "timeout"), "1h"),                                   # seconds, an integer
    (("singleUser",), {"defaultUrl": "/lab"}),                     # a misspelt top-level key
]


# --- the merge Helm makes -------------------------------------------------------------------------

def test_helm_coalesce_merges_maps_replaces_lists_and_deletes_on_null():
    defaults = {"a": {"keep": 1, "drop": 2, "list": [1, 2], "deep": {"x": 1}}, "b": [1], "c": "c"}
    user = {"a": {"drop": None, "list": [3], "deep": {"y": 2}, "new": None}, "b": [], "d": {"e": 1}}
    before = copy.deepcopy((defaults, user))
    assert helm_coalesce(user, defaults) == {
        "a": {"keep": 1, "list": [3], "deep": {"x": 1, "y": 2}, "new": None},
        "b": [], "c": "c", "d": {"e": 1}}
    assert (defaults, user) == before
    # a user's scalar or list over a default map wins, as in Helm (which warns)
    assert helm_coalesce({"a": "x"}, {"a": {"b": 1}}) == {"a": "x"}
    assert helm_coalesce({}, {}) == {}


# --- the chart's own schema and defaults (where the chart is at hand) -----------------------------

def pinned_version():
    """The chart version deploy/jupyterhub/README.md installs (helm ... --version X)."""
    found = set(re.findall(r"jupyterhub/jupyterhub --version (\S+)", (K8S.parent / "README.md").read_text()))
    assert len(found) == 1, f"the README pins no single chart version: {found}"
    return found.pop()


def chart_dir():
    for folder in (os.environ.get("Z2JH_CHART_DIR"), K8S / "chart"):
        if folder and (Path(folder) / "values.yaml").exists() and (
                (Path(folder) / "values.schema.json").exists() or (Path(folder) / "values.schema.yaml").exists()):
            return Path(folder)
    return None


@pytest.fixture(scope="module")
def chart():
    folder = chart_dir()
    if folder is None:
        pytest.skip(f"the jupyterhub chart {pinned_version()} is not at hand: name the folder of the "
                    f"unpacked chart (helm pull jupyterhub/jupyterhub --version {pinned_version()} --untar) "
                    "in Z2JH_CHART_DIR, or unpack it in deploy/jupyterhub/k8s/chart/ (git ignores that folder)")
    json_schema = folder / "values.schema.json"
    return {
        "dir": folder,
        "schema": (json.loads(json_schema.read_text()) if json_schema.exists()
                   else yaml.safe_load((folder / "values.schema.yaml").read_text())),
        "defaults": yaml.safe_load((folder / "values.yaml").read_text()),
    }


def test_the_chart_is_the_version_the_readme_installs(chart):
    meta = chart["dir"] / "Chart.yaml"
    if not meta.exists():
        pytest.skip(f"{chart['dir']} has no Chart.yaml to read its version from")
    assert str(yaml.safe_load(meta.read_text())["version"]) == pinned_version()


def test_the_charts_schema_is_the_whole_schema(chart):
    s = chart["schema"]
    jsonschema.Draft7Validator.check_schema(s)
    assert s.get("additionalProperties") is False
    assert {"hub", "proxy", "singleuser", "prePuller", "cull"} <= set(s.get("required", []))

    def keys(node):
        if isinstance(node, dict):
            return len(node.get("properties", {})) + sum(keys(v) for k, v in node.items() if k != "enum")
        return sum(keys(v) for v in node) if isinstance(node, list) else 0

    def our_keys(node):
        return sum(1 + our_keys(v) for v in node.values()) if isinstance(node, dict) else 0

    assert keys(s) > 5 * our_keys(values()), "the schema describes hardly more than our values set"


def test_the_charts_defaults_pass_its_schema(chart):
    assert errors(chart["defaults"], chart["schema"]) == []


def test_values_merged_over_the_charts_defaults_pass_its_schema(chart):
    assert errors(helm_coalesce(values(), chart["defaults"]), chart["schema"]) == []


@pytest.mark.parametrize("path, bad", MISTAKES + [
    (("prePuller", "hook"), None),   # a null deletes the chart's default, and prePuller requires hook
])
def test_the_charts_schema_catches_mistakes_after_the_merge(chart, path, bad):
    merged = helm_coalesce(with_change(values(), path, bad), chart["defaults"])
    assert errors(merged, chart["schema"]), f"{'.'.join(path)} = {bad!r} passed the chart's schema"


# --- what the values promise ----------------------------------------------------------------------

def test_values_give_each_learner_a_persistent_home_and_their_own_store():
    su = values()["singleuser"]
    st = su["storage"]
    assert st["type"] == "dynamic" and st["dynamic"]["storageAccessModes"] == ["ReadWriteOnce"]
    assert su["extraEnv"]["THREELEVELS_HOME"].startswith(st["homeMountPath"] + "/")
    # the learner's name comes from JUPYTERHUB_USER (set by KubeSpawner), never a fixed value
    assert "THREELEVELS_LEARNER" not in su["extraEnv"]
    mounts = {m["mountPath"] for m in st["extraVolumeMounts"]}
    assert su["extraEnv"]["CLASS_EXPORTS"] in mounts


def test_values_reserve_resources_cull_idle_servers_and_prepull_the_image():
    v = values()
    su = v["singleuser"]
    assert su["memory"]["guarantee"] and su["memory"]["limit"] and su["cpu"]["guarantee"]
    assert su["startTimeout"] >= 300
    assert su["image"]["tag"] not in ("", "latest")
    assert v["cull"]["enabled"] and v["cull"]["timeout"] >= 600
    assert v["prePuller"]["hook"]["enabled"] and v["prePuller"]["continuous"]["enabled"]


def test_the_image_carries_the_course_and_nbgitpuller():
    docker = (K8S / "Dockerfile").read_text()
    assert "deploy/jupyterhub/requirements.txt" in docker and "constraints.txt" in docker
    reqs = (K8S.parent / "requirements.txt").read_text()
    assert "nbgitpuller==" in reqs and "jupyterhub==" in reqs
