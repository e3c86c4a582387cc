"""The production Dagster instance file (deploy/dagster.yaml) is valid for Dagster's own schema.

dagster-k8s, dagster-aws and dagster-postgres classes are not imported here
(dagster-k8s is not installed locally); Dagster's instance schema validates
every section's shape, and the run launcher's own config keys are checked
against the K8sRunLauncher keys this file relies on.
"""

from pathlib import Path

import pytest
import yaml
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"

# Keys of dagster_k8s.K8sRunLauncher's config schema (dagster-k8s 0.29 API docs).
K8S_RUN_LAUNCHER_KEYS = {
    "instance_config_map",
    "postgres_password_secret",
    "dagster_home",
    "load_incluster_config",
    "kubeconfig_file",
    "job_namespace",
    "service_account_name",
    "env_config_maps",
    "env_secrets",
    "env_vars",
    "image_pull_policy",
    "image_pull_secrets",
    "job_image",
    "volume_mounts",
    "volumes",
    "labels",
    "fail_pod_on_run_failure",
    "resources",
    "scheduler_name",
    "security_context",
    "run_k8s_config",
    "only_allow_user_defined_k8s_config_fields",
    "only_allow_user_defined_env_vars",
}

PRODUCTION_ENV = {
    "DAGSTER_PG_HOST": "dagster-db.internal",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_DB": "dagster",
    "DAGSTER_PG_USER": "wdp_dagster",
    "DAGSTER_PG_PASSWORD": "from-the-secret-manager",
    "WDP_DAGSTER_LOG_BUCKET": "wdp-dagster-logs",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)


def test_the_file_passes_dagsters_instance_schema(production_env: None) -> None:
    config, custom_instance_class = dagster_instance_config(str(DEPLOY), "dagster.yaml")
    assert custom_instance_class is None
    assert set(config["storage"]) == {"postgres"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "wdp/plaid", "limit": 1} in limits
    assert config["concurrency"]["pools"]["default_limit"] == 1


def test_the_run_launcher_uses_only_k8s_run_launcher_keys() -> None:
    launcher = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["run_launcher"]
    assert launcher["module"] == "dagster_k8s.launcher"
    assert set(launcher["config"]) <= K8S_RUN_LAUNCHER_KEYS


def test_no_secret_is_written_in_the_file() -> None:
    storage = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["storage"]["postgres"]
    assert storage["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}


def test_a_misspelled_section_is_refused(tmp_path: Path, production_env: None) -> None:
    """The validation above can fail: the same schema rejects an unknown key."""
    broken = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    broken["run_coordinatr"] = broken.pop("run_coordinator")
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(broken))
    with pytest.raises(DagsterInvalidConfigError):
        dagster_instance_config(str(tmp_path), "dagster.yaml")


# Top-level keys and K8sRunLauncher keys of the official chart's values schema
# (helm/dagster/schema/schema/charts/dagster/values.py and subschema/run_launcher.py).
HELM_TOP_LEVEL_KEYS = {
    "global",
    "nameOverride",
    "fullnameOverride",
    "rbacEnabled",
    "imagePullSecrets",
    "dagsterWebserver",
    "dagster-user-deployments",
    "postgresql",
    "generatePostgresqlPasswordSecret",
    "generateCeleryConfigSecret",
    "rabbitmq",
    "redis",
    "flower",
    "ingress",
    "runLauncher",
    "scheduler",
    "computeLogManager",
    "pythonLogs",
    "dagsterDaemon",
    "busybox",
    "migrate",
    "telemetry",
    "serviceAccount",
    "retention",
    "additionalInstanceConfig",
    "concurrency",
    "extraManifests",
}
HELM_K8S_RUN_LAUNCHER_KEYS = {
    "image",
    "imagePullPolicy",
    "jobNamespace",
    "loadInclusterConfig",
    "kubeconfigFile",
    "envConfigMaps",
    "envSecrets",
    "envVars",
    "volumeMounts",
    "volumes",
    "labels",
    "failPodOnRunFailure",
    "resources",
    "schedulerName",
    "securityContext",
    "runK8sConfig",
}


def test_helm_values_use_the_charts_keys_and_hold_no_secret() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    assert set(values) <= HELM_TOP_LEVEL_KEYS
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert set(values["runLauncher"]["config"]["k8sRunLauncher"]) <= HELM_K8S_RUN_LAUNCHER_KEYS
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlPassword"] == ""
    assert values["generatePostgresqlPasswordSecret"] is False
    assert {"key": "wdp/plaid", "limit": 1} in values["concurrency"]["runs"]["tagConcurrencyLimits"]
