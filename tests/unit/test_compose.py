"""compose.yaml names every service and every setting the code reads."""

from pathlib import Path

import yaml

from services.api.settings import ApiSettings
from services.common.settings import CommonSettings
from services.notifier.settings import NotifierSettings
from services.projections.settings import ProjectionsSettings
from services.validator.settings import ValidatorSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"intake": ApiSettings, "validator": ValidatorSettings,
            "projections": ProjectionsSettings, "notifier": NotifierSettings}
# The module each service runs: the intake process is the HTTP edge, which starts its jobs.
MODULES = {"intake": "services.api"}
TEST_ONLY = {"DIMONA_CRASH_AFTER_COMMIT", "DIMONA_FAULT_MARKER_DIR"}


def env_names(settings_class) -> set[str]:
    prefix = settings_class.model_config["env_prefix"]
    return {f"{prefix}{name}".upper() for name in settings_class.model_fields} - TEST_ONLY


def test_every_service_is_built_from_the_one_image_with_its_settings():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"kafka", "postgres", "init", *SETTINGS} <= set(services)
    assert "healthcheck" in services["postgres"]
    for name, settings_class in SETTINGS.items():
        service = services[name]
        assert service["build"] == "."
        assert service["command"] == ["python", "-m", MODULES.get(name, f"services.{name}")]
        missing = env_names(settings_class) - set(service["environment"])
        assert not missing, f"{name} lacks {missing}"
    assert env_names(CommonSettings) <= set(services["init"]["environment"])
    assert "DIMONA_PARTITIONS" in services["init"]["environment"]
