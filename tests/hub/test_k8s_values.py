"""The Zero to JupyterHub values (deploy/jupyterhub/k8s) against the chart's own values schema.

The schema is an excerpt of the chart's values.schema.yaml, vendored with its provenance in
deploy/jupyterhub/k8s/chart-schema-excerpt.yaml. No cluster is involved: what a cluster would do
with these values is not tested here (deploy/jupyterhub/README.md says what is not verified).
"""
import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy/jupyterhub/k8s"


def schema():
    return yaml.safe_load((K8S / "chart-schema-excerpt.yaml").read_text())


def values():
    return yaml.safe_load((K8S / "values.yaml").read_text())


def errors(v):
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in jsonschema.Draft7Validator(schema()).iter_errors(v)]


def test_values_pass_the_charts_schema():
    jsonschema.Draft7Validator.check_schema(schema())
    assert errors(values()) == []


@pytest.mark.parametrize("path, bad", [
    (("singleuser", "storage", "type"), "pvc"),                  # not dynamic/static/none
    (("singleuser", "memory", "guarantee"), ["512M"]),           # a list, not a quantity
    (("singleuser", "storage", "homeMountpath"), "/home/jovyan"),  # a misspelt key
    (("cull", "timeout"), "1h"),                                 # seconds, an integer
])
def test_the_schema_check_catches_mistakes(path, bad):
    v = copy.deepcopy(values())
    node = v
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    assert errors(v), f"{'.'.join(path)} = {bad!r} passed the schema"


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
