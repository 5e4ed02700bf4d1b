"""Finding 8 (deploy), closed: TLS and headers, secrets, bind addresses.

- nginx (deploy/nginx.conf + nginx-site.conf.template, as the image renders it) passes a real
  ``nginx -t`` and, run on loopback in front of a real web/serve.py, redirects HTTP to HTTPS and
  answers over TLS with HSTS, the pages' Content-Security-Policy and the other headers.
- web/serve.py's own answers carry the same headers (real server on a free port).
- The production start (scripts/run-server, deploy/entrypoint) refuses change-me or empty
  secrets, and reads secrets from files (``NAME_FILE``).
- No secret on a command line: supervisord.conf and the compose file, and the running Rasa
  server's /proc/PID/cmdline with the HTTP API on; the Rasa containers' socket.io Redis URL is
  built from the Redis password secret by deploy/entrypoint.
- `make run`'s servers (scripts/run-server) listen on 127.0.0.1 only, and the action server sends
  no CORS headers to a foreign origin.

Needs Debian's nginx (scripts/setup-nginx). Measured on the shared 2-core machine: everything but
the servers test 6-25 s (nginx -t and nginx on loopback ~2 s of it); the servers test 110-134 s
wall, 39 s CPU (Rasa loading its model while other engineers' tests ran).
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "integration"))
sys.path.insert(0, str(PROJECT_ROOT / "web"))
import services  # noqa: E402
from page_headers import frame_ancestors, security_headers  # noqa: E402

DEPLOY = PROJECT_ROOT / "deploy"
RUN_SERVER = PROJECT_ROOT / "scripts" / "run-server"
ENTRYPOINT = DEPLOY / "entrypoint"
PUBLIC = PROJECT_ROOT / "web" / "public"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APP_ORIGIN = "https://app.joblogic.example"
SECRET_VARIABLES = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "BOT_API_TOKEN",
                    "SYNCDESK_IDENTITY_KEY", "SYNCDESK_SESSION_KEY")  # fmt: skip


def clean_env(**variables: str) -> dict[str, str]:
    """Return this environment without any syncdesk setting or secret, plus ``variables``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SYNCDESK_", "POSTGRES_", "REDIS_", "BOT_API_TOKEN"))
    }
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", **variables}


def header_values(headers: http.client.HTTPMessage, name: str) -> list[str]:
    return headers.get_all(name) or []


def csp_directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


# --- the pages' headers --------------------------------------------------------------------------


def test_the_policy_names_the_bot_the_inline_scripts_and_the_app_origins():
    inline = re.search(r"<script>(.*?)</script>", (PUBLIC / "in-app.html").read_text(), re.S)
    headers = dict(security_headers("https://bot.example.com", PUBLIC, [APP_ORIGIN]))
    policy = csp_directives(headers["Content-Security-Policy"])
    assert policy["connect-src"] == ["'self'", "https://bot.example.com", "wss://bot.example.com"]
    assert policy["frame-ancestors"] == ["'self'", APP_ORIGIN]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    if inline:  # the in-app demo's embed snippet runs, and nothing else inline does
        digest = base64.b64encode(hashlib.sha256(inline.group(1).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("setting", ["*", "app.joblogic.example", "https://a.example/path", "'none'"])
def test_a_wrong_frame_ancestor_is_refused_not_widened(setting: str):
    with pytest.raises(ValueError, match="SYNCDESK_FRAME_ANCESTORS"):
        frame_ancestors(setting)


@contextmanager
def web_pages(tmp_path: Path, **variables: str) -> Iterator[str]:
    """Run web/serve.py on a free loopback port; yield its URL."""
    port = services.free_port()
    log = tmp_path / f"web-{port}.log"
    command = [sys.executable, "web/serve.py", "--host", "127.0.0.1", "--port", str(port),
               "--bot-url", "http://localhost:5005"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with services.http_servers([(command, f"{url}/config.js", log)],
                               env=clean_env(**variables), cwd=PROJECT_ROOT, seconds=30):  # fmt: skip
        yield url


@pytest.mark.integration
def test_web_serve_sends_the_headers_on_every_answer(tmp_path: Path):
    with web_pages(tmp_path, SYNCDESK_FRAME_ANCESTORS=APP_ORIGIN) as url:
        for path in ("/", "/in-app.html", "/config.js", "/site.css", "/no-such-page"):
            try:
                answer = urllib.request.urlopen(url + path, timeout=5)
            except urllib.error.HTTPError as error:  # the 404 carries them too
                answer = error
            headers = answer.headers
            assert len(header_values(headers, "Content-Security-Policy")) == 1, path
            policy = csp_directives(headers["Content-Security-Policy"])
            assert policy["frame-ancestors"] == ["'self'", APP_ORIGIN], path
            assert policy["connect-src"] == ["'self'", "http://localhost:5005", "ws://localhost:5005"]
            assert headers["Referrer-Policy"] == "no-referrer", path
            assert header_values(headers, "X-Content-Type-Options") == ["nosniff"], path


# --- nginx ----------------------------------------------------------------------------------------


def nginx_config(tmp_path: Path, *, http: int, https: int, web: int, rasa: int, public_url: str) -> Path:
    """Return deploy/'s nginx configuration as the image renders it, pointed at loopback ports.

    The template goes through envsubst with only ${PUBLIC_URL}, as NGINX_ENVSUBST_FILTER makes the
    image do; then the compose host names, the listening ports and the mounted paths are moved
    (each replacement is checked to have happened, so the file under test is the deployed one).
    """
    rendered = subprocess.run(
        ["envsubst", "${PUBLIC_URL}"],
        input=(DEPLOY / "nginx-site.conf.template").read_text(),
        env={"PUBLIC_URL": public_url, "PATH": os.environ["PATH"]},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    tls = tmp_path / "tls"
    subprocess.run([PROJECT_ROOT / "scripts" / "setup-tls", str(tls)], check=True, capture_output=True)

    def move(text: str, old: str, new: str) -> str:
        assert old in text, f"{old!r} is no longer in the nginx configuration"
        return text.replace(old, new)

    site = move(rendered, "listen 80 default_server;", f"listen 127.0.0.1:{http} default_server;")
    site = move(site, "listen 443 ssl default_server;", f"listen 127.0.0.1:{https} ssl default_server;")
    site = move(site, "/etc/nginx/tls/", f"{tls}/")
    site = move(site, "root /usr/share/nginx/html;", f"root {PUBLIC};")
    (tmp_path / "site.conf").write_text(site)
    main = (DEPLOY / "nginx.conf").read_text()
    main = move(main, "include /etc/nginx/conf.d/syncdesk.conf;", f"include {tmp_path / 'site.conf'};")
    main = move(main, "include /etc/nginx/mime.types;", "include /etc/nginx/mime.types;\n  "
                f"client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;")
    for host in ("rasa-1", "rasa-2"):
        main = re.sub(rf"server {host}:5005", f"server 127.0.0.1:{rasa}", main)
    main = move(main, "server web:8000;", f"server 127.0.0.1:{web};")
    main = f"pid {tmp_path / 'nginx.pid'};\n" + main
    (tmp_path / "nginx.conf").write_text(main)
    return tmp_path / "nginx.conf"


@pytest.fixture(scope="module")
def nginx_installed() -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: run scripts/setup-nginx (Debian's nginx)")


def test_nginx_accepts_the_configuration(tmp_path: Path, nginx_installed: None):
    config = nginx_config(tmp_path, http=8080, https=8443, web=8000, rasa=5005,
                          public_url="https://localhost:8443")  # fmt: skip
    checked = subprocess.run([NGINX, "-t", "-q", "-c", str(config), "-e", "stderr"],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stderr


@pytest.mark.integration
def test_nginx_redirects_to_https_and_sends_the_headers(tmp_path: Path, nginx_installed: None):
    http, https = services.free_port(), services.free_port()
    public_url = f"https://localhost:{https}"
    with web_pages(tmp_path, SYNCDESK_FRAME_ANCESTORS=APP_ORIGIN) as web:
        config = nginx_config(tmp_path, http=http, https=https, web=int(web.rsplit(":", 1)[1]),
                              rasa=services.free_port(), public_url=public_url)  # fmt: skip
        nginx = subprocess.Popen([NGINX, "-c", str(config), "-e", "stderr", "-g", "daemon off;"],
                                 stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not all(_accepts(port) for port in (http, https)):
                assert nginx.poll() is None, nginx.stderr.read().decode() if nginx.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)

            plain, _ = http_request(http, "/in-app.html?x=1")
            assert plain.status == 301
            assert plain.getheader("Location") == f"{public_url}/in-app.html?x=1"

            tls = ssl.create_default_context(cafile=str(tmp_path / "tls" / "fullchain.pem"))
            for path in ("/", "/in-app.html", "/config.js", "/site.css", "/syncdesk-widget.js"):
                answer, _ = http_request(https, path, tls)
                assert answer.status == 200, path
                assert answer.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"], path
                assert answer.headers.get_all("X-Content-Type-Options") == ["nosniff"], path
                assert answer.headers.get_all("Referrer-Policy") == ["no-referrer"], path
                policies = answer.headers.get_all("Content-Security-Policy") or []
                assert len(policies) == 1, (path, policies)
            page, body = http_request(https, "/in-app.html", tls)
            policy = csp_directives(page.getheader("Content-Security-Policy") or "")
            assert policy["frame-ancestors"] == ["'self'", APP_ORIGIN]
            assert "Joblogic" in body
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_request(port: int, path: str, tls: ssl.SSLContext | None = None) -> tuple[http.client.HTTPResponse, str]:
    """GET ``path`` from localhost:``port`` (HTTPS with ``tls``), not following redirects."""
    if tls is None:
        connection = http.client.HTTPConnection("localhost", port, timeout=10)
    else:
        connection = http.client.HTTPSConnection("localhost", port, timeout=10, context=tls)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer, answer.read().decode(errors="replace")
    finally:
        connection.close()


# --- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "variables", "named"),
    [
        ("actions", {"SYNCDESK_DB_URL": "postgresql+psycopg2://s:change-me-postgres@db/s"}, "SYNCDESK_DB_URL"),
        ("rasa", {"POSTGRES_PASSWORD": "change-me-postgres", "REDIS_PASSWORD": "x7Hq2"}, "POSTGRES_PASSWORD"),
        ("rasa", {"POSTGRES_PASSWORD": "x7Hq2", "REDIS_PASSWORD": ""}, "REDIS_PASSWORD"),
        ("rasa", {"POSTGRES_PASSWORD": "x7Hq2", "REDIS_PASSWORD": "x7Hq2", "BOT_API_TOKEN": "change-me-api-token"}, "BOT_API_TOKEN"),
        ("web", {"SYNCDESK_SESSION_KEY": "change-me-session-key"}, "SYNCDESK_SESSION_KEY"),
    ],
)  # fmt: skip
def test_the_production_start_refuses_default_secrets(server: str, variables: dict[str, str], named: str):
    started = subprocess.run([str(RUN_SERVER), server], env=clean_env(SYNCDESK_ENV="production", **variables),
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    assert started.returncode == 78, started.stderr
    assert named in started.stderr
    for value in variables.values():  # the message names the variable, never its value
        assert not value or value not in started.stderr


def test_containers_read_secrets_from_files_and_refuse_defaults(tmp_path: Path):
    (tmp_path / "postgres_password").write_text("Pw4Containers\n")
    (tmp_path / "bot_api_token").write_text("change-me-api-token\n")
    env = clean_env(SYNCDESK_ENV="production", POSTGRES_HOST="postgres", POSTGRES_USER="syncdesk",
                    POSTGRES_DB="syncdesk", POSTGRES_PASSWORD_FILE=str(tmp_path / "postgres_password"))  # fmt: skip
    show = [sys.executable, "-c", "import os; print(os.environ['POSTGRES_PASSWORD'], "
            "os.environ['SYNCDESK_DB_URL'], 'POSTGRES_PASSWORD_FILE' in os.environ)"]  # fmt: skip
    started = subprocess.run([str(ENTRYPOINT), *show], env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [
        "Pw4Containers", "postgresql+psycopg2://syncdesk:Pw4Containers@postgres:5432/syncdesk", "False"]

    refused = subprocess.run([str(ENTRYPOINT), *show], capture_output=True, text=True,
                             env={**env, "BOT_API_TOKEN_FILE": str(tmp_path / "bot_api_token")})  # fmt: skip
    assert refused.returncode == 78 and "BOT_API_TOKEN" in refused.stderr
    (tmp_path / "empty").write_text("")
    refused = subprocess.run([str(ENTRYPOINT), *show], capture_output=True, text=True,
                             env={**env, "REDIS_PASSWORD_FILE": str(tmp_path / "empty")})  # fmt: skip
    assert refused.returncode == 78 and "REDIS_PASSWORD (empty)" in refused.stderr


def test_the_rasa_containers_share_socketio_rooms_through_redis_with_the_secret(tmp_path: Path):
    """deploy/entrypoint builds the socket.io Redis URL from the redis_password secret."""
    (tmp_path / "redis_password").write_text("Rd5Secret\n")
    rasa = compose()["services"]["rasa-1"]["environment"]
    env = clean_env(SYNCDESK_ENV="production", REDIS_HOST=rasa["REDIS_HOST"], REDIS_PORT=rasa["REDIS_PORT"],
                    REDIS_PASSWORD_FILE=str(tmp_path / "redis_password"))  # fmt: skip
    show = [sys.executable, "-c", "import os; print(os.environ['SYNCDESK_SOCKETIO_REDIS_URL'])"]
    started = subprocess.run([str(ENTRYPOINT), *show], env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["redis://:Rd5Secret@redis:6379"]
    # Nowhere in the compose file, where it would hold the password; the web chat's Redis
    # traffic is only the Rasa servers' (the others have no Redis password).
    for name, service in compose()["services"].items():
        environment = service.get("environment") or {}
        assert "SYNCDESK_SOCKETIO_REDIS_URL" not in environment, name
        if "REDIS_PASSWORD_FILE" in environment:
            assert name.startswith("rasa-"), name


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def command_lines(service: dict) -> str:
    parts = []
    for key in ("entrypoint", "command"):
        value = service.get(key) or []
        parts.extend([value] if isinstance(value, str) else value)
    test = (service.get("healthcheck") or {}).get("test") or []
    parts.extend([test] if isinstance(test, str) else test)
    return " ".join(parts)


def test_no_secret_is_on_a_command_line_or_in_the_compose_environment():
    for name, service in compose()["services"].items():
        line = command_lines(service)
        for secret in SECRET_VARIABLES:
            assert f"${{{secret}}}" not in line and f"${secret}" not in line, (name, secret)
        assert "--auth-token" not in line and "--requirepass" not in line, name
        environment = service.get("environment") or {}
        for variable, value in environment.items():
            assert variable not in SECRET_VARIABLES, (name, variable)
            assert "PASSWORD}" not in str(value) and "TOKEN}" not in str(value), (name, variable)
    conf = configparser.ConfigParser(interpolation=None, strict=False)
    conf.read(PROJECT_ROOT / "scripts" / "supervisord.conf")
    programs = [section for section in conf.sections() if section.startswith("program:")]
    assert programs
    for section in programs:
        command = conf[section]["command"]
        assert re.fullmatch(r"%\(here\)s/run-server [a-z-]+", command), (section, command)
    assert "--auth-token" not in RUN_SERVER.read_text()


def test_each_container_gets_only_the_secrets_it_needs():
    services_ = compose()["services"]
    given = {name: set(service.get("secrets") or []) for name, service in services_.items()}
    assert given == {
        "postgres": {"postgres_password"},
        "redis": {"redis_password"},
        "migrate": {"postgres_password"},
        "actions": {"postgres_password"},
        "outbox": {"postgres_password", "smtp_url"},
        "rasa-1": {"postgres_password", "redis_password", "bot_api_token", "identity_key", "session_key"},
        "rasa-2": {"postgres_password", "redis_password", "bot_api_token", "identity_key", "session_key"},
        # The console (/console) reads tickets and pauses conversations through Rasa's API.
        "web": {"postgres_password", "bot_api_token", "console_agents"},
        "nginx": set(),
    }
    web = services_["web"]
    assert not any(key.startswith("REDIS_") for key in web.get("environment", {}))
    # The production start runs the migrations before any server.
    assert services_["migrate"]["command"][-1].startswith("python -m bot db upgrade && ")
    for name in ("actions", "outbox", "rasa-1", "rasa-2"):
        assert services_[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_example_settings_hold_no_secret():
    example = (DEPLOY / ".env.example").read_text()
    keys = re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M)
    assert "PUBLIC_URL" in keys and "TLS_CERT_DIR" in keys
    assert [key for key in keys if re.search(r"PASSWORD|TOKEN|KEY|SECRET", key)] == []


# --- make run's servers --------------------------------------------------------------------------


@pytest.mark.integration
def test_make_runs_servers_listen_on_loopback_with_no_token_in_ps(tmp_path: Path):
    ports = {"actions": services.free_port(), "rasa": services.free_port(), "web": services.free_port()}
    token = f"tok{os.urandom(8).hex()}"
    env = clean_env(
        RASA_PORT=str(ports["rasa"]), SYNCDESK_ACTIONS_PORT=str(ports["actions"]),
        SYNCDESK_WEB_PORT=str(ports["web"]), SYNCDESK_RUN_DIR=str(tmp_path),
        SYNCDESK_DB_URL=f"sqlite:///{tmp_path / 'kb.db'}", BOT_API_TOKEN=token,
    )  # fmt: skip
    urls = {"actions": "/health", "web": "/config.js", "rasa": "/"}
    commands = [([str(RUN_SERVER), name], f"http://127.0.0.1:{ports[name]}{urls[name]}",
                 tmp_path / f"{name}.log") for name in ("actions", "web", "rasa")]  # fmt: skip
    with services.http_servers(commands, env=env, cwd=PROJECT_ROOT):
        for name, port in ports.items():
            assert services.listening_addresses(port) == {"127.0.0.1"}, name
        rasa = min(services.listening_pids(ports["rasa"]), default=None)
        assert rasa is not None
        cmdline = Path(f"/proc/{rasa}/cmdline").read_bytes().decode()
        assert "--enable-api" not in cmdline and token not in cmdline
        # (/proc/PID/environ still holds it, as every exec'd environment: its owner and root only.)
        status = f"http://127.0.0.1:{ports['rasa']}/status"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(status, timeout=10)
        assert refused.value.code == 401  # the API is on, and wants the token
        assert urllib.request.urlopen(f"{status}?token={token}", timeout=10).status == 200

        # The action server is Rasa's only: no CORS answer to a web page's origin.
        for method in ("OPTIONS", "POST"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{ports['actions']}/webhook", method=method, data=b"{}",
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                         "Content-Type": "text/plain"},
            )  # fmt: skip
            try:
                answer = urllib.request.urlopen(request, timeout=10).headers
            except urllib.error.HTTPError as error:
                answer = error.headers
            assert "Access-Control-Allow-Origin" not in answer, method
