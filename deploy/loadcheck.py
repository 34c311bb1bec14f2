"""Capacity check: N students at once, each running lesson 02 top to bottom in their own server's kernel.

    sudo .venv/bin/python deploy/loadcheck.py --students 8 [--json results.json]

Starts the course hub on 127.0.0.1 (``hubctl.Hub``) with N real student users,
then measures, all on this machine:

* **spawn**: seconds from "start all N servers at once" until each is ready;
* **run**: per student, seconds from asking their server for a kernel until
  the last cell of lesson 02 (the release with every answer filled in) has
  executed — the kernel start, then every cell in order, through JupyterLab's
  own session and kernel-channel (websocket) API, all N at the same moment;
  first one student alone (the baseline), then all N together;
* **CPU** seconds each kernel used for the run (``/proc/PID/stat``);
* **memory** per user server: the sum over that user's processes (server +
  kernel) of RSS and of PSS (``/proc/PID/smaps_rollup``: shared pages split
  between the processes that share them, so PSS adds up to the real total),
  sampled every 0.25 s: the peak during the run and the value after it.

Prints p50/p95 and a JSON record (machine, load average, versions). The hub,
users and files are removed at the end. Traffic goes only to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import pwd
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import hubctl  # noqa: E402
import hubenv  # noqa: E402

LESSON = "02-three-learning-rates"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def finished_lesson() -> dict:
    """Lesson 02 as a student hands it in: the release with every answer cell from the solutions."""
    release = nbformat.read(ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in solution.cells if "nbgrader" in c.metadata}
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "\n".join(line for line in answers[meta["grade_id"]].splitlines()
                                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return release


# ------------------------------------------------------------------------------------ memory, CPU

def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE // 1024
    except OSError:
        return 0


def user_memory_mb(uid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over the processes of ``uid``."""
    pids = hubctl.user_pids(uid)
    return sum(_rss_kb(p) for p in pids) / 1024, sum(_pss_kb(p) for p in pids) / 1024


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError):
        return float("nan")


class Sampler(threading.Thread):
    """Peak (RSS, PSS) per user while running."""
    def __init__(self, uids: dict[str, int], every: float = 0.25):
        super().__init__(daemon=True)
        self.uids, self.every = uids, every
        self.peak = {name: (0.0, 0.0) for name in uids}
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for name, uid in self.uids.items():
                rss, pss = user_memory_mb(uid)
                old = self.peak[name]
                self.peak[name] = (max(old[0], rss), max(old[1], pss))
            self.halt.wait(self.every)


# ------------------------------------------------------------------------------- one student's run

async def run_lesson(hub: hubctl.Hub, user: str, token: str, nb: dict, timeout: float = 600.0) -> dict:
    """Save the notebook, start a kernel through the user's server, execute every code cell in order."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    http = AsyncHTTPClient()
    server_pid = hub.server_pid(user)
    server_cpu0 = cpu_seconds(server_pid) if server_pid else float("nan")
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    base = f"{hub.url}/user/{user}"
    path = f"loadcheck/{LESSON}.ipynb"
    await http.fetch(HTTPRequest(f"{base}/api/contents/loadcheck", method="PUT", headers=headers,
                                 body=json.dumps({"type": "directory"})), raise_error=False)
    await http.fetch(HTTPRequest(f"{base}/api/contents/{path}", method="PUT", headers=headers,
                                 body=json.dumps({"type": "notebook", "format": "json", "content": nb})))
    t0 = time.monotonic()
    reply = await http.fetch(HTTPRequest(f"{base}/api/sessions", method="POST", headers=headers, body=json.dumps(
        {"path": path, "name": f"{LESSON}.ipynb", "type": "notebook", "kernel": {"name": "python3"}})))
    session = json.loads(reply.body)
    kernel_id = session["kernel"]["id"]
    ws_url = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}),
                                 max_message_size=64 * 1024 * 1024)
    sid = uuid.uuid4().hex

    async def request(msg_type: str, content: dict) -> dict:
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": user, "session": sid, "msg_type": msg_type,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}))
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout)
            if raw is None:
                raise RuntimeError(f"{user}: the kernel channel closed")
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("channel") == "shell" and msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    await request("kernel_info_request", {})
    t_kernel = time.monotonic() - t0
    errors = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        msg = await request("execute_request", {"code": cell["source"], "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False,
                                                "stop_on_error": False})
        if msg["content"].get("status") != "ok":
            errors.append(f"cell {index}: {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
    seconds = time.monotonic() - t0
    kernel_pid = _kernel_pid(pwd.getpwnam(user).pw_uid)
    cpu = cpu_seconds(kernel_pid) if kernel_pid else float("nan")
    server_cpu = (cpu_seconds(server_pid) if server_pid else float("nan")) - server_cpu0
    ws.close()
    await http.fetch(HTTPRequest(f"{base}/api/sessions/{session['id']}", method="DELETE", headers=headers),
                     raise_error=False)
    return {"user": user, "seconds": seconds, "kernel_start": t_kernel, "kernel_cpu": cpu,
            "server_cpu": server_cpu, "errors": errors}


def _kernel_pid(uid: int) -> int | None:
    """The user's most recently started kernel process."""
    found = []
    for pid in hubctl.user_pids(uid):
        try:
            if b"ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes():
                started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
                found.append((started, pid))
        except (OSError, IndexError, ValueError):
            continue
    return max(found)[1] if found else None


async def run_class(hub, users, tokens, nb) -> list[dict]:
    return list(await asyncio.gather(*(run_lesson(hub, u, tokens[u], nb) for u in users)))


def pct(values, q) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def machine() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
    os_name = "?"
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 ** 2, 1), "os": os_name,
            "kernel": platform.release(), "load_average_before": os.getloadavg()}


def summarise(label: str, results: list[dict]) -> dict:
    secs = [r["seconds"] for r in results]
    cpu = [r["kernel_cpu"] for r in results]
    return {"label": label, "n": len(results), "p50_s": pct(secs, 50), "p95_s": pct(secs, 95), "max_s": max(secs),
            "kernel_start_p50_s": pct([r["kernel_start"] for r in results], 50),
            "kernel_cpu_p50_s": pct(cpu, 50), "server_cpu_p50_s": pct([r["server_cpu"] for r in results], 50),
            "errors": [e for r in results for e in r["errors"]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=8)
    ap.add_argument("--json", type=Path, help="also write the record here")
    args = ap.parse_args(argv)
    why = hubctl.preconditions()
    if why:
        print(f"loadcheck.py {why}", file=sys.stderr)
        return 2
    record = {"machine": machine(), "students": args.students, "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    env = hubenv.ensure()
    record["versions"] = json.loads(subprocess.run(
        [str(env / "bin" / "python"), "-c", "import json, sys, importlib.metadata as m; print(json.dumps("
         "{'python': sys.version.split()[0], **{p: m.version(p) for p in ('jupyterhub', 'jupyterlab', "
         "'jupyter_server', 'ipykernel', 'nbgrader', 'numpy', 'matplotlib')}}))"],
        capture_output=True, text=True, check=True).stdout)
    nb = finished_lesson()
    tag = os.urandom(2).hex()
    students = [f"lrlab-l{tag}-s{i:02d}" for i in range(1, args.students + 1)]
    with hubctl.Hub(env=env, instructors=[], students=students) as hub:
        hub.setup()
        t0 = time.monotonic()
        hub.start()
        record["hub_start_s"] = time.monotonic() - t0
        spawn = hub.spawn(students, timeout=600)
        record["spawn"] = {"p50_s": pct(list(spawn.values()), 50), "p95_s": pct(list(spawn.values()), 95),
                           "max_s": max(spawn.values())}
        uids = {u: pwd.getpwnam(u).pw_uid for u in students}
        time.sleep(2)
        idle = {u: user_memory_mb(uid) for u, uid in uids.items()}
        record["idle_server_mb"] = {"rss_p50": pct([v[0] for v in idle.values()], 50),
                                    "pss_p50": pct([v[1] for v in idle.values()], 50)}
        hub_pids = hubctl.user_pids(0)
        tokens = {u: hub.user_token(u) for u in students}
        # the baseline: one student alone (a second run of the same student gives the warm number)
        alone = asyncio.run(run_class(hub, students[:1], tokens, nb))
        record["alone"] = summarise("1 student alone", alone)
        sampler = Sampler(uids)
        sampler.start()
        together = asyncio.run(run_class(hub, students, tokens, nb))
        sampler.halt.set()
        sampler.join()
        record["together"] = summarise(f"{args.students} students at once", together)
        time.sleep(1)
        after = {u: user_memory_mb(uid) for u, uid in uids.items()}
        record["peak_user_mb"] = {"rss_p50": pct([v[0] for v in sampler.peak.values()], 50),
                                  "rss_max": max(v[0] for v in sampler.peak.values()),
                                  "pss_p50": pct([v[1] for v in sampler.peak.values()], 50),
                                  "pss_max": max(v[1] for v in sampler.peak.values())}
        record["after_run_user_mb"] = {"rss_p50": pct([v[0] for v in after.values()], 50),
                                       "pss_p50": pct([v[1] for v in after.values()], 50)}
        hub_mem = [p for p in hub_pids if b"jupyterhub" in _cmd(p) or b"configurable-http-proxy" in _cmd(p)]
        record["hub_and_proxy_mb"] = {"rss": sum(_rss_kb(p) for p in hub_mem) / 1024,
                                      "pss": sum(_pss_kb(p) for p in hub_mem) / 1024}
        record["load_average_after"] = os.getloadavg()
    print(report(record))
    if args.json:
        args.json.write_text(json.dumps(record, indent=2, default=float) + "\n")
    bad = record["alone"]["errors"] + record["together"]["errors"]
    if bad:
        print("cell errors:", *bad[:5], sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _cmd(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def report(r: dict) -> str:
    m = r["machine"]
    v = ", ".join(f"{k} {x}" for k, x in r["versions"].items())
    lines = [f"Versions (user servers): {v}",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']} (kernel {m['kernel']}); "
             f"load average before {m['load_average_before'][0]:.2f}, after {r['load_average_after'][0]:.2f}",
             f"Hub ready in {r['hub_start_s']:.1f} s; {r['students']} servers started at once: ready after "
             f"p50 {r['spawn']['p50_s']:.1f} s, p95 {r['spawn']['p95_s']:.1f} s",
             f"Idle user server: RSS {r['idle_server_mb']['rss_p50']:.0f} MB, PSS {r['idle_server_mb']['pss_p50']:.0f} MB"]
    for key in ("alone", "together"):
        s = r[key]
        lines.append(f"Lesson 02 top to bottom, {s['label']}: p50 {s['p50_s']:.1f} s, p95 {s['p95_s']:.1f} s, "
                     f"max {s['max_s']:.1f} s (kernel start p50 {s['kernel_start_p50_s']:.1f} s; kernel CPU "
                     f"p50 {s['kernel_cpu_p50_s']:.1f} s, server CPU p50 {s['server_cpu_p50_s']:.1f} s); "
                     f"cell errors: {len(s['errors'])}")
    p = r["peak_user_mb"]
    lines.append(f"Per user server (server + kernel), peak during the run: RSS p50 {p['rss_p50']:.0f} MB "
                 f"(max {p['rss_max']:.0f}), PSS p50 {p['pss_p50']:.0f} MB (max {p['pss_max']:.0f}); after: "
                 f"RSS {r['after_run_user_mb']['rss_p50']:.0f} MB, PSS {r['after_run_user_mb']['pss_p50']:.0f} MB")
    lines.append(f"Hub + proxy: RSS {r['hub_and_proxy_mb']['rss']:.0f} MB, PSS {r['hub_and_proxy_mb']['pss']:.0f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
