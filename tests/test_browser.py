"""End to end in a real browser: JupyterLab serves a student notebook, headless Chromium runs it.

A temporary copy of the course (``nbgrader_config.py`` and ``assignments/``) is served by
JupyterLab from this Python's environment, with the ``digits`` dataset so the kernel needs no
download. Playwright drives Debian's Chromium (never a browser Playwright downloads): it opens
``assignments/svm/svm.ipynb``, runs every cell from the Run menu, checks the outputs, checks
that nbgrader's lab extension added its Nbgrader menu and Validate button, and validates the
notebook. Screenshots go to ``build/browser/`` (and the test's ``tmp_path``).

The test skips when the ``playwright`` package or a Chromium executable is missing; set
``CS231N_CHROMIUM`` to use another Chromium build.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "assignments/svm/svm.ipynb"
SCREENSHOTS = REPO / "build" / "browser"
#: Chromium flags for a closed network: no sandbox (root in CI), no background connections.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
#: Seconds allowed for each wait; the machine may be shared and slow.
SERVER_START_S = 90
PAGE_LOAD_S = 90
RUN_ALL_S = 150
VALIDATE_S = 180

pytestmark = pytest.mark.slow


def find_chromium() -> str | None:
    """Chromium's executable: ``$CS231N_CHROMIUM``, else ``chromium`` on PATH, else None."""
    override = os.environ.get("CS231N_CHROMIUM", "").strip()
    if override:
        return override if os.access(override, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of the Chromium executable; skips the test when it or playwright is missing."""
    pytest.importorskip("playwright.sync_api",
                        reason="the playwright package is not installed (pip install -e '.[dev]')")
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium executable (apt-get install chromium, or set CS231N_CHROMIUM)")
    return path


# --------------------------------------------------------------------------- JupyterLab


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, served course folder and log file."""

    url: str
    token: str
    root: Path
    log: Path
    proc: subprocess.Popen

    def api(self, path: str, method: str = "GET", timeout: float = 10) -> object:
        """JSON answer of the server's REST API at ``path`` (e.g. ``/api/sessions``)."""
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.is_file() else ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(settings_dir: Path) -> None:
    """User settings: every cell kept in the DOM, no news or update checks (closed network)."""
    user = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false", "checkForUpdates": False},
    }
    for name, values in user.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def stop_process_tree(proc: subprocess.Popen) -> None:
    """Stop JupyterLab and everything it started (kernels run in sessions of their own)."""
    try:
        import psutil  # installed with ipykernel

        children = psutil.Process(proc.pid).children(recursive=True)
    except Exception:
        children = []
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    for child in children:
        try:
            child.kill()
        except Exception:
            pass  # already gone


@pytest.fixture
def lab(tmp_path: Path, chromium: str) -> Iterator[LabServer]:
    """JupyterLab serving a temporary copy of the course; stopped after the test."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "assignments", root / "assignments",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    jupyter = tmp_path / "jupyter"  # user-level Jupyter folders, isolated from the developer's
    write_lab_settings(jupyter / "lab-settings")
    env = dict(os.environ)
    env.update({
        "CS231N_DATASET": "digits",
        "OPENBLAS_NUM_THREADS": "1",
        "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_DATA_DIR": str(jupyter / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "lab-workspaces"),
        "IPYTHONDIR": str(jupyter / "ipython"),
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        # nbgrader's Validate handler reads nbgrader_config.py from the server's working folder.
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log, proc)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode} before answering:\n"
                            f"{server.log_tail()}")
            try:
                server.api("/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer /api/status within {SERVER_START_S} s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        stop_process_tree(proc)


# --------------------------------------------------------------------------- browser


def wait_until(condition, timeout: float, what: str, server: LabServer, interval: float = 0.5):
    """Poll ``condition()`` until it returns something truthy; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; server log:\n"
                        f"{server.log_tail()}")
        time.sleep(interval)


def notebook_kernel_state(server: LabServer) -> str | None:
    """Execution state of the kernel of the notebook's session, or None if there is none."""
    try:
        sessions = server.api("/api/sessions")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None  # the server is busy (nbgrader validates in its event loop)
    for session in sessions:
        if session.get("path") == NOTEBOOK and session.get("kernel"):
            return session["kernel"].get("execution_state")
    return None


def save_screenshot(page, name: str, tmp_path: Path) -> Path:
    """Full-page screenshot to build/browser/<name>.png, copied into tmp_path; prints the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copy2(path, tmp_path / path.name)
    print(f"screenshot: {path}")
    return path


def test_student_notebook_runs_and_validates_in_chromium(lab: LabServer, chromium: str,
                                                         tmp_path: Path):
    """Run All executes the SVM student notebook; the nbgrader menu and Validate button work."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # assertions retry this long (the default is 5 s)
    (SCREENSHOTS / "svm-failure.png").unlink(missing_ok=True)  # from an earlier run
    start = time.monotonic()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)
        try:
            run_notebook_and_validate(page, lab, tmp_path)
        except BaseException:
            try:
                save_screenshot(page, "svm-failure", tmp_path)
            except Exception as exc:  # a crashed page must not hide the original failure
                print(f"no failure screenshot: {exc}")
            raise
        finally:
            context.close()
    print(f"browser test took {time.monotonic() - start:.0f} s")
    check_saved_notebook(lab.root / NOTEBOOK)


def run_notebook_and_validate(page, server: LabServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}/lab/tree/{NOTEBOOK}?token={server.token}")
    notebook = page.locator(".jp-NotebookPanel:visible")
    expect(notebook, "the notebook panel of svm.ipynb").to_be_visible(timeout=PAGE_LOAD_S * 1000)
    expect(notebook.locator(".jp-Cell").first, "the notebook's first cell").to_be_visible()
    wait_until(lambda: notebook_kernel_state(server) == "idle", PAGE_LOAD_S,
               "the notebook's kernel to start and become idle", server)

    # nbgrader's lab extension: a Validate button in the notebook toolbar ...
    validate = notebook.locator(".jp-Toolbar .validate-button")
    expect(validate, "nbgrader's Validate button in the notebook toolbar").to_be_visible()
    expect(validate).to_contain_text("Validate")
    # ... and an Nbgrader menu with the student's and the instructor's panels.
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Nbgrader$")).click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    for label in ("Assignment List", "Course List", "Formgrader", "Create assignment"):
        expect(menu.locator(".lm-Menu-itemLabel", has_text=label).first,
               f"'{label}' in the Nbgrader menu").to_be_visible()
    page.keyboard.press("Escape")

    # Run > Run All Cells. A student copy stops at the first unanswered cell
    # (NotImplementedError); the cells before it must have run.
    notebook.locator(".jp-Cell").first.click()
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")

    def finished() -> bool:
        texts = prompts.all_inner_texts()
        return (not any("*" in t for t in texts) and any(re.search(r"\d", t) for t in texts)
                and notebook_kernel_state(server) == "idle")

    wait_until(finished, RUN_ALL_S, "Run All Cells to finish (no '[*]' prompt, kernel idle)", server)
    outputs = notebook.locator(".jp-OutputArea-output")
    expect(outputs.filter(has_text="validation bar for digits"),
           "the data-loading cell's printed summary").to_have_count(1)
    image = notebook.locator(".jp-OutputArea-output img")
    expect(image.first, "the image grid plotted by the fourth cell").to_be_visible()
    expect(outputs.filter(has_text="NotImplementedError").first,
           "the error of the first unanswered student cell").to_be_visible()
    image.first.scroll_into_view_if_needed()
    save_screenshot(page, "svm-run-all", tmp_path)

    # Validate: nbgrader saves the notebook, executes it in a new kernel and reports.
    validate.locator("jp-button, button").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header"), "nbgrader's 'Validation Results' dialog").to_contain_text(
        "Validation Results", timeout=VALIDATE_S * 1000)
    message = dialog.locator("#validation-message")
    expect(message, "the validation report").to_be_visible()
    # A blank student copy fails its tests; what matters is that a report arrived.
    expect(message).to_have_class(re.compile(r"validation-(failed|success|passed)"))
    expect(message).to_contain_text("NotImplementedError")
    save_screenshot(page, "svm-validate", tmp_path)
    dialog.locator(".jp-Dialog-footer button").first.click()
    expect(dialog).to_have_count(0)


def check_saved_notebook(path: Path) -> None:
    """The notebook Validate saved: the cells up to the first unanswered one ran in order."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    ran = [n for n in counts if n is not None]
    assert len(ran) >= 4 and ran == sorted(ran), f"execution counts of the code cells: {counts}"
    outputs = [o for c in code for o in c["outputs"]]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "validation bar for digits" in text, text[:2000]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no plot in the saved notebook"
    errors = [o["ename"] for o in outputs if o["output_type"] == "error"]
    assert errors and set(errors) == {"NotImplementedError"}, f"errors in the saved notebook: {errors}"
