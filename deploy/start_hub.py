#!/usr/bin/env python3
"""Start the course on a JupyterHub on this machine: one instructor, N students, nbgrader's exchange.

    sudo python3 deploy/start_hub.py --students 3        (or: sudo python3 course.py hub --students 3)

Run as root on Linux (the hub starts each person's server as their own Linux
user). It builds the course environment for user servers once (``hubenv``,
1-3 minutes, cached in /opt/lrlab-hub), creates the users
``<prefix>instructor`` and ``<prefix>student01`` ... (private homes; the
instructor gets the course folder ``~/lrlab``), makes the exchange folder,
and runs JupyterHub and its proxy on http://127.0.0.1:PORT/ until Ctrl-C.
Everyone logs in with the password printed at the start. On exit the users,
their files and processes, and the hub's folder are removed (``--keep`` keeps
them; ``--cleanup`` removes users an interrupted run left behind — only
users this tool made, which carry the comment ``lrlab hub user (temporary)``).

This is for trying the hub and for the tests, on one machine. For a class,
use The Littlest JupyterHub or Zero to JupyterHub: see "Teaching a class" in README.md.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hubctl  # noqa: E402
import hubenv  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="start_hub.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=3, metavar="N", help="number of students (default 3)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--prefix", default="lrlab-", help="user name prefix (default 'lrlab-')")
    parser.add_argument("--password", help="the shared password (default: a random one, printed)")
    parser.add_argument("--spawn", action="store_true", help="start every user's server right away")
    parser.add_argument("--keep", action="store_true", help="keep users and folders when the hub stops")
    parser.add_argument("--cleanup", action="store_true",
                        help="only remove the users an earlier run left behind, then exit")
    args = parser.parse_args(argv)
    why = hubctl.preconditions()
    if why:
        print(f"start_hub.py {why}", file=sys.stderr)
        return 2
    if args.cleanup:
        left = hubctl.marked_users()
        for name in left:
            hubctl.say(f"removing {name}")
            hubctl.delete_user(name)
        hubctl.say(f"removed {len(left)} user(s)")
        return 0
    if not 1 <= args.students <= 200:
        parser.error(f"--students must be between 1 and 200, got {args.students}")
    env = hubenv.ensure()
    instructor = f"{args.prefix}instructor"
    students = [f"{args.prefix}student{i:02d}" for i in range(1, args.students + 1)]
    hub = hubctl.Hub(env=env, instructors=[instructor], students=students, port=args.port,
                     password=args.password, keep=args.keep)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started with SIGINT ignored
    try:
        hubctl.say(f"creating {len(students) + 1} users and the exchange folder")
        hub.setup()
        hub.start()
        if args.spawn:
            hubctl.say("starting every user's server")
            hub.spawn([instructor] + students)
        print(f"""
The lrlab hub is up: {hub.url}/
  instructor  {instructor}   (the course folder is ~/lrlab; formgrader: {hub.url}/user/{instructor}/formgrader/)
  students    {students[0]}{' ... ' + students[-1] if len(students) > 1 else ''}
  password    {hub.password}   (the same for everyone)
  exchange    {hub.exchange}
  hub log     {hub.private / 'hub.log'}
Ctrl-C stops the hub{'' if args.keep else ' and removes these users and their files'}.
""", flush=True)
        while not stop and hub.proc.poll() is None:
            time.sleep(0.5)
        if hub.proc.poll() is not None:
            print(f"the hub exited ({hub.proc.returncode}):\n{hub.log_tail()}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        pass
    finally:
        hubctl.say("stopping the hub" + ("" if args.keep else ", removing its users and folders"))
        hub.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
