"""Running the sandbox: :func:`serve` in this process, :func:`start_sandbox` as a subprocess.

``serve`` binds the socket itself (so ``port=0`` picks a free port), prints one line with the
URL, and lets uvicorn shut down cleanly on SIGTERM/SIGINT. ``start_sandbox`` is for tests and
the demo: it launches ``python -m sandbox.server`` on a free port, waits until it answers, and
stops it when the ``with`` block ends.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

from engine.errors import WeederError

LISTENING = "weeder sandbox listening on "
_URL = re.compile(re.escape(LISTENING) + r"(http://\S+)")


def serve(db: str | Path, *, host: str = "127.0.0.1", port: int = 8765,
          fault_rate: float = 0.0, fault_seed: int = 0,
          admin_username: str = "admin@weeder.sandbox", password: str = "weeder",
          client_id: str = "weeder-sandbox", client_secret: str = "weeder",
          jwt_public_key: str | None = None, daily_api_max: int | None = None) -> None:
    """Serve the org in ``db`` over HTTP until SIGTERM or SIGINT."""
    import uvicorn

    from sandbox.app import create_app
    from sandbox.auth import AuthConfig
    from sandbox.org import OrgSettings

    if not 0.0 <= fault_rate <= 1.0:
        raise WeederError(f"--faults is a share of requests between 0 and 1, not {fault_rate}")
    db_path = Path(db)
    if not db_path.parent.exists():
        raise WeederError(f"{db_path}: the folder {db_path.parent} does not exist")
    key_text = None
    if jwt_public_key:
        try:
            key_text = Path(jwt_public_key).read_text()
        except OSError as problem:
            raise WeederError(f"{jwt_public_key}: cannot read the JWT public key: "
                              f"{problem.strerror}") from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as problem:
        sock.close()
        raise WeederError(f"cannot listen on {host}:{port}: {problem.strerror} "
                          "(is another sandbox running? pick another --port)") from None
    settings = OrgSettings(
        auth=AuthConfig(admin_username, password, client_id, client_secret, key_text),
        fault_rate=fault_rate, fault_seed=fault_seed, daily_api_max=daily_api_max)
    app = create_app(db_path, settings)
    bound = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    ready_line = f"{LISTENING}http://{shown_host}:{bound} (db {db_path}, login {admin_username})"
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=5)
    try:
        _server_class(ready_line)(config).run(sockets=[sock])
    finally:
        app.state.org.close()
        sock.close()


def _server_class(ready_line: str) -> type:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """Says it is listening once it is, and shuts down on SIGTERM/SIGINT and returns,
        instead of re-raising the signal after the graceful shutdown (which would end the
        process with a KeyboardInterrupt traceback and skip closing the database)."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            print(ready_line, flush=True)

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            else:
                self.should_exit = True

    return QuietServer


@dataclass
class RunningSandbox:
    """A sandbox server subprocess; use it as a context manager to stop it at the end."""

    url: str
    db_path: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_sandbox(db_path: str | Path, *, port: int = 0, fault_rate: float = 0.0,
                  fault_seed: int = 0, jwt_public_key: str | Path | None = None,
                  timeout: float = 30.0) -> RunningSandbox:
    """Launch ``python -m sandbox.server`` on ``port`` (0: a free one) and wait until it answers."""
    handle, log_name = tempfile.mkstemp(prefix="weeder-sandbox-", suffix=".log")
    log_path = Path(log_name)
    command = [sys.executable, "-m", "sandbox.server", "--db", str(db_path),
               "--port", str(port), "--faults", str(fault_rate), "--fault-seed", str(fault_seed)]
    if jwt_public_key is not None:
        command += ["--jwt-public-key", str(jwt_public_key)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    os.close(handle)
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        found = _URL.search(log_path.read_text(errors="replace"))
        if found:
            url = found.group(1)
            if _answers(url):
                return RunningSandbox(url, Path(db_path), process, log_path)
        time.sleep(0.05)
    output = log_path.read_text(errors="replace")
    if process.poll() is None:
        process.kill()
        process.wait(timeout=5)
    log_path.unlink(missing_ok=True)
    raise RuntimeError(f"the sandbox did not start within {timeout:.0f}s "
                       f"(url {url}); its output:\n{output[-4000:]}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/services/data/", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server",
                                     description="Serve a Weeder sandbox org over HTTP.")
    parser.add_argument("--db", required=True, help="the sandbox's SQLite file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--faults", type=float, default=0.0)
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--username", default="admin@weeder.sandbox")
    parser.add_argument("--password", default="weeder")
    parser.add_argument("--client-id", default="weeder-sandbox")
    parser.add_argument("--client-secret", default="weeder")
    parser.add_argument("--jwt-public-key", default=None)
    args = parser.parse_args(argv)
    try:
        serve(args.db, host=args.host, port=args.port, fault_rate=args.faults,
              fault_seed=args.fault_seed, admin_username=args.username,
              password=args.password, client_id=args.client_id,
              client_secret=args.client_secret, jwt_public_key=args.jwt_public_key)
    except WeederError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return problem.exit_code
    except KeyboardInterrupt:  # interrupted while starting, before the server took signals
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
